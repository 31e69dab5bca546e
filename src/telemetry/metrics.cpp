#include "telemetry/metrics.h"

#include <prometheus/text_serializer.h>

#include <map>

namespace logcap {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// A step spends microseconds to milliseconds on a batch.
const prometheus::Histogram::BucketBoundaries& StepBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005,
                                                                0.01,    0.05,    0.1,    0.5,    1};
  return kBuckets;
}

// Latency buckets from 100 µs to 60 s: stage times are sub-millisecond, end-to-end can be seconds.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return kBuckets;
}

std::string S(std::string_view v) { return std::string(v); }

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  captured_ = &BuildCounter().Name("log_capturer_logs_captured_total").Help("Log events captured by sources.").Register(r);
  sent_ = &BuildCounter().Name("log_capturer_logs_sent_total").Help("Log events handled by sinks, by outcome.").Register(r);
  dropped_ = &BuildCounter().Name("log_capturer_logs_dropped_total").Help("Log events discarded, by stage and reason.").Register(r);
  stage_duration_ = &BuildHistogram().Name("log_capturer_stage_duration_seconds").Help("Time a batch spent in each pipeline stage.").Register(r);
  e2e_latency_ = &BuildHistogram().Name("log_capturer_end_to_end_latency_seconds").Help("Time from read to sink acknowledgement, per batch (oldest event).").Register(r);
  send_duration_ = &BuildHistogram().Name("log_capturer_sink_send_duration_seconds").Help("Time a sink took to write and flush a group of batches.").Register(r);
  buffer_size_ = &BuildGauge().Name("log_capturer_buffer_size_bytes").Help("Bytes held in the disk buffer per sink.").Register(r);
  dlq_entries_ = &BuildCounter().Name("log_capturer_dlq_entries_total").Help("Events written to the dead-letter queue.").Register(r);
  truncated_ = &BuildCounter().Name("log_capturer_lines_truncated_total").Help("Lines longer than max_line_size, truncated.").Register(r);
  file_events_ = &BuildCounter().Name("log_capturer_file_events_total").Help("File lifecycle events seen by file sources.").Register(r);
  position_saves_ = &BuildCounter().Name("log_capturer_position_saves_total").Help("Saves of the positions file.").Register(r);
  source_paused_ = &BuildGauge().Name("log_capturer_source_paused").Help("1 while a source is paused by backpressure.").Register(r);
  bytes_read_ = &BuildCounter().Name("log_capturer_bytes_read_total").Help("Bytes read by sources.").Register(r);
  config_reloads_ = &BuildCounter().Name("log_capturer_config_reloads_total").Help("Configuration reloads, by outcome.").Register(r);
  circuit_state_ = &BuildGauge().Name("log_capturer_sink_circuit_state").Help("Circuit breaker of each sink: 0 closed, 1 half-open, 2 open.").Register(r);
  sink_requests_ = &BuildCounter().Name("log_capturer_sink_requests_total").Help("Requests of HTTP sinks by answer: the HTTP status, or error when none came.").Register(r);
  sink_refused_ = &BuildCounter().Name("log_capturer_sink_refused_entries_total").Help("Entries refused by the far side for their timestamp, by reason and by what the sink did with them.").Register(r);
  labels_cut_ = &BuildCounter().Name("log_capturer_sink_labels_cut_total").Help("Labels not sent as stream labels (moved to structured metadata) or cut short, by reason.").Register(r);
  kafka_queue_ = &BuildGauge().Name("log_capturer_kafka_queue_messages").Help("Messages in librdkafka's queues (to send, or fetched and not yet consumed).").Register(r);
  kafka_brokers_up_ = &BuildGauge().Name("log_capturer_kafka_brokers_up").Help("Kafka brokers this client is connected to (state UP).").Register(r);
  kafka_rtt_ = &BuildGauge().Name("log_capturer_kafka_broker_rtt_seconds").Help("Mean round-trip time to the connected Kafka brokers.").Register(r);
  kafka_lag_ = &BuildGauge().Name("log_capturer_kafka_consumer_lag_messages").Help("Messages behind the end of the assigned partitions (consumer only).").Register(r);
  kafka_decode_errors_ = &BuildCounter().Name("log_capturer_kafka_input_decode_errors_total").Help("Kafka messages that were not event JSON, passed on as raw lines.").Register(r);
  kafka_rebalances_ = &BuildCounter().Name("log_capturer_kafka_input_rebalances_total").Help("Consumer group rebalances (assignments and revocations) seen.").Register(r);
  container_malformed_ = &BuildCounter().Name("log_capturer_container_malformed_records_total").Help("Container log records that did not decode, passed on as raw lines flagged malformed.").Register(r);
  containers_skipped_ = &BuildCounter().Name("log_capturer_container_files_skipped_total").Help("Container log files not read: filtered out, the agent's own, or not a known layout.").Register(r);
  step_events_ = &BuildCounter().Name("log_capturer_pipeline_step_events_total").Help("Events a processing step saw (in), passed on (out), dropped, and marked failed (error).").Register(r);
  step_duration_ = &BuildHistogram().Name("log_capturer_pipeline_step_duration_seconds").Help("Time a processing step spent on one batch.").Register(r);
  buffer_disk_bytes_ = &BuildGauge().Name("log_capturer_buffer_disk_bytes").Help("Bytes of all disk buffer segments.").Register(r).Add({});
  buffer_corrupt_records_ = &BuildCounter().Name("log_capturer_buffer_corrupt_records_total").Help("Disk buffer records skipped for a bad checksum or framing.").Register(r).Add({});
  buffer_write_errors_ = &BuildCounter().Name("log_capturer_buffer_write_errors_total").Help("Disk buffer appends that failed (disk full, I/O error) and were retried.").Register(r).Add({});
  dlq_size_bytes_ = &BuildGauge().Name("log_capturer_dlq_size_bytes").Help("Bytes held by the dead-letter queue.").Register(r).Add({});
  dispatcher_queue_size_ = &BuildGauge().Name("log_capturer_dispatcher_queue_size").Help("Events waiting in the dispatcher queue.").Register(r).Add({});
  files_monitored_ = &BuildGauge().Name("log_capturer_files_monitored").Help("Files currently open for reading.").Register(r).Add({});
  BuildGauge().Name("log_capturer_build_info").Help("Version of the agent.").Register(r).Add({{"version", LOGCAP_VERSION}}).Set(1);
}

