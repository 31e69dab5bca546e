// multiline: its config compiles into a MultilineSpec (the sources join lines with it); the step
// itself passes records through. The joining is tested in tests/unit/sources/multiline_*_test.cpp.
#include <gtest/gtest.h>

#include "processing/multiline_spec.h"
#include "testing/pipeline_testing.h"

namespace logcap {
namespace {

using testing::CompilePipelinesYaml;
using testing::ErrorsText;
using testing::Messages;

std::string PipelineYaml(const std::string& config) {
  return "pipelines:\n  - name: default\n    steps:\n      - name: ml\n        type: multiline\n" + config;
}

class MultilineStepTest : public ::testing::Test {
 protected:
  const MultilineSpec* Compile(const std::string& config) {
    errors_.clear();
    set_ = CompilePipelinesYaml(PipelineYaml(config), metrics_, errors_);
    EXPECT_NE(set_, nullptr) << ErrorsText(errors_);
    if (!set_) return nullptr;
    const Pipeline* p = set_->Find("default");
    return p != nullptr ? p->multiline() : nullptr;
  }
  std::string CompileErrors(const std::string& config) {
    errors_.clear();
    auto set = CompilePipelinesYaml(PipelineYaml(config), metrics_, errors_);
    EXPECT_EQ(set, nullptr);
    return ErrorsText(errors_);
  }
  Metrics metrics_;
  std::vector<ConfigError> errors_;
  std::shared_ptr<const PipelineSet> set_;
};

TEST_F(MultilineStepTest, PresetsCompileIntoSpecsAndRecordsPassThroughUntouched) {
  const MultilineSpec* java = Compile("        config: {preset: java}\n");
  ASSERT_NE(java, nullptr);
  EXPECT_EQ(java->preset, "java");
  EXPECT_EQ(java->mode, MultilineSpec::Mode::kContinuation);
  ASSERT_TRUE(java->pattern.has_value());
  EXPECT_TRUE(java->pattern->Matches("\tat com.example.A.b(A.java:1)"));
  EXPECT_TRUE(java->pattern->Matches("Caused by: java.io.IOException: x"));
  EXPECT_TRUE(java->pattern->Matches("\t... 12 more"));
  EXPECT_FALSE(java->pattern->Matches("2026-11-24 INFO next"));
  EXPECT_EQ(java->max_lines, MultilineSpec::kDefaultMaxLines);
  EXPECT_EQ(java->max_bytes, MultilineSpec::kDefaultMaxBytes);
  EXPECT_EQ(java->flush_timeout, kNanosPerSecond);
  EXPECT_EQ(java->separator, "\n");
  EventBatch batch = testing::RunLines(*set_, {"one", "\tat two"});
  EXPECT_EQ(Messages(batch), (std::vector<std::string>{"one", "\tat two"}));

  for (const char* preset : {"python", "go"}) {
    const MultilineSpec* spec = Compile(std::string("        config: {preset: ") + preset + "}\n");
    ASSERT_NE(spec, nullptr) << preset;
    EXPECT_EQ(spec->mode, MultilineSpec::Mode::kRules);
    EXPECT_FALSE(spec->rules.empty());
  }
}

TEST_F(MultilineStepTest, ExplicitPatternsAndLimits) {
  const MultilineSpec* spec = Compile(
      "        config:\n"
      "          start_pattern: '^\\d{4}-'\n"
      "          negate: true\n"
      "          max_lines: 20\n"
      "          max_bytes: 4096\n"
      "          flush_timeout: 250ms\n"
      "          separator: ' / '\n");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->mode, MultilineSpec::Mode::kStart);
  EXPECT_TRUE(spec->negate);
  EXPECT_TRUE(spec->pattern->Matches("2026-11-24"));
  EXPECT_EQ(spec->max_lines, 20u);
  EXPECT_EQ(spec->max_bytes, 4096u);
  EXPECT_EQ(spec->flush_timeout, 250 * kNanosPerMilli);
  EXPECT_EQ(spec->separator, " / ");

  spec = Compile("        config: {mode: continuation, continuation_pattern: '^\\s'}\n");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->mode, MultilineSpec::Mode::kContinuation);
  EXPECT_FALSE(spec->negate);
}

TEST_F(MultilineStepTest, BadConfigIsReportedAtItsLine) {
  std::string e = CompileErrors(
      "        config:\n"
      "          preset: java\n"
      "          start_pattern: '^x'\n");
  EXPECT_NE(e.find("pipelines.yaml:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("choose one"), std::string::npos) << e;

  e = CompileErrors("        config: {preset: ruby}\n");
  EXPECT_NE(e.find("pipelines.yaml:6:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown multiline preset 'ruby'"), std::string::npos) << e;

  e = CompileErrors("        config: {preset: go, mode: continuation}\n");
  EXPECT_NE(e.find("does not apply with a preset"), std::string::npos) << e;

  e = CompileErrors("        config: {max_lines: 10}\n");
  EXPECT_NE(e.find("needs start_pattern"), std::string::npos) << e;

  e = CompileErrors("        config: {mode: continuation}\n");
  EXPECT_NE(e.find("needs continuation_pattern"), std::string::npos) << e;

  e = CompileErrors("        config: {start_pattern: '^x', continuation_pattern: '^y'}\n");
  EXPECT_NE(e.find("continuation_pattern needs mode: continuation"), std::string::npos) << e;

  e = CompileErrors(
      "        config:\n"
      "          start_pattern: '(unclosed'\n");
  EXPECT_NE(e.find("pipelines.yaml:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid regular expression"), std::string::npos) << e;

  e = CompileErrors("        config: {preset: java, max_lines: 0, flush_timeout: forever}\n");
  EXPECT_NE(e.find("max_lines"), std::string::npos) << e;
  EXPECT_NE(e.find("flush_timeout"), std::string::npos) << e;

  e = CompileErrors("        config: {preset: java, max_line: 5}\n");
  EXPECT_NE(e.find("unknown key 'max_line'"), std::string::npos) << e;

  e = CompileErrors(
      "        condition: {label: app, equals: x}\n"
      "        config: {preset: java}\n");
  EXPECT_NE(e.find("takes no condition"), std::string::npos) << e;
}

TEST_F(MultilineStepTest, MultilineMustBeTheFirstStep) {
  errors_.clear();
  auto set = CompilePipelinesYaml(
      "pipelines:\n"
      "  - name: default\n"
      "    steps:\n"
      "      - {name: first, type: multiline, config: {preset: java}}\n"
      "      - {name: second, type: multiline, config: {preset: go}}\n",
      metrics_, errors_);
  EXPECT_EQ(set, nullptr);
  EXPECT_NE(ErrorsText(errors_).find("must be the first step"), std::string::npos) << ErrorsText(errors_);
}

}  // namespace
}  // namespace logcap
