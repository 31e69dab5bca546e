// throttle: lets at most `rate` events per `interval` through, per key; the excess is dropped
// and counted as logs_dropped_total{stage="process", reason="throttle"}.
//
// Config:
//   rate:     N >= 1 (required)   events allowed per interval (per key)
//   interval: duration (default 1s)
//   key:      TEMPLATE or REF     a budget per key value (`container_name`, `{{labels.app}}`); a
//                                 reference that names nothing counts as the empty key
//   max_keys: integer (default 10000)  keys tracked; when full, keys idle since the previous
//                                 interval are forgotten (once per interval); events of further
//                                 keys share one budget (counted in overflowed())
// Algorithm: a fixed window, not a token bucket: windows are aligned to multiples of `interval`
// on the wall clock (StepContext::now, the batch's time), and each key's count restarts at each
// window. Exact and cheap; the price is that a burst straddling a boundary may pass up to 2N
// events within one interval's length. Keys are 64-bit XXH3 hashes of the key text.
//
// Contract: the budgets are shared by every worker: Run() computes the keys without a lock, then
// takes the step's mutex once per batch. Records the step's `condition` does not select pass
// untouched and use no budget.
#pragma once

#include <mutex>
#include <optional>
#include <unordered_map>

#include "processing/step.h"
#include "processing/template.h"

namespace logcap {

class ThrottleStep final : public Step {
 public:
  struct Options {
    uint64_t rate = 1;
    Nanos interval = 1'000'000'000;
    std::optional<Template> key;
    size_t max_keys = 10000;
  };

  ThrottleStep(Common common, Options options) : Step(std::move(common)), options_(std::move(options)) {}

  void Run(std::span<EventRecord* const> records, StepContext& ctx) const override;

  // Events charged to the shared budget because max_keys keys were already tracked.
  uint64_t overflowed() const;
  size_t tracked_keys() const;

 protected:
  Outcome Apply(EventRecord&, StepContext&) const override { return Outcome::kDone; }  // Run() does the work

 private:
  struct Budget {
    int64_t window = -1;  // now / interval of the window `used` belongs to
    uint64_t used = 0;
  };
  // Charges one event to the budget; false when the budget of the current window is spent.
  bool Take(Budget& budget, int64_t window) const;

  Options options_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<uint64_t, Budget> budgets_;  // key hash -> budget
  mutable Budget shared_;                                 // no key, or keys beyond max_keys
  mutable int64_t last_purge_window_ = -1;
  mutable uint64_t overflowed_ = 0;
};

}  // namespace logcap
