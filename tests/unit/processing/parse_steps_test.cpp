// json_parse, regex_extract, logfmt_parse and log_level_extract: good and bad config, good and
// bad records through a compiled pipeline.
#include <gtest/gtest.h>

#include <prometheus/counter.h>

#include "testing/pipeline_testing.h"

namespace logcap {
namespace {

using testing::CompilePipelinesYaml;
using testing::ErrorsText;
using testing::EventLabel;
using testing::FieldsJson;

class ParseStepsTest : public testing::PipelineStepTest {
 protected:
  double Errors(const std::string& step) { return metrics_.PipelineStepEvents("default", step, "error").Value(); }
};

// The `_error` field of an event ("" when it has none).
std::string ErrorOf(const EventBatch& batch, const Event& e) {
  const std::string json = FieldsJson(batch, e);
  const size_t at = json.find("\"_error\":\"");
  if (at == std::string::npos) return "";
  const size_t start = at + 10;
  return json.substr(start, json.find('"', start) - start);
}

// ---------------------------------------------------------------------------------------------
// json_parse

TEST_F(ParseStepsTest, JsonParseSetsFieldsOfEveryKindMessageLevelTimeAndLabels) {
  auto set = Compile(R"(
      - type: json_parse
        config:
          labels: [service, ctx]
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {R"({"time":"2026-11-24T07:00:00.5Z","level":"WARNING","msg":"disk \"full\"\n",)"
                                R"("service":"api","ctx":{"a": [1, 2]},"n":-1.5e3,"ok":true,"nil":null,)"
                                R"("arr":[ {"x":1} , "y" ],"esc":"tab\there \u00e9"})"});
  ASSERT_EQ(batch.size(), 1u);
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, "disk \"full\"\n");
  EXPECT_EQ(e.level, Level::kWarn);
  EXPECT_EQ(e.source_time, *ParseRfc3339("2026-11-24T07:00:00.5Z"));
  EXPECT_EQ(EventLabel(batch, e, "service"), "api");
  EXPECT_EQ(EventLabel(batch, e, "ctx"), R"({"a": [1, 2]})");  // a nested label: its JSON
  EXPECT_EQ(FieldsJson(batch, e),
            R"({"n":-1.5e3,"ok":true,"nil":null,"arr":[ {"x":1} , "y" ],"esc":"tab\there é"})");
  EXPECT_EQ(Errors("json_parse"), 0);
}

TEST_F(ParseStepsTest, JsonParseMessageKeyPriorityKeepOriginalAndUnknownRolesStayFields) {
  auto set = Compile(R"(
      - type: json_parse
        config: {keep_original: true}
)");
  ASSERT_NE(set, nullptr);
  const std::string line = R"({"msg":"a","message":"b","level":"chatty","time":"yesterday"})";
  EventBatch batch = Run(*set, {line});
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, line);
  EXPECT_EQ(e.level, Level::kUnknown);
  EXPECT_EQ(e.source_time, 0);
  EXPECT_EQ(FieldsJson(batch, e), R"({"msg":"a","message":"b","level":"chatty","time":"yesterday"})");

  auto set2 = Compile(R"(
      - type: json_parse
)");
  ASSERT_NE(set2, nullptr);
  EventBatch batch2 = Run(*set2, {line, R"({"msg":"a","message":7})"});
  EXPECT_EQ(batch2.events()[0].message, "b");  // `message` before `msg`
  EXPECT_EQ(FieldsJson(batch2, batch2.events()[0]), R"({"msg":"a","level":"chatty","time":"yesterday"})");
  EXPECT_EQ(batch2.events()[1].message, "a");  // a non-string message member is not a message
  EXPECT_EQ(FieldsJson(batch2, batch2.events()[1]), R"({"message":7})");
}

