// sample: see sample_step.h.
#include "processing/steps/sample_step.h"

#include <cmath>
#include <vector>

#include "processing/steps/keyed_candidates.h"
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

constexpr uint64_t kRatioScale = 1000000;

}  // namespace

bool SampleStep::KeepNext(uint64_t& position) const {
  const bool keep = (position * options_.keep) % options_.every < options_.keep;
  position = (position + 1) % options_.every;
  return keep;
}

void SampleStep::Run(std::span<EventRecord* const> records, StepContext& ctx) const {
  std::vector<KeyedCandidate>& candidates = HashCandidateKeys(records, options_.key, [this](EventRecord& record) {
    return Selects(record) && !(options_.exclude && options_.exclude->Evaluate(record));
  });
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < records.size(); ++i) {
      KeyedCandidate& c = candidates[i];
      if (!c.taken) continue;
      uint64_t* position = &shared_position_;
      if (c.keyed) {
        auto it = positions_.find(c.hash);
        if (it == positions_.end() && positions_.size() < options_.max_keys) {
          it = positions_.emplace(c.hash, 0).first;
        }
        if (it != positions_.end()) {
          position = &it->second;
        } else {
          ++overflowed_;
        }
      }
      c.drop = !KeepNext(*position);
    }
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (candidates[i].drop) Account(Outcome::kDrop, *records[i], ctx);
  }
}

uint64_t SampleStep::overflowed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return overflowed_;
}

size_t SampleStep::tracked_keys() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return positions_.size();
}

std::unique_ptr<Step> MakeSampleStep(Step::Common&& common, StepConfigReader& config) {
  SampleStep::Options options;
  bool ok = true;
  const bool has_rate = config.Has("rate");
  const bool has_ratio = config.Has("ratio");
  const uint64_t rate = config.Uint("rate", 1, 1, 1000000000);
  const double ratio = config.Number("ratio", 1.0, 0.0, 1.0);
  if (has_rate == has_ratio) {
    config.ErrorAt(has_rate ? "ratio" : "", has_rate ? "set either 'rate' (keep 1 in N) or 'ratio' (0..1), not both"
                                                     : "sample needs 'rate' (keep 1 in N, e.g. rate: 10) or 'ratio' "
                                                       "(0..1, e.g. ratio: 0.1)");
    ok = false;
  } else if (has_rate) {
    options.every = rate;
  } else {
    options.every = kRatioScale;
    options.keep = static_cast<uint64_t>(std::llround(ratio * kRatioScale));
  }
  if (std::optional<std::string> key = config.String("key")) {
    std::string text = key->find("{{") == std::string::npos ? "{{" + *key + "}}" : *key;
    std::string error;
    options.key = Template::Compile(text, &error);
    if (!options.key) {
      config.ErrorAt("key", "key: " + error);
      ok = false;
    }
  }
  if (const ConfigTree* exclude = config.Tree("exclude"); exclude != nullptr && !exclude->is_null()) {
    options.exclude = CompileCondition(*exclude, config.where() + " exclude", config.context());
    if (!options.exclude) ok = false;  // reported by CompileCondition
  }
  options.max_keys = config.Uint("max_keys", 10000, 1, 10000000);
  if (!ok) return nullptr;
  return std::make_unique<SampleStep>(std::move(common), std::move(options));
}

}  // namespace logcap
