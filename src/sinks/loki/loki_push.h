// LokiPushView: the content of one Loki push request, in the shape both wire encoders read.
//
// The Loki sink groups events into streams (one per final label set) and hands the encoders this
// view; every string is a view into memory the sink owns (the batches' messages, its label and
// metadata pools), valid until the request has been answered. Nothing here allocates.
//
// Invariants the sink guarantees and the encoders rely on:
//   - each stream's `labels` is a valid Loki label string, `{name="value", ...}`, names sorted,
//     unique and already sanitised (loki_labels.h), values escaped; `label_pairs` holds the same
//     pairs unescaped (the JSON encoder writes them as the "stream" object);
//   - a stream's entries are sorted by timestamp (stable: equal times keep their read order);
//   - a label set appears at most once per push.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/clock.h"

namespace logcap {

struct LokiLabelPair {
  std::string_view name;
  std::string_view value;
};

struct LokiEntry {
  Nanos timestamp = 0;  // nanoseconds since the epoch (UTC)
  std::string_view line;
  // Structured metadata: LokiPushView::metadata[metadata_begin, metadata_begin + metadata_count).
  uint32_t metadata_begin = 0;
  uint32_t metadata_count = 0;
};

struct LokiStreamView {
  std::string_view labels;                   // {job="app", level="info"}
  std::span<const LokiLabelPair> label_pairs;  // the same pairs, unescaped, sorted by name
  std::span<const LokiEntry> entries;        // sorted by timestamp
};

struct LokiPushView {
  std::span<const LokiStreamView> streams;
  std::span<const LokiLabelPair> metadata;  // pool that LokiEntry::metadata_* index into
};

}  // namespace logcap