TEST_F(ParseStepsTest, JsonParseEpochTimesAndNumericLevelsAndCustomKeys) {
  auto set = Compile(R"(
      - type: json_parse
        config: {time_key: [t], level_key: lvl, message_key: ""}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {R"({"t":1700000000,"lvl":50,"message":"kept"})", R"({"t":1700000000123.5})",
                                R"({"t":"1700000000","time":"2026-11-24T07:00:00Z"})", R"({"t":-5})"});
  EXPECT_EQ(batch.events()[0].source_time, 1700000000LL * 1'000'000'000);
  EXPECT_EQ(batch.events()[0].level, Level::kError);
  EXPECT_EQ(FieldsJson(batch, batch.events()[0]), R"({"message":"kept"})");
  EXPECT_EQ(batch.events()[1].source_time, 1700000000123LL * 1'000'000 + 500'000);
  EXPECT_EQ(batch.events()[2].source_time, 1700000000LL * 1'000'000'000);
  EXPECT_EQ(FieldsJson(batch, batch.events()[2]), R"({"time":"2026-11-24T07:00:00Z"})");
  EXPECT_EQ(batch.events()[3].source_time, 0);  // negative: not a time, kept
  EXPECT_EQ(FieldsJson(batch, batch.events()[3]), R"({"t":-5})");
}

TEST_F(ParseStepsTest, JsonParseIntoTargetAndFromAField) {
  auto set = Compile(R"(
      - name: outer
        type: json_parse
      - name: inner
        type: json_parse
        config: {field: payload, target: fields.inner, labels: [k]}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {R"({"msg":"hi","payload":"{\"k\":\"v\",\"n\":1,\"s\":\"a\\\"b\",\"level\":\"error\"}"})"});
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, "hi");
  EXPECT_EQ(e.level, Level::kError);
  EXPECT_EQ(EventLabel(batch, e, "k"), "v");
  EXPECT_EQ(FieldsJson(batch, e),
            R"({"payload":"{\"k\":\"v\",\"n\":1,\"s\":\"a\\\"b\",\"level\":\"error\"}","inner":{"n":1,"s":"a\"b"}})");
}

TEST_F(ParseStepsTest, JsonParseBadRecordsFailAndFlowUntouched) {
  auto set = Compile(R"(
      - type: json_parse
)");
  ASSERT_NE(set, nullptr);
  const std::vector<std::string> lines = {
      "",  "plain text", "[1,2]", "\"s\"", "42", R"({"a":1)", R"({"a":1} trailing)", R"({"a":{"b":tru}})",
      R"({"a":01})", R"({"a":"x\q"})", "{\"a\":\"\xff\"}", R"({"msg":"never applied","b":[1,}]})"};
  EventBatch batch = Run(*set, lines);
  ASSERT_EQ(batch.size(), lines.size());
  const std::vector<std::string> expected = {
      "json_parse: not a JSON object: empty",
      "json_parse: not a JSON object: malformed JSON",
      "json_parse: not a JSON object: got an array",
      "json_parse: not a JSON object: got a string",
      "json_parse: not a JSON object: got a number",
      "json_parse: not a JSON object: unterminated object or array",
      "json_parse: not a JSON object: unterminated object or array",  // simdjson's view of the tail
      "json_parse: not a JSON object: malformed JSON",
      "json_parse: not a JSON object: invalid number",
      "json_parse: not a JSON object: invalid string",
      "json_parse: not a JSON object: invalid UTF-8",
      "",
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const Event& e = batch.events()[i];
    EXPECT_EQ(e.message, lines[i]) << i;
    const std::string error = ErrorOf(batch, e);
    EXPECT_TRUE(error.starts_with("json_parse: not a JSON object: ")) << i << ": " << error;
    if (!expected[i].empty()) {
      EXPECT_EQ(error, expected[i]) << i;
    }
    EXPECT_EQ(FieldsJson(batch, e).find("never"), std::string::npos) << i;  // nothing applied
  }
  EXPECT_EQ(Errors("json_parse"), static_cast<double>(lines.size()));
}

TEST_F(ParseStepsTest, JsonParseSurvivesDeepNestingAndParsesOneMebibyte) {
  auto set = Compile(R"(
      - type: json_parse
)");
  ASSERT_NE(set, nullptr);
  const size_t levels = 10000;
  std::string deep = R"({"a":)" + std::string(levels, '[') + std::string(levels, ']') + "}";
  std::string deep_objects = "{";
  for (size_t i = 0; i < levels; ++i) deep_objects += R"("k":{)";
  deep_objects += std::string(levels + 1, '}');
  std::string fine = R"({"a":)" + std::string(100, '[') + std::string(100, ']') + "}";
  std::string big = R"({"msg":"big")";
  for (int i = 0; big.size() < (1u << 20); ++i) big += ",\"k" + std::to_string(i) + "\":\"" + std::string(100, 'v') + "\"";
  big += R"(,"tail":{"x":")" + std::string(1000, 'y') + "\"}}";
  EventBatch batch = Run(*set, {deep, deep_objects, fine, big});
  EXPECT_EQ(ErrorOf(batch, batch.events()[0]), "json_parse: not a JSON object: nested too deeply");
  EXPECT_TRUE(ErrorOf(batch, batch.events()[1]).starts_with("json_parse: not a JSON object: ")) << ErrorOf(batch, batch.events()[1]);
  EXPECT_EQ(ErrorOf(batch, batch.events()[2]), "");
  EXPECT_EQ(FieldsJson(batch, batch.events()[2]), R"({"a":)" + std::string(100, '[') + std::string(100, ']') + "}");
  const Event& e = batch.events()[3];
  EXPECT_EQ(ErrorOf(batch, e), "");
  EXPECT_EQ(e.message, "big");
  const std::string fields = FieldsJson(batch, e);
  EXPECT_GT(fields.size(), 1u << 20);
  EXPECT_NE(fields.find(R"("tail":{"x":")" + std::string(1000, 'y') + "\"}}"), std::string::npos);
}

TEST_F(ParseStepsTest, JsonParseConfigErrors) {
  const std::string errors = CompileErrors(R"(
      - type: json_parse
        config:
          target: timestamp
          labels: [""]
          keep_original: sometimes
          mesage_key: m
)");
  EXPECT_NE(errors.find(":7:19: error: pipeline 'default' step 'json_parse': target: expected a field or label"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":8:19: error: pipeline 'default' step 'json_parse': labels: a label name must not be empty"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":9:26: error: pipeline 'default' step 'json_parse': keep_original: expected true or false"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":10:11: error: pipeline 'default' step 'json_parse': unknown key 'mesage_key'"),
            std::string::npos)
      << errors;
}

// ---------------------------------------------------------------------------------------------
// regex_extract

constexpr const char* kNginxStep = R"yaml(
      - type: regex_extract
        config:
          pattern: '^(?<remote_addr>\S+) - (?<remote_user>\S+) \[(?<time_local>[^\]]+)\] "(?<method>\S+) (?<path>\S+) (?<protocol>[^"]+)" (?<status>\d{3}) (?<body_bytes_sent>\d+) "(?<referer>[^"]*)" "(?<user_agent>[^"]*)"'
          labels: [method]
)yaml";

