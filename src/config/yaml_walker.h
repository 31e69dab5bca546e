// Applying a parsed YAML document to a Config, key by key, against the options table.
//
// Contract: ApplyYamlDocument walks every map from the root, and for each key either reads the
// option it names (config/option_reader.h), descends into the section it names, or reports it:
// unknown keys (with a "did you mean" hint among the keys valid at that level, or the list of
// valid keys), duplicate keys (yaml-cpp keeps both; the second is reported with the line of the
// first, and the first one's value is kept), non-scalar keys, and sections that are not maps.
// A YAML null key (`null:`, `~:`) is the name "null", so `sinks.null` works. A null section
// (`sinks:` with nothing under it) keeps the defaults. Every key seen is recorded in `ctx` with
// its location. Internal to src/config; may throw yaml-cpp exceptions, which the loader catches.
#pragma once

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/env_expand.h"
#include "config/load_context.h"

namespace logcap {

void ApplyYamlDocument(const YAML::Node& root, const EnvLookup& env, Config& config, LoadContext& ctx);

}  // namespace logcap
