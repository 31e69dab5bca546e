// KafkaProducerProperties: the librdkafka producer properties that sinks.kafka asks for.
//
// A pure translation, kept apart from the sink so that every configuration key is tested without
// a broker: brokers -> bootstrap.servers; compression -> compression.codec; required_acks -> acks;
// the idempotent producer on (and acks=all with it, as librdkafka requires) unless acks is 0 or 1;
// partitioning.strategy -> partitioner (hash: murmur2_random, Java-compatible, random when there is
// no key; random: random; round-robin: messages carry no key and the sink assigns partitions
// itself, see kafka_sink.h); SASL (auth) and TLS (tls) -> security.protocol, sasl.*, ssl.*.
// Delivery: message.timeout.ms bounds how long librdkafka retries one message before reporting it
// failed (the sink then retries the batch), linger.ms batches messages into produce requests.
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace logcap {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

struct KafkaProducerTuning {
  int message_timeout_ms = 30000;  // per message, before its delivery report says it failed
  int linger_ms = 5;
  int queue_max_messages = 100000;  // librdkafka's local queue; full = backpressure
};

KafkaProperties KafkaProducerProperties(const KafkaSinkConfig& config, const KafkaProducerTuning& tuning = {});

}  // namespace logcap