TEST_F(ParseStepsTest, RegexExtractNginxCombinedNamedGroups) {
  auto set = Compile(kNginxStep);
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {R"(203.0.113.9 - - [24/Nov/2026:07:00:00 +0000] "GET /api/v1/items?id=7 HTTP/1.1" 200 512 "-" "curl/8.5.0")",
                                "not an access log line"});
  const Event& e = batch.events()[0];
  EXPECT_EQ(FieldsJson(batch, e),
            R"({"remote_addr":"203.0.113.9","remote_user":"-","time_local":"24/Nov/2026:07:00:00 +0000",)"
            R"("path":"/api/v1/items?id=7","protocol":"HTTP/1.1","status":"200","body_bytes_sent":"512",)"
            R"("referer":"-","user_agent":"curl/8.5.0"})");
  EXPECT_EQ(EventLabel(batch, e, "method"), "GET");
  EXPECT_EQ(ErrorOf(batch, batch.events()[1]), "regex_extract: pattern did not match");
  EXPECT_EQ(batch.events()[1].message, "not an access log line");
  EXPECT_EQ(Errors("regex_extract"), 1);
}

TEST_F(ParseStepsTest, RegexExtractPositionalNamesMessageLevelPrefixAndSkip) {
  auto set = Compile(R"(
      - type: regex_extract
        config:
          pattern: '^(\S+ \S+) (\w+) (?:\[(\w+)\] )?(.*)$'
          fields: [_temp_time, level, labels.thread, message]
          target_prefix: app_
          on_no_match: skip
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"2026-11-24 07:00:00 ERROR [main] boom", "2026-11-24 07:00:00 info no thread", ""});
  const Event& a = batch.events()[0];
  EXPECT_EQ(a.message, "boom");
  EXPECT_EQ(a.level, Level::kError);
  EXPECT_EQ(EventLabel(batch, a, "thread"), "main");
  EXPECT_EQ(FieldsJson(batch, a), R"({"app__temp_time":"2026-11-24 07:00:00"})");
  const Event& b = batch.events()[1];
  EXPECT_EQ(b.message, "no thread");
  EXPECT_EQ(b.level, Level::kInfo);
  EXPECT_EQ(EventLabel(batch, b, "thread"), std::nullopt);  // the group took no part
  EXPECT_EQ(batch.events()[2].message, "");
  EXPECT_EQ(FieldsJson(batch, batch.events()[2]), "");  // skip: untouched, no error
  EXPECT_EQ(Errors("regex_extract"), 0);
}

