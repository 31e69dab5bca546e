// dedup: drops repeats of an event (same key) seen within a window of its first occurrence,
// counted as logs_dropped_total{stage="process", reason="dedup"}.
//
// Config:
//   key:         [REF, ...] (default [message])  the references whose values together make the
//                key; a reference that names nothing counts as absent (distinct from "")
//   window:      duration (default 10s)          a repeat less than `window` after the key's first
//                                                kept occurrence is dropped; the first repeat after
//                                                it is kept and starts a new window
//   max_entries: integer (default 100000)        keys remembered; beyond it the oldest are
//                                                forgotten first (so a forgotten key's next event
//                                                is kept)
// Time is the batch's wall clock (StepContext::now), so every repeat within one batch is dropped;
// a clock that steps backwards ends the window (the event is kept). Keys are stored as 64-bit
// XXH3 hashes of the values, not the strings (a collision, ~n²/2⁶⁵, would drop a distinct event).
//
// Contract: the table is shared by every worker: Run() hashes the keys without a lock, then takes
// the step's mutex once per batch. Records the step's `condition` does not select pass untouched.
#pragma once

#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "processing/step.h"

namespace logcap {

class DedupStep final : public Step {
 public:
  struct Options {
    std::vector<FieldRef> key;
    Nanos window = 10'000'000'000;
    size_t max_entries = 100000;
  };

  DedupStep(Common common, Options options) : Step(std::move(common)), options_(std::move(options)) {}

  void Run(std::span<EventRecord* const> records, StepContext& ctx) const override;

  size_t remembered() const;   // keys in the table
  uint64_t evicted() const;    // keys forgotten early because the table was full

 protected:
  Outcome Apply(EventRecord&, StepContext&) const override { return Outcome::kDone; }  // Run() does the work

 private:
  uint64_t HashKey(EventRecord& record) const;
  // Forgets keys whose window has passed, and the oldest beyond max_entries. Caller holds mutex_.
  void Expire(Nanos now) const;

  Options options_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<uint64_t, Nanos> first_seen_;  // key hash -> start of its window
  // Keys in the order their windows began: (hash, start). An entry whose start no longer equals
  // first_seen_[hash] is stale (the key began a new window since) and is skipped.
  mutable std::deque<std::pair<uint64_t, Nanos>> order_;
  mutable uint64_t evicted_ = 0;
};

}  // namespace logcap
