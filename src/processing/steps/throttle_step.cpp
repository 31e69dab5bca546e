// throttle: see throttle_step.h.
#include "processing/steps/throttle_step.h"

#include <vector>

#include "processing/steps/keyed_candidates.h"
#include "processing/steps/step_types.h"

namespace logcap {
bool ThrottleStep::Take(Budget& budget, int64_t window) const {
  if (budget.window != window) {
    budget.window = window;
    budget.used = 0;
  }
  if (budget.used >= options_.rate) return false;
  ++budget.used;
  return true;
}

void ThrottleStep::Run(std::span<EventRecord* const> records, StepContext& ctx) const {
  std::vector<KeyedCandidate>& candidates =
      HashCandidateKeys(records, options_.key, [this](EventRecord& record) { return Selects(record); });
  const int64_t window = (ctx.now > 0 ? ctx.now : 0) / options_.interval;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < records.size(); ++i) {
      KeyedCandidate& c = candidates[i];
      if (!c.taken) continue;
      Budget* budget = &shared_;
      if (c.keyed) {
        auto it = budgets_.find(c.hash);
        if (it == budgets_.end() && budgets_.size() >= options_.max_keys && last_purge_window_ != window) {
          // Full: forget the keys that have not been seen in this window (at most once per window).
          last_purge_window_ = window;
          std::erase_if(budgets_, [window](const auto& entry) { return entry.second.window != window; });
          it = budgets_.end();
        }
        if (it == budgets_.end() && budgets_.size() < options_.max_keys) it = budgets_.try_emplace(c.hash).first;
        if (it != budgets_.end()) {
          budget = &it->second;
        } else {
          ++overflowed_;
        }
      }
      c.drop = !Take(*budget, window);
    }
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (candidates[i].drop) Account(Outcome::kDrop, *records[i], ctx);
  }
}

uint64_t ThrottleStep::overflowed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return overflowed_;
}

size_t ThrottleStep::tracked_keys() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return budgets_.size();
}

std::unique_ptr<Step> MakeThrottleStep(Step::Common&& common, StepConfigReader& config) {
  ThrottleStep::Options options;
  bool ok = true;
  if (!config.Has("rate")) {
    config.ErrorAt("rate", "throttle needs 'rate': the events allowed per interval (e.g. rate: 100)");
    ok = false;
  }
  options.rate = config.Uint("rate", 1, 1, 1000000000);
  const Duration interval = config.DurationValue("interval", std::chrono::seconds(1), std::chrono::milliseconds(1),
                                                 std::chrono::hours(24));
  options.interval = std::chrono::duration_cast<std::chrono::nanoseconds>(interval).count();
  if (std::optional<std::string> key = config.String("key")) {
    std::string text = key->find("{{") == std::string::npos ? "{{" + *key + "}}" : *key;
    std::string error;
    options.key = Template::Compile(text, &error);
    if (!options.key) {
      config.ErrorAt("key", "key: " + error);
      ok = false;
    }
  }
  options.max_keys = config.Uint("max_keys", 10000, 1, 10000000);
  if (!ok) return nullptr;
  return std::make_unique<ThrottleStep>(std::move(common), std::move(options));
}

}  // namespace logcap