prometheus::Counter& Metrics::LogsCaptured(std::string_view source_type, std::string_view source) {
  return captured_->Add({{"source_type", S(source_type)}, {"source", S(source)}});
}
prometheus::Counter& Metrics::LogsSent(std::string_view sink, std::string_view status) {
  return sent_->Add({{"sink", S(sink)}, {"status", S(status)}});
}
prometheus::Counter& Metrics::LogsDropped(std::string_view stage, std::string_view reason) {
  return dropped_->Add({{"stage", S(stage)}, {"reason", S(reason)}});
}
prometheus::Histogram& Metrics::StageDuration(std::string_view stage) {
  return stage_duration_->Add({{"stage", S(stage)}}, LatencyBuckets());
}
prometheus::Histogram& Metrics::EndToEndLatency(std::string_view sink) {
  return e2e_latency_->Add({{"sink", S(sink)}}, LatencyBuckets());
}
prometheus::Histogram& Metrics::SinkSendDuration(std::string_view sink) {
  return send_duration_->Add({{"sink", S(sink)}}, LatencyBuckets());
}
prometheus::Gauge& Metrics::BufferSizeBytes(std::string_view sink) { return buffer_size_->Add({{"sink", S(sink)}}); }
prometheus::Counter& Metrics::DlqEntries(std::string_view sink, std::string_view reason) {
  return dlq_entries_->Add({{"sink", S(sink)}, {"reason", S(reason)}});
}
prometheus::Counter& Metrics::PipelineStepEvents(std::string_view pipeline, std::string_view step,
                                                 std::string_view outcome) {
  return step_events_->Add({{"pipeline", S(pipeline)}, {"step", S(step)}, {"outcome", S(outcome)}});
}
prometheus::Histogram& Metrics::PipelineStepDuration(std::string_view pipeline, std::string_view step) {
  return step_duration_->Add({{"pipeline", S(pipeline)}, {"step", S(step)}}, StepBuckets());
}
prometheus::Counter& Metrics::LinesTruncated(std::string_view source) { return truncated_->Add({{"source", S(source)}}); }
prometheus::Counter& Metrics::FileEvents(std::string_view source, std::string_view event) {
  return file_events_->Add({{"source", S(source)}, {"event", S(event)}});
}
prometheus::Counter& Metrics::PositionSaves(std::string_view status) { return position_saves_->Add({{"status", S(status)}}); }
prometheus::Gauge& Metrics::SourcePaused(std::string_view source) { return source_paused_->Add({{"source", S(source)}}); }
prometheus::Counter& Metrics::BytesRead(std::string_view source) { return bytes_read_->Add({{"source", S(source)}}); }
prometheus::Counter& Metrics::ConfigReloads(std::string_view status) { return config_reloads_->Add({{"status", S(status)}}); }

prometheus::Gauge& Metrics::SinkCircuitState(std::string_view sink) { return circuit_state_->Add({{"sink", S(sink)}}); }

prometheus::Counter& Metrics::SinkRequests(std::string_view sink, std::string_view code) {
  return sink_requests_->Add({{"sink", S(sink)}, {"code", S(code)}});
}
prometheus::Counter& Metrics::SinkRefusedEntries(std::string_view sink, std::string_view reason, std::string_view action) {
  return sink_refused_->Add({{"sink", S(sink)}, {"reason", S(reason)}, {"action", S(action)}});
}
prometheus::Counter& Metrics::SinkLabelsCut(std::string_view sink, std::string_view reason) {
  return labels_cut_->Add({{"sink", S(sink)}, {"reason", S(reason)}});
}

Metrics::KafkaClientGauges Metrics::KafkaClient(std::string_view component) {
  const std::map<std::string, std::string> labels{{"component", S(component)}};
  return {&kafka_queue_->Add(labels), &kafka_brokers_up_->Add(labels), &kafka_rtt_->Add(labels),
          &kafka_lag_->Add(labels)};
}

prometheus::Counter& Metrics::KafkaInputDecodeErrors(std::string_view source) {
  return kafka_decode_errors_->Add({{"source", S(source)}});
}
prometheus::Counter& Metrics::KafkaInputRebalances(std::string_view source) {
  return kafka_rebalances_->Add({{"source", S(source)}});
}

prometheus::Counter& Metrics::ContainerMalformedRecords(std::string_view source, std::string_view format) {
  return container_malformed_->Add({{"source", S(source)}, {"format", S(format)}});
}
prometheus::Counter& Metrics::ContainerFilesSkipped(std::string_view source, std::string_view reason) {
  return containers_skipped_->Add({{"source", S(source)}, {"reason", S(reason)}});
}

std::string Metrics::Serialize() const {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry_->Collect());
}

}  // namespace logcap
