// The librdkafka properties shared by the Kafka sink (producer) and the Kafka source (consumer),
// and the one place that hands properties to librdkafka.
//
// KafkaConnectionProperties: brokers -> bootstrap.servers, client.id, SASL (auth) and TLS (tls) ->
// security.protocol, sasl.*, ssl.*. A pure translation, tested without a broker.
// ApplyKafkaProperties: sets each property on a librdkafka configuration, the user's pass-through
// `librdkafka_options` last (so they override); the first refusal is an InvalidArgument naming the
// configuration section, the property and librdkafka's reason. CheckKafkaProperties does the same
// on a scratch configuration, for validating a config file before anything starts.
// KafkaLogToSpdlog: a log callback that sends librdkafka's own log lines to the agent's log.
//
// Thread-safe (pure functions; librdkafka's log callback runs on librdkafka's threads).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/status.h"

typedef struct rd_kafka_s rd_kafka_t;            // librdkafka's own declarations
typedef struct rd_kafka_conf_s rd_kafka_conf_t;  // (no librdkafka header in this one)

namespace logcap {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

KafkaProperties KafkaConnectionProperties(const StringList& brokers, const std::string& client_id,
                                          const KafkaAuthConfig& auth, const KafkaTlsConfig& tls);

// `section` names the configuration section in errors, e.g. "sinks.kafka".
Status ApplyKafkaProperties(rd_kafka_conf_t* conf, const KafkaProperties& properties, const StringMap& pass_through,
                            std::string_view section);
Status CheckKafkaProperties(const KafkaProperties& properties, const StringMap& pass_through, std::string_view section);

void SetKafkaLogger(rd_kafka_conf_t* conf);

}  // namespace logcap
