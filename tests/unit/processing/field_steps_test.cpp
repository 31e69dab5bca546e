// field_add, field_remove, rename and drop: good and bad config, and records through a pipeline.
#include <gtest/gtest.h>

#include "testing/pipeline_testing.h"

namespace logcap {
namespace {

using testing::CompilePipelinesYaml;
using testing::ErrorsText;
using testing::EventLabel;
using testing::FieldsJson;
using testing::Messages;

class FieldStepsTest : public testing::PipelineStepTest {
};

// --- field_add ---

TEST_F(FieldStepsTest, FieldAddSetsFieldsLabelsMessageAndLevelFromTemplates) {
  auto set = Compile(R"(
      - type: field_add
        config:
          fields: {service: "api", original: "{{message}}", level: "warn", message: "[{{service}}] {{message}}"}
          labels: {env: "prod", file: "{{source_name}}"}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"hello"});
  ASSERT_EQ(batch.size(), 1u);
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, "[api] hello");  // a later template sees an earlier target
  EXPECT_EQ(e.level, Level::kWarn);
  EXPECT_EQ(FieldsJson(batch, e), R"({"service":"api","original":"hello"})");
  EXPECT_EQ(EventLabel(batch, e, "env"), "prod");
  EXPECT_EQ(EventLabel(batch, e, "file"), "/var/log/app.log");
}

TEST_F(FieldStepsTest, FieldAddTemplatesWithMissingFieldsExpandToEmpty) {
  auto set = Compile(R"(
      - type: field_add
        config:
          fields: {who: "user={{user}};", both: "{{missing}}{{labels.nope}}", msg: "{{ message }}"}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"m"});
  const Event& e = batch.events()[0];
  EXPECT_EQ(FieldsJson(batch, e), R"({"who":"user=;","both":"","msg":"m"})");
  EXPECT_EQ(FieldsJson(batch, e).find("_error"), std::string::npos);  // a missing reference is no error
}

TEST_F(FieldStepsTest, FieldAddWithoutOverwriteOnlyFillsAbsentTargets) {
  auto set = Compile(R"(
      - type: field_add
        config: {fields: {a: "1"}}
      - name: defaults
        type: field_add
        config:
          overwrite: false
          fields: {a: "2", b: "2", level: "error"}
          labels: {team: "{{a}}"}
)");
  ASSERT_NE(set, nullptr);
  auto source = testing::MakeSource("/var/log/app.log");
  source->labels.Set("team", "core");  // a source label counts as present
  EventBatch batch = Run(*set, {"x"}, source);
  const Event& e = batch.events()[0];
  EXPECT_EQ(FieldsJson(batch, e), R"({"a":"1","b":"2"})");
  EXPECT_EQ(e.level, Level::kError);  // the level was unset
  EXPECT_EQ(EventLabel(batch, e, "team"), std::nullopt);
}

TEST_F(FieldStepsTest, FieldAddConfigErrors) {
  EXPECT_NE(CompileErrors("      - type: field_add\n"
                          "        config: {}\n")
                .find("pipelines.yaml:4:9: error: pipeline 'default' step 'field_add': field_add needs 'fields' or "
                      "'labels'"),
            std::string::npos)
      << ErrorsText(errors_);
  std::string errors = CompileErrors(R"(
      - type: field_add
        config:
          fields: {source_id: "x", ok: "{{open"}
          overwrite: maybe
          feilds: {}
)");
  EXPECT_NE(errors.find(":7:19: error: pipeline 'default' step 'field_add': fields: 'source_id' cannot be set"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("is never closed"), std::string::npos) << errors;
  EXPECT_NE(errors.find(":8:22: error: pipeline 'default' step 'field_add': overwrite: expected true or false"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":9:11: error: pipeline 'default' step 'field_add': unknown key 'feilds' in config (did you "
                        "mean 'fields'?)"),
            std::string::npos)
      << errors;
}

// --- field_remove ---

TEST_F(FieldStepsTest, FieldRemoveRemovesFieldsAndLabelsAndIgnoresAbsentOnes) {
  auto set = Compile(R"(
      - type: field_add
        config: {fields: {a: "1", b: "2", c: "3"}, labels: {x: "1", y: "2"}}
      - type: field_remove
        config: {fields: [a, fields.c, labels.x, missing, labels.missing]}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"m"});
  const Event& e = batch.events()[0];
  EXPECT_EQ(FieldsJson(batch, e), R"({"b":"2"})");
  EXPECT_EQ(EventLabel(batch, e, "x"), std::nullopt);
  EXPECT_EQ(EventLabel(batch, e, "y"), "2");
}

