// Building a ConfigTree from a yaml-cpp node (the option reader for `processing.pipelines`, and
// the processing module for a separate pipelines file).
//
// Contract: every scalar is ${VAR}-expanded (unless `env` is empty: then kept as written, for
// files whose text must arrive byte for byte, like the `test` command's cases); a duplicate map key, a non-scalar key or an unset
// variable is reported to `ctx` (at the offending node) and that entry is left out; the tree is
// returned either way, so one load reports every problem. Internal to the loaders.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/config_tree.h"
#include "config/env_expand.h"
#include "config/load_context.h"

namespace logcap {

// `what` prefixes messages: "processing.pipelines: ...".
ConfigTree ConfigTreeFromYaml(const YAML::Node& node, const EnvLookup& env, std::string_view what, LoadContext& ctx);

// Reports every key of `map` not in `allowed`: "WHERE: unknown key 'x' (did you mean 'y'?)", or
// the list of valid keys when nothing is close.
void ReportUnknownKeys(const ConfigTree& map, const std::vector<std::string>& allowed, const std::string& where,
                       LoadContext& ctx);

}  // namespace logcap
