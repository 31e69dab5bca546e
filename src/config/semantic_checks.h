// Checks that need the whole Config, run after every key was read.
//
// Contract: CheckSemantics reports to `ctx`, each at the most relevant key written in the file
// (or line 1 column 1 when none was written):
//   - a component this build does not implement yet is enabled (container_monitor, sinks.loki,
//     sinks.kafka): "... is not available in this build yet", at its `enabled` key;
//   - no source enabled (file_monitor, container_monitor);
//   - no sink enabled (local_file, stdout, null, loki, kafka);
//   - file_monitor enabled with an empty include list;
//   - disk_buffer.max_file_size larger than disk_buffer.max_total_size;
//   - metrics.path not starting with '/'.
// A check whose inputs already had an invalid value stays quiet, so one mistake gives one error;
// when the document itself is not a map, no check runs.
// Internal to src/config.
#pragma once

#include "config/config.h"
#include "config/load_context.h"

namespace logcap {

void CheckSemantics(const Config& config, LoadContext& ctx);

}  // namespace logcap
