// The pipeline compiler, selection and the processor's write-back (processing/pipeline_set.h,
// processing/pipeline_processor.h).
#include <gtest/gtest.h>

#include "processing/pipeline_set.h"
#include "testing/pipeline_testing.h"

namespace logcap {
namespace {

using testing::CompilePipelinesYaml;
using testing::ErrorsText;
using testing::MakeBatch;
using testing::MakeSource;

std::shared_ptr<const PipelineSet> MustCompile(const std::string& yaml, Metrics& metrics) {
  std::vector<ConfigError> errors;
  auto set = CompilePipelinesYaml(yaml, metrics, errors);
  EXPECT_NE(set, nullptr) << ErrorsText(errors);
  return set;
}

std::string CompileErrors(const std::string& yaml) {
  Metrics metrics;
  std::vector<ConfigError> errors;
  auto set = CompilePipelinesYaml(yaml, metrics, errors);
  EXPECT_EQ(set, nullptr);
  return ErrorsText(errors);
}

SourceInfo Source(std::string type, std::string id, std::string name, Labels labels = {},
                  std::string component = "file_monitor") {
  SourceInfo s;
  s.type = std::move(type);
  s.id = std::move(id);
  s.name = std::move(name);
  s.labels = std::move(labels);
  s.component = std::move(component);
  return s;
}

constexpr const char* kSelection = R"(
pipelines:
  - {name: default, steps: []}
  - {name: nginx, steps: []}
  - {name: web, steps: []}
  - {name: kafka, steps: []}
  - {name: first, steps: []}
source_mapping:
  first: ["source_id:/var/log/both*"]
  nginx: ["file_path:/var/log/nginx/*", "/var/log/both.log"]
  web: ["container_name:web-*", "namespace:shop"]
  kafka: ["source_type:kafka", "component:kafka_*"]
)";

TEST(PipelineSelectionTest, FirstMatchInFileOrderThenDefault) {
  Metrics metrics;
  auto set = MustCompile(kSelection, metrics);
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->Select(Source("file", "/var/log/nginx/access.log", "access.log"))->name(), "nginx");
  // Both `first` and `nginx` match: the rule written first wins, whatever the map's hashing.
  EXPECT_EQ(set->Select(Source("file", "/var/log/both.log", "both.log"))->name(), "first");
  EXPECT_EQ(set->Select(Source("docker", "abc", "web-1", {{"container_name", "web-1"}}))->name(), "web");
  EXPECT_EQ(set->Select(Source("cri", "x", "api", {{"namespace", "shop"}}))->name(), "web");
  EXPECT_EQ(set->Select(Source("kafka", "topic", "t"))->name(), "kafka");
  EXPECT_EQ(set->Select(Source("file", "/var/log/other.log", "other.log"))->name(), "default");
}

TEST(PipelineSelectionTest, BarePatternMatchesContainerNameSourceNameOrId) {
  Metrics metrics;
  auto set = MustCompile(R"(
pipelines: [{name: mysql, steps: []}]
source_mapping: {mysql: ["mysql*"]}
)", metrics);
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->Select(Source("docker", "abc", "db", {{"container_name", "mysql-1"}}))->name(), "mysql");
  EXPECT_EQ(set->Select(Source("file", "/x/y", "mysql.log"))->name(), "mysql");
  // The original system matched the other way round ("pattern contains source type"): not here.
  EXPECT_EQ(set->Select(Source("file", "/var/log/app.log", "app.log")), nullptr);
}

TEST(PipelineSelectionTest, ComponentPipelineKeyWinsOverMapping) {
  Metrics metrics;
  std::vector<ConfigError> errors;
  auto definitions = testing::DefinitionsFromYaml(kSelection, errors);
  ASSERT_TRUE(definitions) << ErrorsText(errors);
  auto set = PipelineSet::Compile(*definitions, {{"file_monitor", "web"}}, metrics, errors);
  ASSERT_NE(set, nullptr) << ErrorsText(errors);
  EXPECT_EQ(set->Select(Source("file", "/var/log/nginx/access.log", "access.log"))->name(), "web");
  EXPECT_EQ(set->Select(Source("file", "/var/log/nginx/a.log", "a.log", {}, "container_monitor"))->name(), "nginx");

  std::vector<ConfigError> bad;
  EXPECT_EQ(PipelineSet::Compile(*definitions, {{"file_monitor", "ngnix"}}, metrics, bad), nullptr);
  EXPECT_NE(ErrorsText(bad).find("file_monitor.pipeline: no pipeline is named 'ngnix' (did you mean 'nginx'?)"),
            std::string::npos)
      << ErrorsText(bad);
}

