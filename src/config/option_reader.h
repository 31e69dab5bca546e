// Reading one option's value from its YAML node.
//
// Contract: ReadOptionValue expands ${VAR} in every scalar it reads (list items and map values
// included), parses the text as the option's type and checks bounds, enum membership and
// emptiness. On success it returns the value in OptionValue form; otherwise it reports every
// problem it found to `ctx` (at the offending scalar, or at the key when the value is missing)
// and returns nullopt. A YAML null reads as "" for strings, [] for lists and {} for maps, and is
// a "missing value" error for every other type. Internal to src/config.
#pragma once

#include <optional>

#include <yaml-cpp/yaml.h>

#include "config/env_expand.h"
#include "config/load_context.h"
#include "config/options.h"

namespace logcap {

std::optional<OptionValue> ReadOptionValue(const Option& option, const YAML::Node& value, SourceLocation key_at,
                                           const EnvLookup& env, LoadContext& ctx);

}  // namespace logcap
