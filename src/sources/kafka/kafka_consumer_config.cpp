#include "sources/kafka/kafka_consumer_config.h"

#include <string>

namespace logcap {

namespace {

// The prefetch queue of the high-level consumer (one queue for all partitions); librdkafka's
// default is 64 MiB. While the pipeline applies backpressure the poll thread stops polling and
// this is what stays buffered.
constexpr const char* kQueuedMaxKbytes = "16384";

}  // namespace

KafkaProperties KafkaConsumerProperties(const KafkaInputConfig& config) {
  KafkaProperties p = KafkaConnectionProperties(config.brokers, config.client_id, config.auth, config.tls);
  p.emplace_back("group.id", config.group_id);
  p.emplace_back("auto.offset.reset", config.start_from == "latest" ? "latest" : "earliest");
  // librdkafka commits in the background what the poll thread stored: only acknowledged offsets.
  p.emplace_back("enable.auto.commit", "true");
  p.emplace_back("enable.auto.offset.store", "false");
  p.emplace_back("auto.commit.interval.ms", std::to_string(config.commit_interval.count()));
  p.emplace_back("enable.partition.eof", "false");
  p.emplace_back("queued.max.messages.kbytes", kQueuedMaxKbytes);
  return p;
}

}  // namespace logcap