TEST_F(ParseStepsTest, RegexExtractFromAFieldItRewritesAndAfterAMessageChange) {
  auto set = Compile(R"(
      - name: first
        type: regex_extract
        config: {pattern: '^(?<message>\w+) (?<rest>.*)$'}
      - name: second
        type: regex_extract
        config: {pattern: '^(?<rest>\w+)=(?<message>.*)$', field: rest}
      - name: third
        type: regex_extract
        config: {pattern: '^(?<message>.)(?<tail>.*)$'}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"head key=the value"});
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, "t");
  EXPECT_EQ(FieldsJson(batch, e), R"({"rest":"key","tail":"he value"})");
}

TEST_F(ParseStepsTest, RegexExtractCatastrophicPatternIsBoundedAndCounted) {
  auto set = Compile(R"(
      - type: regex_extract
        config: {pattern: '^(a+)+$', on_no_match: skip}
)");
  ASSERT_NE(set, nullptr);
  const auto start = std::chrono::steady_clock::now();
  EventBatch batch = Run(*set, {std::string(40, 'a') + "b", std::string(40, 'a') + "b"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(ErrorOf(batch, batch.events()[0]), "regex_extract: regex match limit reached");
  EXPECT_EQ(Errors("regex_extract"), 2);
}

TEST_F(ParseStepsTest, RegexExtractConfigErrors) {
  std::string errors = CompileErrors(R"(
      - type: regex_extract
        config: {field: message}
)");
  EXPECT_NE(errors.find(":5:9: error: pipeline 'default' step 'regex_extract': missing required key 'pattern'"),
            std::string::npos)
      << errors;
  errors = CompileErrors(R"(
      - type: regex_extract
        config:
          pattern: '(?<a>x'
)");
  EXPECT_NE(errors.find(":7:20: error: pipeline 'default' step 'regex_extract': pattern: invalid regular expression at "
                        "offset 6: missing closing parenthesis"),
            std::string::npos)
      << errors;
  errors = CompileErrors(R"(
      - type: regex_extract
        config:
          pattern: '(?<a>x)(y)'
          fields: [a, timestamp, c]
          labels: [zz]
          on_no_match: ignore
)");
  EXPECT_NE(errors.find(":8:19: error: pipeline 'default' step 'regex_extract': fields: names 3 groups but the pattern "
                        "has 2"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":9:19: error: pipeline 'default' step 'regex_extract': labels: 'zz' names no capture group"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("group 2 would write 'timestamp', which cannot be written"), std::string::npos) << errors;
  EXPECT_NE(errors.find(":10:24: error: pipeline 'default' step 'regex_extract': on_no_match"), std::string::npos)
      << errors;
  errors = CompileErrors(R"(
      - type: regex_extract
        config: {pattern: 'abc'}
)");
  EXPECT_NE(errors.find("has no capture groups"), std::string::npos) << errors;
}

// ---------------------------------------------------------------------------------------------
// logfmt_parse

TEST_F(ParseStepsTest, LogfmtParsePairsQuotesEscapesBareKeysAndRoles) {
  auto set = Compile(R"(
      - type: logfmt_parse
        config: {labels: [app]}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {R"(ts=2026-11-24T07:00:00Z level=warn msg="disk \"full\"\tnow \u00e9" app=api )"
                                R"(url=/a?b=c empty= flag path="" n=12)"});
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, "disk \"full\"\tnow \xc3\xa9");
  EXPECT_EQ(e.level, Level::kWarn);
  EXPECT_EQ(e.source_time, *ParseRfc3339("2026-11-24T07:00:00Z"));
  EXPECT_EQ(EventLabel(batch, e, "app"), "api");
  EXPECT_EQ(FieldsJson(batch, e), R"({"url":"/a?b=c","empty":"","flag":"","path":"","n":"12"})");
  EXPECT_EQ(Errors("logfmt_parse"), 0);
}

TEST_F(ParseStepsTest, LogfmtParseBadRecords) {
  auto set = Compile(R"(
      - type: logfmt_parse
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"just some words", "", R"(a=1 b="unterminated c=3)", R"(a=1 =oops c=3)",
                                R"(x"y=1)"});
  EXPECT_EQ(ErrorOf(batch, batch.events()[0]), "logfmt_parse: no key=value pairs");
  EXPECT_EQ(FieldsJson(batch, batch.events()[0]), R"({"_error":"logfmt_parse: no key=value pairs"})");
  EXPECT_EQ(ErrorOf(batch, batch.events()[1]), "logfmt_parse: no key=value pairs");
  EXPECT_EQ(FieldsJson(batch, batch.events()[2]),
            R"({"a":"1","_error":"logfmt_parse: unterminated quoted value at byte 6"})");
  EXPECT_EQ(FieldsJson(batch, batch.events()[3]),
            R"({"a":"1","_error":"logfmt_parse: unexpected '=' where a key should start at byte 4"})");
  EXPECT_EQ(ErrorOf(batch, batch.events()[4]), "logfmt_parse: unexpected '\\");  // '"' is escaped in the JSON
  EXPECT_EQ(Errors("logfmt_parse"), 5);
}

