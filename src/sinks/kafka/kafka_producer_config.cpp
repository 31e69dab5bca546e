#include "sinks/kafka/kafka_producer_config.h"

namespace logcap {

KafkaProperties KafkaProducerProperties(const KafkaSinkConfig& config) {
  KafkaProperties p = KafkaConnectionProperties(config.brokers, config.client_id, config.auth, config.tls);
  p.emplace_back("compression.codec", config.compression);
  // The idempotent producer needs acks=all; with fewer acks the user chose speed over certainty.
  const bool idempotent = config.required_acks < 0;
  p.emplace_back("acks", idempotent ? "all" : std::to_string(config.required_acks));
  p.emplace_back("enable.idempotence", idempotent ? "true" : "false");
  p.emplace_back("message.timeout.ms", std::to_string(config.message_timeout.count()));
  p.emplace_back("linger.ms", std::to_string(config.linger.count()));
  p.emplace_back("queue.buffering.max.messages", std::to_string(config.max_queued_messages));
  p.emplace_back("message.max.bytes", std::to_string(config.max_message_bytes));
  p.emplace_back("partitioner", config.partitioning.strategy == "random" ? "random" : "murmur2_random");
  // Keyless messages (random, round-robin) would otherwise stick to one partition per linger
  // period (KIP-480) without asking the partitioner.
  if (config.partitioning.strategy != "hash") p.emplace_back("sticky.partitioning.linger.ms", "0");
  return p;
}

}  // namespace logcap
