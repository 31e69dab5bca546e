// KafkaSink ("kafka"): produces each event, as the event JSON of CONTRACT §4, to a Kafka topic
// with librdkafka; an event counts as delivered only when its delivery report says the brokers
// have it (per required_acks).
//
// WriteGroup produces every event of the group (value: the event JSON; key: the partitioning
// key; header traceparent when the event has a trace context), then serves delivery reports until
// each message has one. Per batch:
//   every message delivered                       kOk
//   a permanent error for some messages           kOk, those listed in `rejected` (reason
//   (too large, invalid record, not authorized)   too_large / invalid / not_authorized), for the DLQ
//   a transient error for any message (timed out  kRetry: the batch is produced again later
//   after message.timeout.ms, brokers down, ...)  (at-least-once; the idempotent producer only
//                                                 removes duplicates within one session)
// A full local queue is backpressure: the sink serves reports until there is room, never drops.
//
// Partitioning: hash (key = the event label named by partitioning.key_field, else the source id;
// librdkafka's murmur2_random, Java-compatible), random (no key), round-robin (no key, a
// partitioner that takes the partitions in turn).
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
#include "sinks/kafka/kafka_producer_config.h"

namespace logcap {

class Metrics;

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
  void Stop() override;
  std::string StatsJson() const override;

  // Called from the delivery report callback (librdkafka's, on this sink's thread).
  void OnDelivery(uint64_t opaque, int error, const char* error_text);

 private:
  struct BatchProgress {
    size_t outstanding = 0;      // messages without a delivery report yet
    bool transient = false;      // some message failed for a reason worth retrying
    std::string transient_error;
    std::vector<RejectedEvent> rejected;
  };
  struct Producer;  // librdkafka handles (pimpl: no librdkafka type in this header)

  // Produces one message; waits (serving reports) while the local queue is full. Returns false
  // with *error set when librdkafka refused it outright.
  bool Produce(uint32_t batch, uint32_t event, const EventBatch& b, const Event& e, JsonSourceCache* cache,
               int* error);
  std::string_view KeyOf(const EventBatch& batch, const Event& event) const;

  const std::string name_ = "kafka";
  const KafkaSinkConfig config_;
  Metrics* metrics_;
  std::unique_ptr<Producer> producer_;
  TimestampFormatter ts_;
  std::string value_;  // scratch: one event JSON
  std::vector<BatchProgress> progress_;
  size_t outstanding_ = 0;
  uint16_t generation_ = 0;  // of the group being delivered; tags every message's opaque

  std::atomic<uint64_t> produced_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> queue_full_waits_{0};
};

}  // namespace logcap
