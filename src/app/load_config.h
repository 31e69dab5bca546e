// LoadConfig: the one way the agent reads a configuration file, for `validate`, start-up and
// reload alike: the loader's checks (syntax, keys, types, ranges, semantics), then each enabled
// component's own checks (e.g. a local_file filename pattern) and the processing pipelines
// (compiled, then thrown away), all as FILE:LINE:COL errors.
#pragma once

#include <string>

#include "config/loader.h"

namespace logcap {

ConfigLoadResult LoadConfig(const std::string& path);

}  // namespace logcap
