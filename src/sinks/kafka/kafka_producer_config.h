// KafkaProducerProperties: the librdkafka producer properties that sinks.kafka asks for.
//
// A pure translation, kept apart from the sink so that every configuration key is tested without
// a broker: brokers -> bootstrap.servers; compression -> compression.codec; required_acks -> acks;
// the idempotent producer on (and acks=all with it, as librdkafka requires) unless acks is 0 or 1;
// partitioning.strategy -> partitioner (hash: murmur2_random, Java-compatible, random when there is
// no key; random: random; round-robin: messages carry no key and the sink assigns partitions
// itself, see kafka_sink.h); SASL (auth) and TLS (tls) -> security.protocol, sasl.*, ssl.*.
// Delivery: message.timeout.ms bounds how long librdkafka retries one message before reporting it
// failed (the sink then retries the batch), linger.ms batches messages into produce requests,
// message.max.bytes makes a too large event fail at once (to the DLQ) instead of at the broker.
// The connection and security part is shared with the source (kafka/kafka_client_properties.h).
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "kafka/kafka_client_properties.h"

namespace logcap {

// Without the pass-through librdkafka_options (ApplyKafkaProperties adds them).
KafkaProperties KafkaProducerProperties(const KafkaSinkConfig& config);

}  // namespace logcap
