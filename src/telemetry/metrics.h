// Metrics: the agent's Prometheus metrics (CONTRACT §6), one registry per agent.
//
// Components ask for their time series once, at construction, and keep the returned references:
// the hot path then costs one atomic add per batch, never a map lookup. Label values name a
// configured component, a stage, a status or a reason: never a file path or container id.
//
// Thread-safety: every method may be called from any thread. References stay valid for the life of
// the Metrics object.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace logcap {

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // log_capturer_logs_captured_total{source_type, source}
  prometheus::Counter& LogsCaptured(std::string_view source_type, std::string_view source);
  // log_capturer_logs_sent_total{sink, status}: status is success | retry | failed
  prometheus::Counter& LogsSent(std::string_view sink, std::string_view status);
  // log_capturer_logs_dropped_total{stage, reason}
  prometheus::Counter& LogsDropped(std::string_view stage, std::string_view reason);
  // log_capturer_stage_duration_seconds{stage}: capture | queue | process | deliver
  prometheus::Histogram& StageDuration(std::string_view stage);
  // log_capturer_end_to_end_latency_seconds{sink}: read to sink acknowledgement
  prometheus::Histogram& EndToEndLatency(std::string_view sink);
  // log_capturer_sink_send_duration_seconds{sink}
  prometheus::Histogram& SinkSendDuration(std::string_view sink);
  // log_capturer_dispatcher_queue_size
  prometheus::Gauge& DispatcherQueueSize() { return *dispatcher_queue_size_; }
  // log_capturer_files_monitored
  prometheus::Gauge& FilesMonitored() { return *files_monitored_; }
  // log_capturer_buffer_size_bytes{sink}
  prometheus::Gauge& BufferSizeBytes(std::string_view sink);
  // log_capturer_dlq_entries_total{sink, reason}
  prometheus::Counter& DlqEntries(std::string_view sink, std::string_view reason);

  // Beyond the contract's list:
  // log_capturer_lines_truncated_total{source}: lines longer than max_line_size
  prometheus::Counter& LinesTruncated(std::string_view source);
  // log_capturer_file_events_total{source, event}: opened | closed | rotated | truncated | read_error
  prometheus::Counter& FileEvents(std::string_view source, std::string_view event);
  // log_capturer_position_saves_total{status}: success | failed
  prometheus::Counter& PositionSaves(std::string_view status);
  // log_capturer_source_paused{source}: 1 while a source waits on backpressure
  prometheus::Gauge& SourcePaused(std::string_view source);
  // log_capturer_bytes_read_total{source}
  prometheus::Counter& BytesRead(std::string_view source);
  // log_capturer_config_reloads_total{status}: applied | rejected
  prometheus::Counter& ConfigReloads(std::string_view status);
  // log_capturer_sink_circuit_state{sink}: 0 closed, 1 half-open, 2 open
  prometheus::Gauge& SinkCircuitState(std::string_view sink);
  // log_capturer_sink_requests_total{sink, code}: requests of HTTP sinks by answer, code = the
  // HTTP status ("204", "429") or "error" when no answer came (refused, timeout, TLS)
  prometheus::Counter& SinkRequests(std::string_view sink, std::string_view code);
  // log_capturer_sink_refused_entries_total{sink, reason, action}: entries the far side refused
  // for their timestamp (reason out_of_order | too_far_behind | too_old | too_new) and what the
  // sink did with them (action dlq | drop | rewrite_timestamp)
  prometheus::Counter& SinkRefusedEntries(std::string_view sink, std::string_view reason, std::string_view action);
  // log_capturer_sink_labels_cut_total{sink, reason}: labels a sink could not send as stream labels
  // and sent as structured metadata instead (reason labels_per_stream | streams_per_push) or cut
  // short (label_value_too_long)
  prometheus::Counter& SinkLabelsCut(std::string_view sink, std::string_view reason);
  // The gauges of one Kafka client (component: the sink "kafka" or the source "kafka_input"), set
  // from librdkafka's statistics: log_capturer_kafka_queue_messages (messages in librdkafka's
  // queues: waiting to be sent, or fetched and not yet consumed), log_capturer_kafka_brokers_up
  // (brokers in state UP), log_capturer_kafka_broker_rtt_seconds (mean round-trip time of those),
  // log_capturer_kafka_consumer_lag_messages (sum over the assigned partitions; consumers only).
  struct KafkaClientGauges {
    prometheus::Gauge* queue_messages;
    prometheus::Gauge* brokers_up;
    prometheus::Gauge* broker_rtt_seconds;
    prometheus::Gauge* consumer_lag_messages;
  };
  KafkaClientGauges KafkaClient(std::string_view component);
  // log_capturer_kafka_input_decode_errors_total{source}: Kafka messages that were not event JSON,
  // passed on as raw lines
  prometheus::Counter& KafkaInputDecodeErrors(std::string_view source);
  // log_capturer_kafka_input_rebalances_total{source}: consumer group assignments and revocations
  prometheus::Counter& KafkaInputRebalances(std::string_view source);
  // log_capturer_container_malformed_records_total{source, format}: container log records (format
  // docker | cri) that did not decode, passed on as raw lines flagged malformed
  prometheus::Counter& ContainerMalformedRecords(std::string_view source, std::string_view format);
  // log_capturer_container_files_skipped_total{source, reason}: container log files not read (reason
  // filtered | self | unknown_layout)
  prometheus::Counter& ContainerFilesSkipped(std::string_view source, std::string_view reason);
  // log_capturer_pipeline_step_events_total{pipeline, step, outcome}: events a processing step saw
  // (outcome in), passed on (out), dropped (dropped: drop, sample, dedup, throttle) and marked
  // failed (error; they flow on with an `_error` field)
  prometheus::Counter& PipelineStepEvents(std::string_view pipeline, std::string_view step, std::string_view outcome);
  // log_capturer_pipeline_step_duration_seconds{pipeline, step}: time a step spent on one batch
  prometheus::Histogram& PipelineStepDuration(std::string_view pipeline, std::string_view step);
  // log_capturer_buffer_disk_bytes: bytes of every segment of the disk buffer
  prometheus::Gauge& BufferDiskBytes() { return *buffer_disk_bytes_; }
  // log_capturer_buffer_corrupt_records_total: records skipped because their checksum or framing was bad
  prometheus::Counter& BufferCorruptRecords() { return *buffer_corrupt_records_; }
  // log_capturer_buffer_write_errors_total: appends that failed (disk full, I/O error) and were retried
  prometheus::Counter& BufferWriteErrors() { return *buffer_write_errors_; }
  // log_capturer_dlq_size_bytes: bytes held by the dead-letter queue
  prometheus::Gauge& DlqSizeBytes() { return *dlq_size_bytes_; }

  // The Prometheus text exposition of every metric.
  std::string Serialize() const;
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* captured_;
  prometheus::Family<prometheus::Counter>* sent_;
  prometheus::Family<prometheus::Counter>* dropped_;
  prometheus::Family<prometheus::Histogram>* stage_duration_;
  prometheus::Family<prometheus::Histogram>* e2e_latency_;
  prometheus::Family<prometheus::Histogram>* send_duration_;
  prometheus::Family<prometheus::Gauge>* buffer_size_;
  prometheus::Family<prometheus::Counter>* dlq_entries_;
  prometheus::Family<prometheus::Counter>* truncated_;
  prometheus::Family<prometheus::Counter>* file_events_;
  prometheus::Family<prometheus::Counter>* position_saves_;
  prometheus::Family<prometheus::Gauge>* source_paused_;
  prometheus::Family<prometheus::Counter>* bytes_read_;
  prometheus::Family<prometheus::Counter>* config_reloads_;
  prometheus::Family<prometheus::Gauge>* circuit_state_;
  prometheus::Family<prometheus::Counter>* sink_requests_;
  prometheus::Family<prometheus::Counter>* sink_refused_;
  prometheus::Family<prometheus::Counter>* labels_cut_;
  prometheus::Family<prometheus::Gauge>* kafka_queue_;
  prometheus::Family<prometheus::Gauge>* kafka_brokers_up_;
  prometheus::Family<prometheus::Gauge>* kafka_rtt_;
  prometheus::Family<prometheus::Gauge>* kafka_lag_;
  prometheus::Family<prometheus::Counter>* kafka_decode_errors_;
  prometheus::Family<prometheus::Counter>* kafka_rebalances_;
  prometheus::Family<prometheus::Counter>* container_malformed_;
  prometheus::Family<prometheus::Counter>* containers_skipped_;
  prometheus::Family<prometheus::Counter>* step_events_;
  prometheus::Family<prometheus::Histogram>* step_duration_;
  prometheus::Gauge* buffer_disk_bytes_;
  prometheus::Counter* buffer_corrupt_records_;
  prometheus::Counter* buffer_write_errors_;
  prometheus::Gauge* dlq_size_bytes_;
  prometheus::Gauge* dispatcher_queue_size_;
  prometheus::Gauge* files_monitored_;
};

}  // namespace logcap
