// The step types a pipeline may use, by their `type:` name, and the factory of each.
//
// Contract: a factory reads its step's `config` through the StepConfigReader (every key it takes,
// so unknown keys are reported), reports every problem there, and returns the step; it returns
// nullptr only when it reported an error. Factories run at compile time (start-up, reload,
// `validate`, `test`), never on the hot path. Each factory lives in the step's own file,
// steps/<type>_step.cpp.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "processing/step.h"
#include "processing/step_config_reader.h"

namespace logcap {

using StepFactory = std::unique_ptr<Step> (*)(Step::Common&& common, StepConfigReader& config);

struct StepType {
  std::string_view name;
  StepFactory make;
  std::string_view summary;  // one line, for errors listing the types and for docs
};

// Every type, in documentation order.
const std::vector<StepType>& StepTypes();
const StepType* FindStepType(std::string_view name);

std::unique_ptr<Step> MakeJsonParseStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeRegexExtractStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeLogfmtParseStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeTimestampParseStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeLogLevelExtractStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeFieldAddStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeFieldRemoveStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeRenameStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeDropStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeRedactStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeSampleStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeDedupStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeThrottleStep(Step::Common&& common, StepConfigReader& config);
std::unique_ptr<Step> MakeMultilineStep(Step::Common&& common, StepConfigReader& config);

}  // namespace logcap
