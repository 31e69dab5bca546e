// KafkaConsumerProperties: the librdkafka consumer properties that kafka_input asks for.
//
// A pure translation, kept apart from the source so that every key is tested without a broker:
//   brokers, client_id, auth, tls -> bootstrap.servers, client.id, security.protocol, sasl.*, ssl.*
//                                    (shared with the sink: kafka/kafka_client_properties.h)
//   group_id        -> group.id
//   start_from      -> auto.offset.reset (earliest | latest)
//   commit_interval -> auto.commit.interval.ms
// and, for at-least-once delivery, enable.auto.commit=true with enable.auto.offset.store=false:
// librdkafka commits in the background only the offsets the source stored, and the source stores
// an offset only once every batch before it was acknowledged (see kafka_source.h). Partition EOF
// events are off (they carry nothing for us), and the prefetch queue is capped so that a paused
// pipeline does not let librdkafka buffer an unbounded amount.
//
// The pass-through librdkafka_options are not included: ApplyKafkaProperties adds them last, so the
// user can override any of these keys.
//
// Pure function; thread-safe.
#pragma once

#include "config/config.h"
#include "kafka/kafka_client_properties.h"

namespace logcap {

KafkaProperties KafkaConsumerProperties(const KafkaInputConfig& config);

}  // namespace logcap
