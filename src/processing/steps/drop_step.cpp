// drop: drops the events its `condition` (the step's own `condition:` key, processing/
// condition.h) selects, counted as logs_dropped_total{stage="process", reason="drop"}.
//
// Config: none. A drop step without a condition would drop everything: a config error.
// A condition that cannot be evaluated is false, so such an event is kept.
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

class DropStep final : public Step {
 public:
  explicit DropStep(Common common) : Step(std::move(common)) {}

 protected:
  // The default Run() calls this only for the records the condition selects.
  Outcome Apply(EventRecord&, StepContext&) const override { return Outcome::kDrop; }
};

}  // namespace

std::unique_ptr<Step> MakeDropStep(Step::Common&& common, StepConfigReader& config) {
  if (!common.condition) {
    // A condition that was written but did not compile has been reported already (its messages
    // start with "<where>: condition:"); saying it is missing too would only confuse.
    const std::string prefix = config.where() + ": condition:";
    for (const ConfigError& error : config.context().errors()) {
      if (error.message.starts_with(prefix)) return nullptr;
    }
    config.ErrorAt("", "a drop step needs a 'condition' (the events to drop), e.g. condition: {level_at_least: "
                       "debug} or condition: \"healthcheck\"");
    return nullptr;
  }
  return std::make_unique<DropStep>(std::move(common));
}

}  // namespace logcap
