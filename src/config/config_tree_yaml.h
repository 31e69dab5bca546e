// Building a ConfigTree from a yaml-cpp node (the option reader for `processing.pipelines`, and
// the processing module for a separate pipelines file).
//
// Contract: every scalar is ${VAR}-expanded; a duplicate map key, a non-scalar key or an unset
// variable is reported to `ctx` (at the offending node) and that entry is left out; the tree is
// returned either way, so one load reports every problem. Internal to the loaders.
#pragma once

#include <yaml-cpp/yaml.h>

#include "config/config_tree.h"
#include "config/env_expand.h"
#include "config/load_context.h"

namespace logcap {

// `what` prefixes messages: "processing.pipelines: ...".
ConfigTree ConfigTreeFromYaml(const YAML::Node& node, const EnvLookup& env, std::string_view what, LoadContext& ctx);

}  // namespace logcap
