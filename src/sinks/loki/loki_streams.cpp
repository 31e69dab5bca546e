#include "sinks/loki/loki_streams.h"

#include <algorithm>

#include "sinks/loki/loki_labels.h"

namespace logcap {

namespace {

constexpr size_t kArenaChunk = 64 * 1024;
constexpr std::string_view kLevelKey = "level";
constexpr std::string_view kSourceTypeKey = "source_type";

bool SortedByName(const LokiLabelPair& a, const LokiLabelPair& b) { return a.name < b.name; }

// Appends the lowercase hex of bytes to out.
void AppendHex(std::span<const uint8_t> bytes, std::string& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
}

}  // namespace

LokiStreamBuilder::LokiStreamBuilder(LokiStreamOptions options) : options_(std::move(options)) {
  std::string name;
  for (const auto& [key, value] : options_.static_labels) {
    SanitizeLokiLabelName(key, &name);
    static_labels_.emplace_back(name, value);
  }
}

void LokiStreamBuilder::Reset() {
  for (size_t i = 0; i < stream_count_; ++i) {
    LokiStream& s = streams_[i];
    s.labels.clear();
    s.pairs.clear();
    s.entries.clear();
    s.origins.clear();
  }
  stream_count_ = 0;
  stream_index_.clear();
  cache_.clear();
  have_last_ = false;
  metadata_.clear();
  for (std::string& chunk : arena_) chunk.clear();
  arena_used_ = 0;
  static_stream_ = UINT32_MAX;
}

std::string_view LokiStreamBuilder::Keep(std::string_view text) {
  // Find a chunk with room; strings never grow past their reserved capacity, so views into them
  // stay valid.
  while (arena_used_ < arena_.size() &&
         arena_[arena_used_].capacity() - arena_[arena_used_].size() < text.size()) {
    ++arena_used_;
  }
  if (arena_used_ == arena_.size()) {
    arena_.emplace_back().reserve(std::max(kArenaChunk, text.size()));
  }
  std::string& chunk = arena_[arena_used_];
  const size_t at = chunk.size();
  chunk.append(text);
  return std::string_view(chunk).substr(at, text.size());
}

std::string_view LokiStreamBuilder::SanitisedName(std::string_view name) {
  if (SanitizeLokiLabelName(name, &key_)) return Keep(key_);
  return name;  // already valid: the caller's storage outlives the group
}

std::string_view LokiStreamBuilder::CutValue(std::string_view value) {
  if (value.size() <= options_.max_label_value_length) return value;
  size_t n = options_.max_label_value_length;
  while (n > 0 && (static_cast<unsigned char>(value[n]) & 0xC0) == 0x80) --n;  // not inside a character
  ++cut_.value_too_long;
  return value.substr(0, n);
}

uint32_t LokiStreamBuilder::StreamFor(std::vector<LokiLabelPair>& pairs) {
  std::sort(pairs.begin(), pairs.end(), SortedByName);
  // Sanitising can make two names equal ("a.b" and "a_b"): the first (most specific) one wins.
  pairs.erase(std::unique(pairs.begin(), pairs.end(),
                          [](const LokiLabelPair& a, const LokiLabelPair& b) { return a.name == b.name; }),
              pairs.end());
  key_.clear();
  AppendLokiLabelString(pairs, key_);
  auto it = stream_index_.find(key_);
  if (it != stream_index_.end()) return it->second;
  const auto index = static_cast<uint32_t>(stream_count_);
  if (stream_count_ == streams_.size()) streams_.emplace_back();
  LokiStream& stream = streams_[stream_count_++];
  stream.labels = key_;
  stream.pairs.assign(pairs.begin(), pairs.end());
  stream_index_.emplace(key_, index);
  return index;
}

LokiStreamBuilder::Resolved LokiStreamBuilder::Resolve(const SourceInfo* source, Level level,
                                                       const Labels* event_labels) {
  // Lookup order for a key: per-event labels, then the source's.
  auto find = [&](std::string_view key) -> const std::string* {
    if (event_labels != nullptr) {
      if (const std::string* v = event_labels->Find(key)) return v;
    }
    return source != nullptr ? source->labels.Find(key) : nullptr;
  };
  const std::string_view level_name = LevelName(level);
  const std::string_view source_type = source != nullptr ? std::string_view(source->type) : std::string_view();

  stream_pairs_.clear();
  meta_pairs_.clear();
  // The most specific first: a later duplicate name is removed by StreamFor.
  std::vector<std::string_view> used_keys;  // label keys consumed as stream labels
  for (const std::string& key : options_.label_keys) {
    std::string_view value;
    if (key == kLevelKey && !level_name.empty()) {
      value = level_name;
    } else if (key == kSourceTypeKey && find(key) == nullptr) {
      value = source_type;
    } else if (const std::string* v = find(key)) {
      value = *v;
    }
    if (value.empty()) continue;
    used_keys.push_back(key);
    stream_pairs_.push_back({SanitisedName(key), CutValue(value)});
  }
  const size_t from_keys = stream_pairs_.size();
  for (const auto& [name, value] : static_labels_) {
    // An event's own value of a static label's name wins (the more specific one).
    const bool taken = std::any_of(stream_pairs_.begin(), stream_pairs_.begin() + from_keys,
                                   [&](const LokiLabelPair& p) { return p.name == name; });
    if (!taken && !value.empty()) stream_pairs_.push_back({name, CutValue(value)});
  }
  // Past the cap, the last label_keys labels still reach Loki, as metadata; static labels stay
  // (the configuration guarantees they fit).
  for (size_t last = from_keys; stream_pairs_.size() > options_.max_labels_per_stream && last > 0; --last) {
    meta_pairs_.push_back(stream_pairs_[last - 1]);
    stream_pairs_.erase(stream_pairs_.begin() + static_cast<ptrdiff_t>(last - 1));
    ++cut_.labels_per_stream;
  }
  if (stream_pairs_.empty() && !source_type.empty()) {
    stream_pairs_.push_back({kSourceTypeKey, source_type});
    used_keys.push_back(kSourceTypeKey);
  }

  // Everything else becomes structured metadata.
  if (options_.metadata) {
    auto used = [&](std::string_view key) {
      return std::find(used_keys.begin(), used_keys.end(), key) != used_keys.end();
    };
    if (event_labels != nullptr) {
      for (const auto& [key, value] : *event_labels) {
        if (!used(key) && !value.empty()) meta_pairs_.push_back({SanitisedName(key), value});
      }
    }
    if (source != nullptr) {
      for (const auto& [key, value] : source->labels) {
        if (used(key) || value.empty()) continue;
        if (event_labels != nullptr && event_labels->Find(key) != nullptr) continue;  // overridden
        meta_pairs_.push_back({SanitisedName(key), value});
      }
    }
    if (!level_name.empty() && !used(kLevelKey)) meta_pairs_.push_back({kLevelKey, level_name});
  } else {
    meta_pairs_.clear();
  }

  Resolved resolved;
  if (stream_count_ >= options_.max_streams) {
    key_.clear();
    std::sort(stream_pairs_.begin(), stream_pairs_.end(), SortedByName);
    AppendLokiLabelString(stream_pairs_, key_);
    if (stream_index_.find(key_) == stream_index_.end()) {
      // Too many streams already: this event joins the stream of the static labels only, and its
      // other stream labels travel as metadata.
      ++cut_.streams_per_push;
      if (options_.metadata) {
        for (const LokiLabelPair& p : stream_pairs_) {
          bool is_static = std::any_of(static_labels_.begin(), static_labels_.end(),
                                       [&](const auto& s) { return s.first == p.name; });
          if (!is_static) meta_pairs_.push_back(p);
        }
      }
      stream_pairs_.clear();
      for (const auto& [name, value] : static_labels_) {
        if (!value.empty()) stream_pairs_.push_back({name, CutValue(value)});
      }
      if (stream_pairs_.empty()) stream_pairs_.push_back({kSourceTypeKey, source_type.empty() ? "unknown" : source_type});
      if (static_stream_ == UINT32_MAX) {
        // Made past the cap on purpose: it is the one stream every overflow event shares.
        static_stream_ = StreamFor(stream_pairs_);
      }
      resolved.stream = static_stream_;
    } else {
      resolved.stream = StreamFor(stream_pairs_);
    }
  } else {
    resolved.stream = StreamFor(stream_pairs_);
  }
  resolved.metadata_begin = static_cast<uint32_t>(metadata_.size());
  resolved.metadata_count = static_cast<uint32_t>(meta_pairs_.size());
  metadata_.insert(metadata_.end(), meta_pairs_.begin(), meta_pairs_.end());
  return resolved;
}

void LokiStreamBuilder::Add(uint32_t batch_index, const EventBatch& batch) {
  const auto& events = batch.events();
  std::string hex;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const EventAttributes* attributes = batch.AttributesOf(e);
    const Labels* event_labels = (attributes != nullptr && !attributes->labels.empty()) ? &attributes->labels : nullptr;
    Resolved r;
    if (event_labels == nullptr) {
      const CacheKey key{e.source, e.level};
      if (!(have_last_ && key == last_key_)) {  // runs of events from one source skip the lookup
        auto it = cache_.find(key);
        if (it == cache_.end()) it = cache_.emplace(key, Resolve(e.source, e.level, nullptr)).first;
        last_key_ = key;
        last_resolved_ = it->second;
        have_last_ = true;
      }
      r = last_resolved_;
    } else {
      r = Resolve(e.source, e.level, event_labels);
    }
    LokiEntry entry{e.timestamp(), e.message, r.metadata_begin, r.metadata_count};
    if (options_.metadata && e.trace.valid()) {
      // The entry needs its own metadata range: the shared label metadata, then the trace.
      entry.metadata_begin = static_cast<uint32_t>(metadata_.size());
      for (uint32_t m = 0; m < r.metadata_count; ++m) metadata_.push_back(metadata_[r.metadata_begin + m]);
      hex.clear();
      AppendHex(e.trace.trace_id, hex);
      metadata_.push_back({"trace_id", Keep(hex)});
      hex.clear();
      AppendHex(e.trace.span_id, hex);
      metadata_.push_back({"span_id", Keep(hex)});
      entry.metadata_count = r.metadata_count + 2;
    }
    LokiStream& stream = streams_[r.stream];
    stream.entries.push_back(entry);
    stream.origins.push_back({batch_index, static_cast<uint32_t>(i)});
  }
}

void LokiStreamBuilder::Finish() {
  for (size_t s = 0; s < stream_count_; ++s) {
    LokiStream& stream = streams_[s];
    auto& entries = stream.entries;
    bool sorted = true;
    for (size_t i = 1; i < entries.size() && sorted; ++i) sorted = entries[i - 1].timestamp <= entries[i].timestamp;
    if (sorted) continue;
    order_.resize(entries.size());
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<uint32_t>(i);
    std::stable_sort(order_.begin(), order_.end(),
                     [&](uint32_t a, uint32_t b) { return entries[a].timestamp < entries[b].timestamp; });
    sorted_entries_.clear();
    sorted_origins_.clear();
    for (uint32_t i : order_) {
      sorted_entries_.push_back(entries[i]);
      sorted_origins_.push_back(stream.origins[i]);
    }
    entries.swap(sorted_entries_);
    stream.origins.swap(sorted_origins_);
  }
}

void LokiStreamBuilder::AppendEntry(size_t s, const LokiEntry& entry, LokiEntryOrigin origin) {
  streams_[s].entries.push_back(entry);
  streams_[s].origins.push_back(origin);
}

}  // namespace logcap
