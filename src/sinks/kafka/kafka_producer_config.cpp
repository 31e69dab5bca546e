#include "sinks/kafka/kafka_producer_config.h"

namespace logcap {

KafkaProperties KafkaProducerProperties(const KafkaSinkConfig& config, const KafkaProducerTuning& tuning) {
  KafkaProperties p;
  std::string brokers;
  for (const std::string& b : config.brokers) {
    if (!brokers.empty()) brokers += ',';
    brokers += b;
  }
  p.emplace_back("bootstrap.servers", brokers);
  p.emplace_back("client.id", "log-capturer");
  p.emplace_back("compression.codec", config.compression);
  // The idempotent producer needs acks=all; with fewer acks the user chose speed over certainty.
  const bool idempotent = config.required_acks < 0;
  p.emplace_back("acks", idempotent ? "all" : std::to_string(config.required_acks));
  p.emplace_back("enable.idempotence", idempotent ? "true" : "false");
  p.emplace_back("message.timeout.ms", std::to_string(tuning.message_timeout_ms));
  p.emplace_back("linger.ms", std::to_string(tuning.linger_ms));
  p.emplace_back("queue.buffering.max.messages", std::to_string(tuning.queue_max_messages));
  p.emplace_back("partitioner", config.partitioning.strategy == "random" ? "random" : "murmur2_random");
  // Keyless messages (random, round-robin) would otherwise stick to one partition per linger
  // period (KIP-480) without asking the partitioner.
  if (config.partitioning.strategy != "hash") p.emplace_back("sticky.partitioning.linger.ms", "0");

  const bool sasl = config.auth.enabled;
  const bool tls = config.tls.enabled;
  p.emplace_back("security.protocol", sasl ? (tls ? "sasl_ssl" : "sasl_plaintext") : (tls ? "ssl" : "plaintext"));
  if (sasl) {
    p.emplace_back("sasl.mechanisms", config.auth.mechanism);
    p.emplace_back("sasl.username", config.auth.username);
    p.emplace_back("sasl.password", config.auth.password);
  }
  if (tls) {
    if (!config.tls.ca_file.empty()) p.emplace_back("ssl.ca.location", config.tls.ca_file);
    if (!config.tls.cert_file.empty()) p.emplace_back("ssl.certificate.location", config.tls.cert_file);
    if (!config.tls.key_file.empty()) p.emplace_back("ssl.key.location", config.tls.key_file);
    p.emplace_back("enable.ssl.certificate.verification", config.tls.verify_certificate ? "true" : "false");
  }
  return p;
}

}  // namespace logcap
