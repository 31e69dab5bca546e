// LokiStreamBuilder: turns a group of event batches into Loki streams.
//
// A Loki stream is one label set; its entries must be pushed in time order, and every distinct
// label set costs Loki an index entry, so only low-cardinality labels may become stream labels.
// The builder decides, for each event:
//   stream labels  the sink's static labels, then each key of label_keys the event has (in that
//                  order): `level` is the event's level when known, `source_type` its source's
//                  type, any other key an event label (per-event labels override the source's,
//                  which override the static ones of the same name). Names are sanitised to
//                  Loki's rules, empty values are left out, values longer than
//                  max_label_value_length are cut (on a UTF-8 boundary) and counted. A stream with
//                  no label at all gets source_type (Loki refuses an empty label set).
//  metadata        with `metadata` on: every other label of the event, the level when it is not a
//                  stream label, and trace_id / span_id (lowercase hex) when the event has a trace.
// Caps: past max_labels_per_stream, the last stream labels move to metadata; past
// max_streams_per_push distinct streams, an event goes to the stream of the static labels only
// (its other labels to metadata). Both are counted (labels_cut()).
//
// Finish() sorts each stream's entries by timestamp (stable: equal times keep read order; the
// common, already sorted case costs one pass). Each entry remembers its origin (batch, event) so
// the sink can give every batch its own verdict.
//
// Cost: labels are resolved once per (source, level) of each batch, not per event; an event
// without per-event labels or trace costs a hash lookup and two vector appends. Everything the
// views point at (label names and values, metadata, messages) lives in the batches, in the
// builder's arena or in its streams, and stays valid until the next Reset(). Streams are reused
// across groups (their vectors keep their capacity).
//
// Threading: one builder per sink, used from the sink's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/event_batch.h"
#include "sinks/loki/loki_push.h"

namespace logcap {

struct LokiEntryOrigin {
  uint32_t batch = 0;  // index in the group
  uint32_t event = 0;  // index in the batch
};

struct LokiStream {
  std::string labels;                   // {name="value", ...}
  std::vector<LokiLabelPair> pairs;     // sorted by name
  std::vector<LokiEntry> entries;       // sorted by Finish()
  std::vector<LokiEntryOrigin> origins;  // origins[i] is where entries[i] came from
};

struct LokiStreamOptions {
  StringMap static_labels;
  StringList label_keys;
  bool metadata = true;
  size_t max_labels_per_stream = 15;
  size_t max_streams = 1000;
  size_t max_label_value_length = 1024;
};

struct LokiLabelsCut {
  uint64_t labels_per_stream = 0;  // labels moved to metadata by max_labels_per_stream
  uint64_t streams_per_push = 0;   // events moved to the static stream by max_streams
  uint64_t value_too_long = 0;     // label values cut short
};

class LokiStreamBuilder {
 public:
  explicit LokiStreamBuilder(LokiStreamOptions options);

  // Forgets the previous group (keeps capacity).
  void Reset();
  // Adds every event of batch, which is group member number batch_index. The batch must stay
  // alive until Reset().
  void Add(uint32_t batch_index, const EventBatch& batch);
  // Sorts each stream's entries by time. Call once after the last Add.
  void Finish();

  std::span<LokiStream> streams() { return {streams_.data(), stream_count_}; }
  std::span<const LokiLabelPair> metadata() const { return metadata_; }
  // Appends an entry to stream s after Finish (a rewritten timestamp): keeps the stream sorted as
  // long as timestamp >= its last entry's.
  void AppendEntry(size_t s, const LokiEntry& entry, LokiEntryOrigin origin);
  // Counts since construction.
  const LokiLabelsCut& labels_cut() const { return cut_; }

 private:
  struct Resolved {
    uint32_t stream = 0;
    uint32_t metadata_begin = 0;
    uint32_t metadata_count = 0;
  };
  struct CacheKey {
    const SourceInfo* source;
    Level level;
    bool operator==(const CacheKey&) const = default;
  };
  struct CacheKeyHash {
    size_t operator()(const CacheKey& k) const {
      return std::hash<const void*>()(k.source) ^ (static_cast<size_t>(k.level) * 0x9E3779B97F4A7C15ull);
    }
  };

  // Resolves the stream and the label metadata of an event of `source` with `level` and optional
  // per-event labels.
  Resolved Resolve(const SourceInfo* source, Level level, const Labels* event_labels);
  uint32_t StreamFor(std::vector<LokiLabelPair>& pairs);
  std::string_view Keep(std::string_view text);  // a copy in the arena, stable until Reset()
  std::string_view SanitisedName(std::string_view name);
  std::string_view CutValue(std::string_view value);

  const LokiStreamOptions options_;
  std::vector<std::pair<std::string, std::string>> static_labels_;  // sanitised names

  std::vector<LokiStream> streams_;  // [0, stream_count_) in use
  size_t stream_count_ = 0;
  std::unordered_map<std::string, uint32_t> stream_index_;  // label string -> stream
  std::unordered_map<CacheKey, Resolved, CacheKeyHash> cache_;
  CacheKey last_key_{nullptr, Level::kUnknown};  // the last lookup, valid while have_last_
  Resolved last_resolved_;
  bool have_last_ = false;
  std::vector<LokiLabelPair> metadata_;
  std::deque<std::string> arena_;  // deque: growing it never moves the strings already there
  size_t arena_used_ = 0;
  uint32_t static_stream_ = UINT32_MAX;  // the overflow stream, once made
  LokiLabelsCut cut_;

  // Scratch, reused.
  std::vector<LokiLabelPair> stream_pairs_;
  std::vector<LokiLabelPair> meta_pairs_;
  std::string key_;
  std::vector<uint32_t> order_;
  std::vector<LokiEntry> sorted_entries_;
  std::vector<LokiEntryOrigin> sorted_origins_;
};

}  // namespace logcap
