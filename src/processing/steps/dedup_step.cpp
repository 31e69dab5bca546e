// dedup: see dedup_step.h.
#include "processing/steps/dedup_step.h"

#include <xxhash.h>

#include "processing/steps/step_types.h"

namespace logcap {
namespace {

constexpr uint64_t kNotSelected = 0;  // hashes are forced odd, so 0 marks a record to leave alone

}  // namespace

uint64_t DedupStep::HashKey(EventRecord& record) const {
  uint64_t hash = 0;
  for (const FieldRef& ref : options_.key) {
    std::optional<std::string_view> value = record.Lookup(ref);
    // The seed chains the parts; an absent part hashes differently from an empty one.
    hash = value ? XXH3_64bits_withSeed(value->data(), value->size(), hash) : XXH3_64bits_withSeed("\0", 1, ~hash);
  }
  return hash | 1;
}

void DedupStep::Expire(Nanos now) const {
  while (!order_.empty()) {
    const auto [hash, start] = order_.front();
    auto it = first_seen_.find(hash);
    const bool stale = it == first_seen_.end() || it->second != start;
    const bool full = first_seen_.size() > options_.max_entries;
    if (!stale && !full && now >= start && now - start < options_.window) break;
    if (!stale) {
      if (full && now >= start && now - start < options_.window) ++evicted_;
      first_seen_.erase(it);
    }
    order_.pop_front();
  }
}

void DedupStep::Run(std::span<EventRecord* const> records, StepContext& ctx) const {
  thread_local std::vector<uint64_t> hashes;
  hashes.assign(records.size(), kNotSelected);
  for (size_t i = 0; i < records.size(); ++i) {
    if (Selects(*records[i])) hashes[i] = HashKey(*records[i]);
  }
  const Nanos now = ctx.now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Expire(now);
    for (size_t i = 0; i < records.size(); ++i) {
      if (hashes[i] == kNotSelected) continue;
      auto [it, inserted] = first_seen_.try_emplace(hashes[i], now);
      if (!inserted && now >= it->second && now - it->second < options_.window) continue;  // a repeat: drop
      it->second = now;
      order_.emplace_back(hashes[i], now);
      hashes[i] = kNotSelected;  // kept
      if (first_seen_.size() > options_.max_entries) Expire(now);
    }
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (hashes[i] != kNotSelected) Account(Outcome::kDrop, *records[i], ctx);
  }
}

size_t DedupStep::remembered() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_seen_.size();
}

uint64_t DedupStep::evicted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return evicted_;
}

std::unique_ptr<Step> MakeDedupStep(Step::Common&& common, StepConfigReader& config) {
  DedupStep::Options options;
  bool ok = true;
  std::vector<std::string> key = config.Has("key") ? config.StringList("key") : std::vector<std::string>{"message"};
  for (const std::string& text : key) {
    FieldRef ref = FieldRef::Parse(text);
    if (text.empty() || ((ref.kind == FieldRef::Kind::kField || ref.kind == FieldRef::Kind::kLabel) && ref.name.empty())) {
      config.ErrorAt("key", "key: '" + text + "' is not a reference (message, level, a field, labels.NAME, ...)");
      ok = false;
      continue;
    }
    options.key.push_back(std::move(ref));
  }
  if (ok && options.key.empty()) {
    config.ErrorAt("key", "key: list the references that identify a repeat (default [message])");
    ok = false;
  }
  const Duration window =
      config.DurationValue("window", std::chrono::seconds(10), std::chrono::milliseconds(1), std::chrono::hours(24 * 7));
  options.window = std::chrono::duration_cast<std::chrono::nanoseconds>(window).count();
  options.max_entries = config.Uint("max_entries", 100000, 1, 100000000);
  if (!ok) return nullptr;
  return std::make_unique<DedupStep>(std::move(common), std::move(options));
}

}  // namespace logcap
