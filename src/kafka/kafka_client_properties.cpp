#include "kafka/kafka_client_properties.h"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>

namespace logcap {

namespace {

// librdkafka's log lines (syslog levels) into the agent's log instead of raw stderr, named by the
// client (rd_kafka_name: "log-capturer#producer-1"). Called from librdkafka's threads; spdlog is
// thread-safe.
void LogLine(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  const auto spd = level <= 3 ? spdlog::level::err : level == 4 ? spdlog::level::warn
                   : level <= 6                       ? spdlog::level::info
                                                      : spdlog::level::debug;
  spdlog::log(spd, "librdkafka {} {}: {}", rk != nullptr ? rd_kafka_name(rk) : "", facility, text);
}

}  // namespace

KafkaProperties KafkaConnectionProperties(const StringList& brokers, const std::string& client_id,
                                          const KafkaAuthConfig& auth, const KafkaTlsConfig& tls) {
  KafkaProperties p;
  std::string servers;
  for (const std::string& b : brokers) {
    if (!servers.empty()) servers += ',';
    servers += b;
  }
  p.emplace_back("bootstrap.servers", servers);
  p.emplace_back("client.id", client_id);
  p.emplace_back("security.protocol",
                 auth.enabled ? (tls.enabled ? "sasl_ssl" : "sasl_plaintext") : (tls.enabled ? "ssl" : "plaintext"));
  if (auth.enabled) {
    p.emplace_back("sasl.mechanisms", auth.mechanism);
    p.emplace_back("sasl.username", auth.username);
    p.emplace_back("sasl.password", auth.password);
  }
  if (tls.enabled) {
    if (!tls.ca_file.empty()) p.emplace_back("ssl.ca.location", tls.ca_file);
    if (!tls.cert_file.empty()) p.emplace_back("ssl.certificate.location", tls.cert_file);
    if (!tls.key_file.empty()) p.emplace_back("ssl.key.location", tls.key_file);
    p.emplace_back("enable.ssl.certificate.verification", tls.verify_certificate ? "true" : "false");
  }
  return p;
}

Status ApplyKafkaProperties(rd_kafka_conf_t* conf, const KafkaProperties& properties, const StringMap& pass_through,
                            std::string_view section) {
  char error[512];
  auto set = [&](const std::string& key, const std::string& value, const char* where) -> Status {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) == RD_KAFKA_CONF_OK) {
      return Status::Ok();
    }
    return Status::InvalidArgument(std::string(section) + where + ": librdkafka refused " + key + "=" + value + ": " +
                                   error);
  };
  for (const auto& [key, value] : properties) {
    if (Status s = set(key, value, ""); !s.ok()) return s;
  }
  for (const auto& [key, value] : pass_through) {
    if (Status s = set(key, value, ".librdkafka_options"); !s.ok()) return s;
  }
  return Status::Ok();
}

Status CheckKafkaProperties(const KafkaProperties& properties, const StringMap& pass_through, std::string_view section) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status s = ApplyKafkaProperties(conf, properties, pass_through, section);
  rd_kafka_conf_destroy(conf);
  return s;
}

void SetKafkaLogger(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, LogLine); }

}  // namespace logcap
