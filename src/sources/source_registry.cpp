#include "sources/source_registry.h"

#include <functional>
#include <string>

#include "sources/container/container_source.h"
#include "sources/file/file_source.h"
#include "sources/kafka/kafka_source.h"

namespace logcap {

namespace {

struct SourceRegistration {
  const char* name;
  std::function<bool(const Config&)> enabled;
  std::function<std::unique_ptr<Source>(const Config&, const MultilineLookup&)> build;
};

const std::vector<SourceRegistration>& Registrations() {
  static const std::vector<SourceRegistration> kSources = {
      {"file_monitor", [](const Config& c) { return c.file_monitor.enabled; },
       [](const Config& c, const MultilineLookup& multiline) {
         return std::make_unique<FileSource>("file_monitor", c.file_monitor, c.PositionsDirectory(),
                                             c.positions.flush_interval, multiline);
       }},
      {"container_monitor", [](const Config& c) { return c.container_monitor.enabled; },
       [](const Config& c, const MultilineLookup& multiline) {
         return std::make_unique<ContainerSource>("container_monitor", c.container_monitor, c.PositionsDirectory(),
                                                  c.positions.flush_interval, multiline);
       }},
      {"kafka_input", [](const Config& c) { return c.kafka_input.enabled; },
       [](const Config& c, const MultilineLookup&) { return std::make_unique<KafkaSource>("kafka_input", c.kafka_input); }},
  };
  return kSources;
}

}  // namespace

std::vector<std::unique_ptr<Source>> BuildEnabledSources(const Config& config, Status* error,
                                                         const MultilineLookup& multiline) {
  std::vector<std::unique_ptr<Source>> sources;
  *error = Status::Ok();
  for (const auto& registration : Registrations()) {
    if (registration.enabled(config)) sources.push_back(registration.build(config, multiline));
  }
  if (sources.empty()) *error = Status::InvalidArgument("no source is enabled");
  return sources;
}

}  // namespace logcap
