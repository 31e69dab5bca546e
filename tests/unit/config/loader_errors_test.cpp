// Each class of configuration error, with its exact line and column, and all errors in one run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config_test_util.h"

namespace logcap {
namespace {

using ::testing::HasSubstr;

// Loads `yaml` (plus a stdout sink) and expects exactly one error, at line:column.
ConfigError SingleError(const std::string& yaml, int line, int column) {
  ConfigLoadResult result = LoadWithStdoutSink(yaml);
  EXPECT_EQ(result.errors.size(), 1u) << AllErrors(result);
  if (result.errors.empty()) return ConfigError{};
  const ConfigError& error = result.errors.front();
  EXPECT_EQ(error.file, "test.yaml");
  EXPECT_EQ(error.line, line) << error.ToString();
  EXPECT_EQ(error.column, column) << error.ToString();
  return error;
}

TEST(ConfigErrors, ToStringFollowsCompilerFormat) {
  EXPECT_EQ((ConfigError{"c.yaml", 3, 7, "bad"}).ToString(), "c.yaml:3:7: error: bad");
  EXPECT_EQ((ConfigError{"c.yaml", 3, 0, "bad"}).ToString(), "c.yaml:3: error: bad");
  EXPECT_EQ((ConfigError{"c.yaml", 0, 0, "bad"}).ToString(), "c.yaml: error: bad");
}

TEST(ConfigErrors, YamlSyntaxErrorHasItsPosition) {
  ConfigLoadResult result = LoadConfigString("app:\n  name: [unclosed\nserver:\n  port: 1\n", "test.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_THAT(result.errors[0].message, HasSubstr("YAML syntax error"));
  EXPECT_EQ(result.errors[0].ToString(), "test.yaml:3:7: error: YAML syntax error: end of sequence flow not found");
}

TEST(ConfigErrors, TabIndentationIsASyntaxError) {
  ConfigLoadResult result = LoadConfigString("app:\n\tname: x\n", "test.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_THAT(result.errors[0].message, HasSubstr("YAML syntax error"));
  EXPECT_EQ(result.errors[0].line, 2);
}

TEST(ConfigErrors, UnknownKeySuggestsClosestSibling) {
  ConfigError error = SingleError("server:\n  prot: 8080\n", 2, 3);
  EXPECT_EQ(error.message, "unknown key 'prot' in section 'server' (did you mean 'port'?)");
}

TEST(ConfigErrors, UnknownNestedKeySuggestsAmongItsLevelOnly) {
  ConfigLoadResult result = LoadConfigString(
      "sinks:\n  stdout:\n    enabled: true\n  local_file:\n    rotation:\n      max_size: 5\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].ToString(),
            "t.yaml:6:7: error: unknown key 'max_size' in section 'sinks.local_file.rotation' (did you mean "
            "'max_size_mb'?)");
}

TEST(ConfigErrors, UnknownKeyWithoutCloseMatchListsValidKeys) {
  ConfigError error = SingleError("metrics:\n  listen: x\n", 2, 3);
  EXPECT_EQ(error.message, "unknown key 'listen' in section 'metrics'; valid keys: enabled, path");
}

TEST(ConfigErrors, UnknownTopLevelKeySuggestsSection) {
  ConfigError error = SingleError("aap:\n  name: x\n", 1, 1);
  EXPECT_EQ(error.message, "unknown top-level key 'aap' (did you mean 'app'?)");
}

TEST(ConfigErrors, DuplicateKeyIsReportedAtSecondOccurrenceWithFirstLine) {
  ConfigLoadResult result = LoadWithStdoutSink("server:\n  port: 1\n  host: h\n  port: 2\n");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 4);
  EXPECT_EQ(result.errors[0].column, 3);
  EXPECT_EQ(result.errors[0].message, "duplicate key 'server.port' (first defined at line 2)");
  EXPECT_EQ(result.config.server.port, 1);
}

TEST(ConfigErrors, DuplicateSectionIsReported) {
  ConfigError error = SingleError("app:\n  name: a\nserver:\n  port: 1\napp:\n  name: b\n", 5, 1);
  EXPECT_EQ(error.message, "duplicate key 'app' (first defined at line 1)");
}

TEST(ConfigErrors, DuplicateKeyInFlowMapIsReported) {
  ConfigError error = SingleError("file_monitor:\n  labels: {job: a, env: b, job: c}\n", 2, 28);
  EXPECT_EQ(error.message, "file_monitor.labels: duplicate key 'job' (first defined at line 2)");
}

TEST(ConfigErrors, MapWhereScalarExpectedIsWrongType) {
  ConfigError error = SingleError("server:\n  port: {number: 1}\n", 2, 9);
  EXPECT_EQ(error.message, "server.port: expected an integer, got a map");
}

TEST(ConfigErrors, TextWhereIntegerExpectedIsWrongType) {
  ConfigError error = SingleError("server:\n  port: abc\n", 2, 9);
  EXPECT_EQ(error.message, "server.port: expected an integer, got 'abc'");
}

TEST(ConfigErrors, ScalarWhereSectionExpectedIsWrongType) {
  ConfigError error = SingleError("server: 8401\n", 1, 9);
  EXPECT_EQ(error.message, "server: expected a map of keys, got '8401'");
}

TEST(ConfigErrors, ScalarWhereListExpectedIsWrongType) {
  ConfigError error = SingleError("file_monitor:\n  include: /var/log/app.log\n", 2, 12);
  EXPECT_THAT(error.message, HasSubstr("file_monitor.include: expected a list of strings"));
}

TEST(ConfigErrors, NonScalarListItemIsWrongType) {
  ConfigError error = SingleError("file_monitor:\n  include:\n    - /a\n    - {x: 1}\n", 4, 7);
  EXPECT_EQ(error.message, "file_monitor.include: list items must be strings, got a map");
}

TEST(ConfigErrors, TopLevelScalarIsWrongType) {
  ConfigLoadResult result = LoadConfigString("just text\n", "test.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 1);
  EXPECT_EQ(result.errors[0].column, 1);
  EXPECT_EQ(result.errors[0].message, "the top level must be a map of sections, got 'just text'");
}

TEST(ConfigErrors, MissingValueIsReportedAtTheKey) {
  ConfigError error = SingleError("server:\n  port:\n  host: h\n", 2, 3);
  EXPECT_EQ(error.message, "server.port: missing value; expected an integer");
}

TEST(ConfigErrors, WordBooleanIsRejected) {
  ConfigError error = SingleError("server:\n  enabled: yes\n", 2, 12);
  EXPECT_EQ(error.message, "server.enabled: expected true or false, got 'yes' (yes/no/on/off/1/0 are not accepted)");
}

TEST(ConfigErrors, PortAboveRangeIsRejected) {
  ConfigError error = SingleError("server:\n  port: 70000\n", 2, 9);
  EXPECT_EQ(error.message, "server.port: '70000' is out of range: must be between 0 and 65535");
}

TEST(ConfigErrors, PortZeroMeansPickAFreePort) {
  ConfigLoadResult result = LoadWithStdoutSink("server:\n  port: 0\n");
  EXPECT_TRUE(result.ok()) << AllErrors(result);
  EXPECT_EQ(result.config.server.port, 0);
}

TEST(ConfigErrors, QueueSizeZeroIsRejected) {
  ConfigError error = SingleError("dispatcher:\n  queue_size: 0\n", 2, 15);
  EXPECT_EQ(error.message, "dispatcher.queue_size: '0' is out of range: must be between 1 and 100000000");
}

TEST(ConfigErrors, NegativeUnsignedIsRejected) {
  ConfigError error = SingleError("dispatcher:\n  worker_count: -1\n", 2, 17);
  EXPECT_EQ(error.message, "dispatcher.worker_count: expected a non-negative integer, got '-1'");
}

TEST(ConfigErrors, SizeBoundsAreShownInUnits) {
  ConfigError error = SingleError("file_monitor:\n  max_line_size: 512\n", 2, 18);
  EXPECT_EQ(error.message, "file_monitor.max_line_size: '512' is out of range: must be between 1KiB and 1GiB");
}

TEST(ConfigErrors, DurationBoundsAreShownInUnits) {
  ConfigError error = SingleError("app:\n  shutdown_timeout: 2h\n", 2, 21);
  EXPECT_EQ(error.message, "app.shutdown_timeout: '2h' is out of range: must be between 1s and 1h");
}

TEST(ConfigErrors, EnumValueNotInListNamesAllowedValues) {
  ConfigError error = SingleError("app:\n  log_level: verbose\n", 2, 14);
  EXPECT_EQ(error.message, "app.log_level: 'verbose' is not allowed; allowed values: debug, info, warn, error");
}

TEST(ConfigErrors, CloseEnumValueGetsAHint) {
  ConfigLoadResult result =
      LoadConfigString("sinks:\n  null:\n    enabled: true\n  kafka:\n    compression: zstdd\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 5);
  EXPECT_EQ(result.errors[0].column, 18);
  EXPECT_THAT(result.errors[0].message, HasSubstr("allowed values: none, gzip, snappy, lz4, zstd (did you mean 'zstd'?)"));
}

TEST(ConfigErrors, BadDurationIsReportedAtTheScalar) {
  ConfigError error = SingleError("dispatcher:\n  batch_timeout: 5\n", 2, 18);
  EXPECT_THAT(error.message, HasSubstr("dispatcher.batch_timeout: duration '5' has no unit"));
}

TEST(ConfigErrors, BadSizeIsReportedAtTheScalar) {
  ConfigError error = SingleError("disk_buffer:\n  max_total_size: 1G\n", 2, 19);
  EXPECT_THAT(error.message, HasSubstr("did you mean '1GiB'?"));
}

TEST(ConfigErrors, EmptyRequiredStringIsRejected) {
  ConfigError error = SingleError("server:\n  host: \"\"\n", 2, 9);
  EXPECT_EQ(error.message, "server.host: must not be empty");
}

TEST(ConfigErrors, UnsetVariableIsReportedAtTheScalar) {
  ScopedEnv unset("LOGCAP_TEST_UNSET_VAR", std::nullopt);
  ConfigError error = SingleError("app:\n  data_dir: \"/x/${LOGCAP_TEST_UNSET_VAR}\"\n", 2, 13);
  EXPECT_EQ(error.message,
            "app.data_dir: environment variable 'LOGCAP_TEST_UNSET_VAR' is not set; set it, or give a default "
            "with ${LOGCAP_TEST_UNSET_VAR:-default}");
}

TEST(ConfigErrors, ExpandedValueErrorShowsTheOriginalText) {
  ScopedEnv port("LOGCAP_TEST_PORT", "eighty");
  ConfigError error = SingleError("server:\n  port: ${LOGCAP_TEST_PORT}\n", 2, 9);
  EXPECT_EQ(error.message, "server.port: expected an integer, got 'eighty' (after expanding '${LOGCAP_TEST_PORT}')");
}

TEST(ConfigErrors, SecondDocumentIsRejected) {
  ConfigLoadResult result =
      LoadConfigString("sinks:\n  null:\n    enabled: true\n---\napp:\n  name: b\n", "test.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 5);
  EXPECT_THAT(result.errors[0].message, HasSubstr("one YAML document"));
}

TEST(ConfigErrors, FiveDifferentMistakesAreAllReportedInOneRun) {
  ScopedEnv unset("LOGCAP_TEST_UNSET_VAR", std::nullopt);
  const std::string yaml =
      "app:\n"
      "  log_levle: info\n"                     // 2: unknown key
      "  data_dir: ${LOGCAP_TEST_UNSET_VAR}\n"  // 3: unset variable
      "server:\n"
      "  port: 99999\n"                         // 5: out of range
      "  port: 8080\n"                          // 6: duplicate key
      "dispatcher:\n"
      "  batch_timeout: [1s]\n"                 // 8: wrong type
      "sinks:\n"
      "  stdout:\n"
      "    enabled: true\n";
  ConfigLoadResult result = LoadConfigString(yaml, "five.yaml");
  ASSERT_EQ(result.errors.size(), 5u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].ToString(),
            "five.yaml:2:3: error: unknown key 'log_levle' in section 'app' (did you mean 'log_level'?)");
  EXPECT_THAT(result.errors[1].ToString(), HasSubstr("five.yaml:3:13: error: app.data_dir: environment variable"));
  EXPECT_EQ(result.errors[2].ToString(),
            "five.yaml:5:9: error: server.port: '99999' is out of range: must be between 0 and 65535");
  EXPECT_EQ(result.errors[3].ToString(), "five.yaml:6:3: error: duplicate key 'server.port' (first defined at line 5)");
  EXPECT_THAT(result.errors[4].ToString(),
              HasSubstr("five.yaml:8:18: error: dispatcher.batch_timeout: expected a duration such as 250ms"));
}

}  // namespace
}  // namespace logcap