TEST_F(ParseStepsTest, LogfmtParseConfigErrors) {
  const std::string errors = CompileErrors(R"(
      - type: logfmt_parse
        config: {message_key: [msg, {x: 1}], lables: [a]}
)");
  EXPECT_NE(errors.find(":6:37: error: pipeline 'default' step 'logfmt_parse': message_key: list items must be strings"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("unknown key 'lables'"), std::string::npos) << errors;
}

// ---------------------------------------------------------------------------------------------
// log_level_extract

TEST_F(ParseStepsTest, LogLevelExtractDefaultScanFindsTheFirstLevelWord) {
  auto set = Compile(R"(
      - type: log_level_extract
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"2026-11-24 07:00:00 [ERROR] failed: warn later", "WARNING: low disk",
                                "level=Debug x", "error_count=3 nothing here", "Critical!", "no level in this line"});
  EXPECT_EQ(batch.events()[0].level, Level::kError);
  EXPECT_EQ(batch.events()[1].level, Level::kWarn);
  EXPECT_EQ(batch.events()[2].level, Level::kDebug);
  EXPECT_EQ(batch.events()[3].level, Level::kUnknown);  // error_count is one word
  EXPECT_EQ(batch.events()[4].level, Level::kFatal);
  EXPECT_EQ(batch.events()[5].level, Level::kUnknown);
  EXPECT_EQ(FieldsJson(batch, batch.events()[5]), "");
  EXPECT_EQ(Errors("log_level_extract"), 0);
}

TEST_F(ParseStepsTest, LogLevelExtractPatternMappingTargetAndOverwrite) {
  auto set = Compile(R"(
      - name: glog
        type: log_level_extract
        config:
          pattern: '^([IWEF])\d{4} '
          mapping: {I: info, W: warn, E: error, F: fatal}
      - name: tag
        type: log_level_extract
        config: {target: labels.severity, mapping: {oops: error}}
      - name: again
        type: log_level_extract
        config: {pattern: '(?<level>fatal)', overwrite: true}
      - name: original_form
        type: log_level_extract
        config: {field: level}
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"E0101 12:00:00 oops", "W0101 fatal", "x info", "just oops"});
  EXPECT_EQ(batch.events()[0].level, Level::kError);
  EXPECT_EQ(EventLabel(batch, batch.events()[0], "severity"), "error");  // the mapping before ParseLevel
  EXPECT_EQ(batch.events()[1].level, Level::kFatal);                     // overwritten
  EXPECT_EQ(EventLabel(batch, batch.events()[1], "severity"), "fatal");
  EXPECT_EQ(batch.events()[2].level, Level::kInfo);                      // by `field: level`
  EXPECT_EQ(batch.events()[3].level, Level::kUnknown);
  EXPECT_EQ(EventLabel(batch, batch.events()[3], "severity"), "error");
}

TEST_F(ParseStepsTest, LogLevelExtractKeepsALevelSetEarlier) {
  auto set = Compile(R"(
      - type: json_parse
      - type: log_level_extract
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {R"({"level":"info","msg":"an error happened"})"});
  EXPECT_EQ(batch.events()[0].level, Level::kInfo);
}

TEST_F(ParseStepsTest, LogLevelExtractConfigErrors) {
  const std::string errors = CompileErrors(R"(
      - type: log_level_extract
        config:
          pattern: '(('
          mapping: {E: bad}
          target: source_id
)");
  EXPECT_NE(errors.find(":7:20: error: pipeline 'default' step 'log_level_extract': pattern: invalid regular expression"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":8:20: error: pipeline 'default' step 'log_level_extract': mapping: 'E' maps to 'bad'"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":9:19: error: pipeline 'default' step 'log_level_extract': target: expected `level`"),
            std::string::npos)
      << errors;
}

}  // namespace
}  // namespace logcap
