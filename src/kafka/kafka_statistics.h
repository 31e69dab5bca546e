// KafkaStatistics: the few figures of librdkafka's statistics JSON (emitted every
// statistics.interval.ms to the client's stats callback) that an operator needs, kept for /health
// and /api/v1/stats and set on the log_capturer_kafka_* gauges (telemetry/metrics.h):
//   queue_messages  producer: messages waiting in librdkafka's queues (top-level msg_cnt);
//                   consumer: messages fetched and not yet consumed (the shared fetch queue: the
//                   largest of the partitions' fetchq_cnt, which all report it)
//   brokers_up      brokers in state UP, of brokers_known (the cluster's brokers once metadata is
//                   known, the bootstrap servers before that)
//   rtt_seconds     mean of the UP brokers' average round-trip times
//   consumer_lag    sum of consumer_lag over the assigned partitions (those with a known lag)
// Health: not ok once statistics say that no broker is UP (unreachable cluster, wrong address,
// broker down); ok before the first statistics arrive.
//
// Thread-safety: Update runs on whichever thread serves the client's callbacks; the readers may run
// on any thread (a mutex: statistics come every few seconds).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/component_health.h"
#include "core/status.h"
#include "telemetry/metrics.h"

namespace logcap {

struct KafkaStatisticsSnapshot {
  bool seen = false;  // false until the first statistics arrived
  int64_t queue_messages = 0;
  int brokers_up = 0;
  int brokers_known = 0;
  double rtt_seconds = 0;
  int64_t consumer_lag = 0;
};

// Parses one statistics document. InvalidArgument for text that is not librdkafka's JSON.
Status ParseKafkaStatistics(std::string_view json, KafkaStatisticsSnapshot* out);

class KafkaStatistics {
 public:
  // The interval the clients ask librdkafka for (statistics.interval.ms).
  static constexpr int kIntervalMs = 2000;

  // component: the metric label ("kafka", "kafka_input"); metrics may be null (tests).
  KafkaStatistics(std::string component, Metrics* metrics);

  void Update(std::string_view json);
  KafkaStatisticsSnapshot snapshot() const;
  ComponentHealth Health() const;
  std::string Json() const;  // the snapshot as a JSON object

 private:
  const std::string component_;
  Metrics::KafkaClientGauges gauges_{};
  bool has_gauges_ = false;
  mutable std::mutex mu_;
  KafkaStatisticsSnapshot snapshot_;
};

}  // namespace logcap
