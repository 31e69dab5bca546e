// multiline: joins continuation lines (stack traces) into one event, where lines are read.
//
// Config keys:
//   mode                  start (default): a line matching start_pattern begins a new event, any
//                         other continues the current one; continuation: a line matching
//                         continuation_pattern continues the previous one, any other begins a new
//                         event.
//   start_pattern         PCRE2; required for mode start (unless preset).
//   continuation_pattern  PCRE2; required for mode continuation (unless preset).
//   negate                bool (false): invert the pattern's test.
//   preset                java | python | go: built-in rules (processing/multiline_spec.cpp); not
//                         with mode, patterns or negate.
//   max_lines             500: a group this long is emitted; the next line begins a new one.
//   max_bytes             1 MiB: a longer group is cut, flagged truncated; the rest begins a new one.
//   flush_timeout         1s: a held group is emitted after this long without growth of its file.
//   separator             "\n": put between joined lines.
//
// Contract: the step must be its pipeline's first (the compiler checks) and takes no condition:
// its work happens in the file and container sources (sources/file/multiline_decoder.h), which ask
// the pipeline for its spec (Step::multiline()) when they open a file. Run() passes records through
// untouched. Other sources (kafka, http) get no joining: their records are messages already.
#include <chrono>

#include "processing/multiline_spec.h"
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

class MultilineStep final : public Step {
 public:
  MultilineStep(Common&& common, MultilineSpec spec) : Step(std::move(common)), spec_(std::move(spec)) {}

  void Run(std::span<EventRecord* const>, StepContext&) const override {}  // joined where read
  const MultilineSpec* multiline() const override { return &spec_; }

 protected:
  Outcome Apply(EventRecord&, StepContext&) const override { return Outcome::kDone; }

 private:
  const MultilineSpec spec_;
};

std::optional<Regex> CompilePattern(StepConfigReader& config, std::string_view key, const std::string& pattern) {
  std::string error;
  std::optional<Regex> regex = Regex::Compile(pattern, RegexOptions{}, &error);
  if (!regex) config.ErrorAt(key, std::string(key) + ": invalid regular expression: " + error);
  return regex;
}

}  // namespace

std::unique_ptr<Step> MakeMultilineStep(Step::Common&& common, StepConfigReader& config) {
  using namespace std::chrono_literals;
  MultilineSpec spec;
  const bool has_mode = config.Has("mode");
  const std::string mode = config.Enum("mode", "start", {"start", "continuation"});
  const std::optional<std::string> start = config.String("start_pattern");
  const std::optional<std::string> continuation = config.String("continuation_pattern");
  const bool has_negate = config.Has("negate");
  spec.negate = config.Bool("negate", false);
  const std::optional<std::string> preset = config.String("preset");
  spec.max_lines = static_cast<uint32_t>(config.Uint("max_lines", MultilineSpec::kDefaultMaxLines, 1, 1000000));
  spec.max_bytes = static_cast<size_t>(config.Uint("max_bytes", MultilineSpec::kDefaultMaxBytes, 1, 64u << 20));
  spec.flush_timeout =
      static_cast<Nanos>(config.DurationValue("flush_timeout", 1000ms, 1ms, 1h).count()) * kNanosPerMilli;
  spec.separator = config.String("separator", "\n");

  if (common.condition) {
    config.ErrorAt("", "multiline takes no condition: it joins lines where they are read, before any record exists");
  }
  if (preset) {
    if (start || continuation) {
      config.ErrorAt("preset", "preset and start_pattern/continuation_pattern: choose one");
    } else if (has_mode || has_negate) {
      config.ErrorAt(has_mode ? "mode" : "negate",
                     std::string(has_mode ? "mode" : "negate") + " does not apply with a preset (it sets its own rules)");
    } else {
      std::string error;
      if (!ApplyMultilinePreset(*preset, &spec, &error)) config.ErrorAt("preset", "preset: " + error);
    }
  } else if (mode == "start") {
    if (continuation) config.ErrorAt("continuation_pattern", "continuation_pattern needs mode: continuation");
    if (!start) {
      config.ErrorAt("start_pattern", "mode start needs start_pattern (or a preset: java, python, go)");
    } else {
      spec.mode = MultilineSpec::Mode::kStart;
      spec.pattern = CompilePattern(config, "start_pattern", *start);
    }
  } else {
    if (start) config.ErrorAt("start_pattern", "start_pattern needs mode: start");
    if (!continuation) {
      config.ErrorAt("continuation_pattern", "mode continuation needs continuation_pattern");
    } else {
      spec.mode = MultilineSpec::Mode::kContinuation;
      spec.pattern = CompilePattern(config, "continuation_pattern", *continuation);
    }
  }
  if (!config.ok()) return nullptr;
  return std::make_unique<MultilineStep>(std::move(common), std::move(spec));
}

}  // namespace logcap
