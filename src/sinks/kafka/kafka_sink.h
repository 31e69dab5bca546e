// KafkaSink ("kafka"): produces each event, as the event JSON of CONTRACT §4, to a Kafka topic
// with librdkafka; an event counts as delivered only when its delivery report says the brokers
// have it (per required_acks).
//
// WriteGroup produces every event of the group (value: the event JSON; key: the partitioning
// key; header traceparent when the event has a trace context), then serves delivery reports until
// each message has one. While it waits, it starts the runner's next group (Sink::LookAhead), so
// the brokers always have work; those batches are only waited for when their WriteGroup comes.
// Per batch:
//   every message delivered                       kOk
//   a permanent error for some messages           kOk, those listed in `rejected` (reason
//   (too large, invalid record, not authorized)   too_large / invalid / not_authorized), for the DLQ
//   a transient error for any message (timed out  kRetry: the batch is produced again later
//   after message.timeout.ms, brokers down, ...)  (at-least-once; the idempotent producer only
//                                                 removes duplicates within one session)
// A full local queue is backpressure: the sink serves reports until there is room, never drops.
//
// Topic: the value of the event label named by topic_label, else level_topics[level], else topic
// (the original system's routing by level is level_topics {error: ..., debug: ...}). A name that is
// not a valid Kafka topic name sends the event to the DLQ (reason invalid_topic). A routed topic
// that does not exist fails like any other delivery (retried; librdkafka's
// topic.metadata.propagation.max.ms bounds the wait for it to appear).
//
// Partitioning: hash (key = the event label named by partitioning.key_field, else the source id;
// librdkafka's murmur2_random, Java-compatible), random (no key), round-robin (no key, a
// partitioner that takes the partitions in turn).
//
// librdkafka's statistics (every 2 s, served by rd_kafka_poll in WriteGroup and Idle) give the
// log_capturer_kafka_* gauges and the brokers' reachability for /health.
//
// Stop() flushes what is still queued (up to the flush timeout) before the producer is destroyed.
// Threads: Start/WriteGroup/Stop from the runner's thread (delivery reports are served by
// rd_kafka_poll on that thread too); StatsJson from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "codec/event_encoder.h"
#include "config/config.h"
#include "pipeline/sink.h"
#include "kafka/kafka_statistics.h"
#include "sinks/kafka/kafka_producer_config.h"

namespace logcap {

class Metrics;
struct KafkaTopic;

class KafkaSink final : public Sink {
 public:
  KafkaSink(const KafkaSinkConfig& config, Metrics* metrics);
  ~KafkaSink() override;

  const std::string& name() const override { return name_; }
  // Builds the producer: InvalidArgument naming the property librdkafka refused.
  Status Start() override;
  void WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results) override;
  SinkResult Write(const EventBatch& batch) override { return WriteAsGroupOfOne(batch); }
  SinkResult Flush() override { return SinkResult::Ok(); }
  // A group and its look-ahead are held twice (the batches, and librdkafka's copies of their
  // messages): 16 batches keep that near 10 MB, and the look-ahead keeps the brokers busy anyway.
  size_t max_group_batches() const override { return 16; }
  void Stop() override;
  std::string StatsJson() const override;
  // Not ok while librdkafka's statistics say that no broker is reachable.
  ComponentHealth Health() const override { return statistics_.Health(); }
  void Idle() override;

  // Called from the delivery report callback (librdkafka's, on this sink's thread).
  void OnDelivery(uint64_t opaque, int error, const char* error_text);
  void OnStatistics(std::string_view json);

 private:
  // One batch whose messages are with librdkafka: started by WriteGroup, or ahead of it by a
  // look-ahead (Sink::LookAhead), and released when its WriteGroup has its verdict.
  struct InFlight {
    const EventBatch* batch = nullptr;
    uint16_t generation = 0;     // tags the opaque of its messages
    bool active = false;
    size_t outstanding = 0;      // messages without a delivery report yet
    bool transient = false;      // some message failed for a reason worth retrying
    std::string transient_error;
    std::vector<RejectedEvent> rejected;
  };
  struct Producer;  // librdkafka handles (pimpl: no librdkafka type in this header)
  struct Chunk;

  // Produces one message; waits (serving reports) while the local queue is full. Returns false
  // with *error set when librdkafka refused it outright.
  bool ProduceWithHeaders(KafkaTopic* topic, uint64_t opaque, const EventBatch& b, const Event& e,
                          JsonSourceCache* cache, int* error);
  void FlushChunk();  // produces the messages gathered in chunk_
  // Produces every event of the batch into a free slot; returns the slot.
  uint32_t StartBatch(const EventBatch& batch);
  std::string_view KeyOf(const EventBatch& batch, const Event& event) const;
  std::string_view LabelOf(const EventBatch& batch, const Event& event, const std::string& name) const;
  KafkaTopic* TopicOf(const EventBatch& batch, const Event& event);
  KafkaTopic* TopicHandle(std::string_view name);  // created on first use

  const std::string name_ = "kafka";
  const KafkaSinkConfig config_;
  const bool routed_ = !config_.topic_label.empty() || !config_.level_topics.empty();
  Metrics* metrics_;
  KafkaStatistics statistics_;
  std::unique_ptr<Producer> producer_;
  TimestampFormatter ts_;
  std::string value_;  // scratch: one event JSON
  std::vector<InFlight> slots_;        // at most a group and its look-ahead: linear scans are cheap
  std::vector<uint32_t> group_slots_;  // scratch: the slot of each batch of the group
  std::unique_ptr<Chunk> chunk_;

  std::atomic<uint64_t> produced_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> queue_full_waits_{0};
};

}  // namespace logcap
