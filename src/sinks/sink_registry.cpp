#include "sinks/sink_registry.h"

#include "sinks/http/http_sink.h"
#include "sinks/kafka/kafka_producer_config.h"
#include "sinks/kafka/kafka_sink.h"
#include "sinks/local_file/filename_pattern.h"
#include "sinks/loki/loki_sink.h"
#include "sinks/local_file/local_file_sink.h"
#include "sinks/null/null_sink.h"
#include "sinks/stdout/stdout_sink.h"

namespace logcap {

namespace {

void CheckLocalFile(const Config& c, ConfigLoadResult& result) {
  FilenamePattern pattern;
  Status s = FilenamePattern::Parse(c.sinks.local_file.filename_pattern, &pattern);
  if (!s.ok()) result.AddErrorAt("sinks.local_file.filename_pattern", s.message());
}

void CheckHttp(const Config& c, ConfigLoadResult& result) {
  for (const SinkConfigError& e : CheckHttpSinkConfig(c.sinks.http)) {
    result.AddErrorAt(e.key, e.key + ": " + e.message);
  }
}

void CheckLoki(const Config& c, ConfigLoadResult& result) {
  for (const SinkConfigError& e : CheckLokiSinkConfig(c.sinks.loki)) {
    result.AddErrorAt(e.key, e.key + ": " + e.message);
  }
}

void CheckKafka(const Config& c, ConfigLoadResult& result) {
  const KafkaSinkConfig& k = c.sinks.kafka;
  Status s = CheckKafkaProperties(KafkaProducerProperties(k), k.librdkafka_options, "sinks.kafka");
  if (!s.ok()) result.AddErrorAt(k.librdkafka_options.empty() ? "sinks.kafka" : "sinks.kafka.librdkafka_options", s.message());
}

// clang-format off
constexpr SinkRegistration kSinks[] = {
    {"loki",
     [](const Config& c) { return c.sinks.loki.enabled; },
     [](const Config& c, Metrics* m) -> std::unique_ptr<Sink> { return std::make_unique<LokiSink>(c.sinks.loki, m); },
     CheckLoki},
    {"kafka",
     [](const Config& c) { return c.sinks.kafka.enabled; },
     [](const Config& c, Metrics* m) -> std::unique_ptr<Sink> { return std::make_unique<KafkaSink>(c.sinks.kafka, m); },
     CheckKafka},
    {"local_file",
     [](const Config& c) { return c.sinks.local_file.enabled; },
     [](const Config& c, Metrics* m) -> std::unique_ptr<Sink> { return std::make_unique<LocalFileSink>(c.sinks.local_file, m); },
     CheckLocalFile},
    {"http",
     [](const Config& c) { return c.sinks.http.enabled; },
     [](const Config& c, Metrics* m) -> std::unique_ptr<Sink> { return std::make_unique<HttpSink>(c.sinks.http, m); },
     CheckHttp},
    {"stdout",
     [](const Config& c) { return c.sinks.stdout_sink.enabled; },
     [](const Config& c, Metrics*) -> std::unique_ptr<Sink> { return std::make_unique<StdoutSink>(c.sinks.stdout_sink); }},
    {"null",
     [](const Config& c) { return c.sinks.null_sink.enabled; },
     [](const Config&, Metrics*) -> std::unique_ptr<Sink> { return std::make_unique<NullSink>(); }},
};
// clang-format on

}  // namespace

std::span<const SinkRegistration> SinkRegistrations() { return kSinks; }

void CheckEnabledSinks(const Config& config, ConfigLoadResult& result) {
  for (const SinkRegistration& r : kSinks) {
    if (r.check != nullptr && r.is_enabled(config)) r.check(config, result);
  }
}

std::vector<std::unique_ptr<Sink>> BuildEnabledSinks(const Config& config, Metrics* metrics, Status* error) {
  std::vector<std::unique_ptr<Sink>> sinks;
  for (const SinkRegistration& r : kSinks) {
    if (r.is_enabled(config)) sinks.push_back(r.create(config, metrics));
  }
  if (error != nullptr) *error = Status::Ok();
  return sinks;
}

}  // namespace logcap
