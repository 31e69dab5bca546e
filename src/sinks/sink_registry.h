// Sink registry: builds the sinks that the configuration enables.
//
// Each sink is one row of a table: its name, whether the configuration enables it, and a factory.
// Adding a sink is a folder of its own (src/sinks/<name>/) plus one row in sink_registry.cpp.
// Factories only construct; the runner calls Start(), where configuration problems surface.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/status.h"
#include "config/loader.h"
#include "pipeline/sink.h"

namespace logcap {

class Metrics;

struct SinkRegistration {
  std::string_view name;
  bool (*is_enabled)(const Config& config);
  std::unique_ptr<Sink> (*create)(const Config& config, Metrics* metrics);
  // Optional: checks the sink's own settings beyond what the options table can (e.g. a filename
  // pattern's variables) and adds errors at their keys. Runs only when the sink is enabled.
  void (*check)(const Config& config, ConfigLoadResult& result) = nullptr;
};

// Runs the check of every enabled sink (used by `validate`, start-up and reload).
void CheckEnabledSinks(const Config& config, ConfigLoadResult& result);

// Every registered sink, in the order they are built.
std::span<const SinkRegistration> SinkRegistrations();

// One sink per enabled registration, in registration order. metrics may be null and must outlive
// the sinks. *error (may be null) is set to Ok, or to InvalidArgument when the configuration
// enables a sink that exists in the configuration but not yet in code (kafka); then the
// result is empty.
std::vector<std::unique_ptr<Sink>> BuildEnabledSinks(const Config& config, Metrics* metrics, Status* error);

}  // namespace logcap
