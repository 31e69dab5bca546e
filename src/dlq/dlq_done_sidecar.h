// The "done" sidecar of a DLQ data file (<data file>.done): the offsets of its entries that a
// replay delivered, so that a data file is never rewritten to forget them.
//
// Format: one decimal offset and '\n' per delivered entry, appended (and fdatasync'ed) after each
// delivered chunk. A line that is not a complete number (a write torn by a crash) is ignored: its
// entries are then replayed again, which at-least-once delivery allows.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>

#include "core/status.h"

namespace logcap {

// Adds the offsets listed in the sidecar at path to *offsets. A missing file is an empty list.
Status ReadDlqDoneOffsets(const std::string& path, std::unordered_set<uint64_t>* offsets);
// The sidecar lines for offsets.
std::string FormatDlqDoneOffsets(std::span<const uint64_t> offsets);

}  // namespace logcap
