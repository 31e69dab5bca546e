// Test helpers for processing pipelines: compile pipelines from YAML text, and run lines through
// them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "config/config_tree_yaml.h"
#include "config/load_context.h"
#include "processing/pipeline_processor.h"
#include "processing/pipeline_set.h"
#include "telemetry/metrics.h"
#include "testing/batch_builder.h"

namespace logcap::testing {

// The YAML text of a pipelines file (`pipelines:` and `source_mapping:`) as definitions; nullopt
// with the errors (FILE:LINE:COL, file "pipelines.yaml") when the text is not such a map.
inline std::optional<PipelineDefinitions> DefinitionsFromYaml(const std::string& yaml, std::vector<ConfigError>& errors,
                                                              const std::string& file = "pipelines.yaml") {
  LoadContext ctx(file);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    errors.push_back(ConfigError{file, e.mark.line + 1, e.mark.column + 1, e.msg});
    return std::nullopt;
  }
  ConfigTree tree = ConfigTreeFromYaml(root, ProcessEnvLookup(), "pipelines file", ctx);
  for (ConfigError& e : ctx.TakeErrors()) errors.push_back(std::move(e));
  if (!errors.empty() || !tree.is_map()) {
    if (errors.empty()) errors.push_back(ConfigError{file, 1, 1, "expected a map with 'pipelines'"});
    return std::nullopt;
  }
  PipelineDefinitions definitions;
  definitions.file = file;
  if (const ConfigTree* p = tree.Find("pipelines")) definitions.pipelines = *p;
  if (const ConfigTree* m = tree.Find("source_mapping")) definitions.source_mapping = *m;
  return definitions;
}

// Compiles the YAML text of a pipelines file; nullptr with the errors when it does not compile.
inline std::shared_ptr<const PipelineSet> CompilePipelinesYaml(const std::string& yaml, Metrics& metrics,
                                                               std::vector<ConfigError>& errors) {
  std::optional<PipelineDefinitions> definitions = DefinitionsFromYaml(yaml, errors);
  if (!definitions) return nullptr;
  return PipelineSet::Compile(*definitions, {}, metrics, errors);
}

// Every error as "FILE:LINE:COL: error: MESSAGE", one a line (for assertions and failure output).
inline std::string ErrorsText(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& e : errors) out += e.ToString() + "\n";
  return out;
}

// Runs lines (one event each, from a file source `source_id`) through the set.
inline EventBatch RunLines(const PipelineSet& set, const std::vector<std::string>& lines,
                           const std::string& source_id = "/var/log/app.log") {
  EventBatch batch = MakeBatch(lines, MakeSource(source_id));
  RunPipelines(set, batch);
  return batch;
}

// The messages of a batch, in order.
inline std::vector<std::string> Messages(const EventBatch& batch) {
  std::vector<std::string> out;
  for (const Event& e : batch.events()) out.emplace_back(e.message);
  return out;
}

// An event's fields as their JSON object text ("" when it has none).
inline std::string FieldsJson(const EventBatch& batch, const Event& event) {
  const EventAttributes* attributes = batch.AttributesOf(event);
  return attributes != nullptr ? attributes->fields_json : std::string();
}

// An event's own label (not its source's); nullopt when absent.
inline std::optional<std::string> EventLabel(const EventBatch& batch, const Event& event, const std::string& key) {
  const EventAttributes* attributes = batch.AttributesOf(event);
  if (attributes == nullptr) return std::nullopt;
  if (const std::string* value = attributes->labels.Find(key)) return *value;
  return std::nullopt;
}

// A fixture for step tests: compiles pipelines (expecting success or failure) against its own
// Metrics, and runs lines through them.
class PipelineStepTest : public ::testing::Test {
 protected:
  // A pipelines file with one pipeline named `default` (so every source takes it) whose steps are
  // `steps` (YAML list items, indented by 6).
  static std::string DefaultPipeline(const std::string& steps) {
    return "pipelines:\n  - name: default\n    steps:\n" + steps;
  }
  std::shared_ptr<const PipelineSet> CompileYaml(const std::string& yaml) {
    errors_.clear();
    auto set = CompilePipelinesYaml(yaml, metrics_, errors_);
    EXPECT_NE(set, nullptr) << ErrorsText(errors_);
    return set;
  }
  // The errors of pipelines that must not compile.
  std::string CompileYamlErrors(const std::string& yaml) {
    errors_.clear();
    auto set = CompilePipelinesYaml(yaml, metrics_, errors_);
    EXPECT_EQ(set, nullptr);
    return ErrorsText(errors_);
  }
  std::shared_ptr<const PipelineSet> Compile(const std::string& steps) { return CompileYaml(DefaultPipeline(steps)); }
  std::string CompileErrors(const std::string& steps) { return CompileYamlErrors(DefaultPipeline(steps)); }
  EventBatch Run(const PipelineSet& set, const std::vector<std::string>& lines,
                 const std::shared_ptr<SourceInfo>& source = nullptr, Nanos read_time = 1) {
    EventBatch batch = MakeBatch(lines, source ? source : MakeSource("/var/log/app.log"), nullptr, read_time);
    RunPipelines(set, batch);
    return batch;
  }

  Metrics metrics_;
  std::vector<ConfigError> errors_;
};

}  // namespace logcap::testing
