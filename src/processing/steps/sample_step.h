// sample: keeps 1 in N events (or a ratio), optionally per key; the rest are dropped and counted
// as logs_dropped_total{stage="process", reason="sample"}.
//
// Config:
//   rate:     N >= 1          keep 1 in N (the 1st, the N+1th, ...)        } exactly one of
//   ratio:    0..1            keep that share (0.25 = 1 in 4; 0 = none)    } the two
//   key:      TEMPLATE or REF sample per key value (`container_name`, `{{labels.app}}/{{level}}`):
//                             each key keeps 1 in N of its own events; a reference that names
//                             nothing counts as the empty key
//   exclude:  CONDITION       (processing/condition.h) matching events are always kept and not
//                             counted, e.g. {level_at_least: error}
//   max_keys: integer (default 10000)  keys tracked; events of further keys share one counter
//                             (counted in overflowed())
// Deterministic, not random: a counter per key keeps its first event and then every Nth (for a
// ratio r = k/1000000, the events whose position n satisfies (n*k) mod 1000000 < k), so the
// kept share is exact over any whole cycle and tests are exact. Keys are 64-bit XXH3 hashes of
// the key text (a collision merges two keys' counters: harmless for sampling).
//
// Contract: the counters are shared by every worker: Run() computes the keys without a lock, then
// takes the step's mutex once per batch. Records the step's `condition` does not select pass
// untouched and are not counted.
#pragma once

#include <mutex>
#include <optional>
#include <unordered_map>

#include "processing/step.h"
#include "processing/template.h"

namespace logcap {

class SampleStep final : public Step {
 public:
  struct Options {
    uint64_t keep = 1;   // keep `keep` events of every `every`
    uint64_t every = 1;
    std::optional<Template> key;
    std::unique_ptr<Condition> exclude;
    size_t max_keys = 10000;
  };

  SampleStep(Common common, Options options) : Step(std::move(common)), options_(std::move(options)) {}

  void Run(std::span<EventRecord* const> records, StepContext& ctx) const override;

  // Events counted on the shared counter because max_keys keys were already tracked.
  uint64_t overflowed() const;
  size_t tracked_keys() const;

 protected:
  Outcome Apply(EventRecord&, StepContext&) const override { return Outcome::kDone; }  // Run() does the work

 private:
  bool KeepNext(uint64_t& position) const;

  Options options_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<uint64_t, uint64_t> positions_;  // key hash -> events seen, mod every
  mutable uint64_t shared_position_ = 0;                     // no key, or keys beyond max_keys
  mutable uint64_t overflowed_ = 0;
};

}  // namespace logcap