TEST(PipelineCompileTest, ReportsEveryProblemWithItsLine) {
  std::string errors = CompileErrors(R"(pipelines:
  - name: a
    steps:
      - {name: s1, type: json_prase}
      - {name: s1, type: drop, condition: {field: x, equals: y}}
      - {type: drop, condition: "([unclosed"}
      - {name: s4, type: drop, condition: {level_at_least: loud}}
      - {name: s5, type: drop, conditon: "x"}
  - name: a
    steps: []
source_mapping:
  b: ["x"]
)");
  EXPECT_NE(errors.find("pipelines.yaml:4:26: error: pipeline 'a' step 's1': unknown step type 'json_prase' (did you mean 'json_parse'?)"), std::string::npos) << errors;
  EXPECT_NE(errors.find("pipelines.yaml:5:16: error: pipeline 'a': two steps are named 's1'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("pipelines.yaml:6:33: error: pipeline 'a' step 'drop': condition: invalid regular expression"), std::string::npos) << errors;
  EXPECT_NE(errors.find("level_at_least: expected one of trace"), std::string::npos) << errors;
  EXPECT_NE(errors.find("unknown key 'conditon' (did you mean 'condition'?)"), std::string::npos) << errors;
  EXPECT_NE(errors.find("pipelines.yaml:9:11: error: two pipelines are named 'a'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("pipelines.yaml:12:3: error: source_mapping: no pipeline is named 'b'"), std::string::npos) << errors;
}

TEST(PipelineCompileTest, ShapesThatAreNotPipelines) {
  EXPECT_NE(CompileErrors("pipelines: {name: a}\n").find("pipelines: expected a list"), std::string::npos);
  EXPECT_NE(CompileErrors("pipelines: [{steps: []}]\n").find("missing 'name'"), std::string::npos);
  EXPECT_NE(CompileErrors("pipelines: [{name: a, steps: [{name: x}]}]\n").find("missing 'type'; one of: json_parse"),
            std::string::npos);
  EXPECT_NE(CompileErrors("pipelines: [{name: a, steps: {}}]\n").find("steps: expected a list"), std::string::npos);
  EXPECT_NE(CompileErrors("pipelines: [{name: a, stepz: []}]\n").find("unknown key 'stepz' (did you mean 'steps'?)"),
            std::string::npos);
  EXPECT_NE(CompileErrors("pipelines: [{name: a, steps: []}]\nsource_mapping: [a]\n").find("source_mapping: expected a map"),
            std::string::npos);
}

TEST(PipelineProcessorTest, EventsOfNoPipelinePassUntouched) {
  Metrics metrics;
  auto set = MustCompile("pipelines: [{name: nginx, steps: []}]\nsource_mapping: {nginx: ['source_id:/nginx/*']}\n",
                         metrics);
  ASSERT_NE(set, nullptr);
  EventBatch batch = MakeBatch({"a", "b"}, MakeSource("/var/log/app.log"));
  RunPipelines(*set, batch);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.events()[0].message, "a");
  EXPECT_EQ(batch.events()[0].attributes, kNoAttributes);
}

TEST(PipelineProcessorTest, WritesMessagesLabelsAndFieldsBackAndCountsPerStep) {
  Metrics metrics;
  auto set = MustCompile(R"(
pipelines:
  - name: default
    steps:
      - name: enrich
        type: field_add
        config:
          fields: {service: api, copy: "{{message}}"}
          labels: {team: core}
      - name: rewrite
        type: field_add
        config: {fields: {message: "[{{source_name}}] {{message}}"}}
      - name: no_debug
        type: drop
        condition: {field: message, matches: "debug"}
)", metrics);
  ASSERT_NE(set, nullptr);
  EventBatch batch = MakeBatch({"hello", "a debug line", "world"}, MakeSource("app.log"));
  RunPipelines(*set, batch);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.events()[0].message, "[app.log] hello");
  EXPECT_EQ(batch.events()[1].message, "[app.log] world");
  EXPECT_EQ(batch.message_bytes(), std::string("[app.log] hello[app.log] world").size());
  EXPECT_EQ(testing::FieldsJson(batch, batch.events()[0]), R"({"service":"api","copy":"hello"})");
  EXPECT_EQ(testing::EventLabel(batch, batch.events()[1], "team"), "core");
  std::string text = metrics.Serialize();
  EXPECT_NE(text.find(R"(log_capturer_pipeline_step_events_total{outcome="in",pipeline="default",step="no_debug"} 3)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(log_capturer_pipeline_step_events_total{outcome="dropped",pipeline="default",step="no_debug"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(log_capturer_logs_dropped_total{reason="drop",stage="process"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(log_capturer_pipeline_step_duration_seconds_count{pipeline="default",step="enrich"} 1)"),
            std::string::npos);
}

TEST(PipelineProcessorTest, ExistingAttributesAreLoadedAndKept) {
  Metrics metrics;
  auto set = MustCompile(R"(
pipelines:
  - name: default
    steps: [{name: add, type: field_add, config: {fields: {b: "2"}}}]
)", metrics);
  ASSERT_NE(set, nullptr);
  EventBatch batch = MakeBatch({"x"}, MakeSource("app.log"));
  EventAttributes attributes;
  attributes.labels.Set("job", "api");
  attributes.fields_json = R"({"a":1,"nested":{"k":[1,2]},"s":"t\"q"})";
  batch.mutable_events()[0].attributes = batch.AddAttributes(std::move(attributes));
  RunPipelines(*set, batch);
  EXPECT_EQ(testing::FieldsJson(batch, batch.events()[0]), R"({"a":1,"nested":{"k":[1,2]},"s":"t\"q","b":"2"})");
  EXPECT_EQ(testing::EventLabel(batch, batch.events()[0], "job"), "api");
}

}  // namespace
}  // namespace logcap