TEST_F(FieldStepsTest, FieldRemoveConfigErrors) {
  std::string errors = CompileErrors(R"(
      - type: field_remove
        config: {fields: [message]}
)");
  EXPECT_NE(errors.find(":6:26: error: pipeline 'default' step 'field_remove': fields: 'message' cannot be removed"),
            std::string::npos)
      << errors;
  errors = CompileErrors("      - type: field_remove\n");
  EXPECT_NE(errors.find("field_remove needs 'fields'"), std::string::npos) << errors;
}

// --- rename ---

TEST_F(FieldStepsTest, RenameMovesBetweenFieldsLabelsAndTheMessage) {
  auto set = Compile(R"(
      - type: field_add
        config: {fields: {a: "1", msg: "new text", lvl: "error"}, labels: {app: "web"}}
      - type: rename
        config:
          fields: {a: b, labels.app: application, b: labels.b, msg: message, lvl: level, host: labels.node, absent: x}
)");
  ASSERT_NE(set, nullptr);
  auto source = testing::MakeSource("/var/log/app.log");
  source->labels.Set("host", "n1");  // a source label: copied, it stays on the source
  EventBatch batch = Run(*set, {"old text"}, source);
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, "new text");
  EXPECT_EQ(e.level, Level::kError);
  EXPECT_EQ(FieldsJson(batch, e), R"({"application":"web"})");
  EXPECT_EQ(EventLabel(batch, e, "b"), "1");
  EXPECT_EQ(EventLabel(batch, e, "app"), std::nullopt);
  EXPECT_EQ(EventLabel(batch, e, "node"), "n1");
}

TEST_F(FieldStepsTest, RenameKeepsTheJsonKindOfAField) {
  std::vector<ConfigError> errors;
  auto set = Compile(R"(
      - type: rename
        config: {fields: {n: count}}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = testing::MakeBatch({"m"}, testing::MakeSource("/var/log/app.log"));
  EventAttributes attributes;
  attributes.fields_json = R"({"n":42,"other":true})";
  batch.mutable_events()[0].attributes = batch.AddAttributes(std::move(attributes));
  RunPipelines(*set, batch);
  EXPECT_EQ(FieldsJson(batch, batch.events()[0]), R"({"count":42,"other":true})");
}

TEST_F(FieldStepsTest, RenameConfigErrors) {
  std::string errors = CompileErrors(R"(
      - type: rename
        config:
          fields: {message: m, a: source_id, b: b, labels.c: fields.d}
)");
  EXPECT_NE(errors.find(":7:19: error: pipeline 'default' step 'rename': fields: cannot rename 'message'"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("cannot rename 'a' to 'source_id'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'b' is renamed to itself"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("labels.c"), std::string::npos) << errors;
}

// --- drop ---

TEST_F(FieldStepsTest, DropDropsWhatItsConditionSelectsAndCountsIt) {
  auto set = Compile(R"(
      - name: no-health
        type: drop
        condition: "GET /health"
      - type: field_add
        config: {fields: {seen: "yes"}}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"GET /health 200", "GET /api 200", "GET /health 500", "POST /x"});
  EXPECT_EQ(Messages(batch), (std::vector<std::string>{"GET /api 200", "POST /x"}));
  EXPECT_EQ(FieldsJson(batch, batch.events()[0]), R"({"seen":"yes"})");
  EXPECT_EQ(metrics_.LogsDropped("process", "drop").Value(), 2);
}

TEST_F(FieldStepsTest, DropKeepsEventsWhoseConditionCannotBeEvaluated) {
  auto set = Compile(R"(
      - type: drop
        condition: {field: status, equals: "200"}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"no status field"});
  EXPECT_EQ(batch.size(), 1u);
}

TEST_F(FieldStepsTest, DropWithoutConditionIsAConfigError) {
  std::string errors = CompileErrors(R"(
      - name: everything
        type: drop
)");
  EXPECT_NE(errors.find("pipelines.yaml:5:9: error: pipeline 'default' step 'everything': a drop step needs a "
                        "'condition'"),
            std::string::npos)
      << errors;
  // A condition that does not compile is reported once, not as missing.
  errors = CompileErrors(R"(
      - type: drop
        condition: {level_at_least: loud}
)");
  EXPECT_NE(errors.find("condition: level_at_least"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("needs a 'condition'"), std::string::npos) << errors;
  errors = CompileErrors(R"(
      - type: drop
        condition: "x"
        config: {reason: "noise"}
)");
  EXPECT_NE(errors.find(":7:18: error: pipeline 'default' step 'drop': unknown key 'reason' in config; this step "
                        "takes no config"),
            std::string::npos)
      << errors;
}

}  // namespace
}  // namespace logcap
