// Source registry: builds the sources a Config enables. A new source is a folder under sources/
// plus one registration line in source_registry.cpp.
#pragma once

#include <memory>
#include <vector>

#include "config/config.h"
#include "pipeline/source.h"
#include "processing/multiline_spec.h"

namespace logcap {

// On failure returns what was built so far and sets *error. multiline (may be empty): which
// multiline rule a newly opened file's lines follow (the file and container sources join lines
// where they read them).
std::vector<std::unique_ptr<Source>> BuildEnabledSources(const Config& config, Status* error,
                                                         const MultilineLookup& multiline = nullptr);

}  // namespace logcap
