// Whole-config checks: sources and sinks enabled, components this build lacks, and where each
// error points.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/options.h"
#include "config_test_util.h"

namespace logcap {
namespace {

using ::testing::HasSubstr;

TEST(SemanticChecks, EmptyFileGivesDefaultsButNoSinkIsAnError) {
  ConfigLoadResult result = LoadConfigString("", "empty.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].ToString(),
            "empty.yaml:1:1: error: no sink is enabled: set enabled: true under at least one of sinks.loki, sinks.kafka, "
            "sinks.local_file, sinks.http, sinks.stdout or sinks.null");
  const Config defaults;
  for (const Option& option : ConfigOptions()) {
    EXPECT_EQ(option.get(result.config), option.get(defaults)) << option.path;
  }
}

TEST(SemanticChecks, CommentOnlyFileIsLikeAnEmptyFile) {
  ConfigLoadResult result = LoadConfigString("# nothing here\n", "c.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_THAT(result.errors[0].message, HasSubstr("no sink is enabled"));
}

TEST(SemanticChecks, NoSinkPointsAtTheSinksSection) {
  ConfigLoadResult result = LoadConfigString("app:\n  name: x\nsinks:\n  stdout:\n    enabled: false\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.errors[0].column, 1);
}

TEST(SemanticChecks, NullKeyNamesTheNullSink) {
  for (std::string key : {"null", "~", "\"null\""}) {
    ConfigLoadResult result = LoadConfigString("sinks:\n  " + key + ":\n    enabled: true\n", "t.yaml");
    EXPECT_TRUE(result.ok()) << key << "\n" << AllErrors(result);
    EXPECT_TRUE(result.config.sinks.null_sink.enabled) << key;
  }
}

TEST(SemanticChecks, EachImplementedSinkSatisfiesTheSinkCheck) {
  for (std::string sink : {"local_file", "stdout", "null"}) {
    ConfigLoadResult result = LoadConfigString("sinks:\n  " + sink + ":\n    enabled: true\n", "t.yaml");
    EXPECT_TRUE(result.ok()) << sink << "\n" << AllErrors(result);
  }
}

TEST(SemanticChecks, NoSourcePointsAtFileMonitorEnabled) {
  ConfigLoadResult result = LoadWithStdoutSink("file_monitor:\n  include: [\"/x\"]\n  enabled: false\n");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.errors[0].column, 3);
  EXPECT_THAT(result.errors[0].message, HasSubstr("no source is enabled"));
}

TEST(SemanticChecks, ContainerMonitorCountsAsASourceAndChecksItsSocketAndStreams) {
  ConfigLoadResult result = LoadWithStdoutSink("file_monitor:\n  enabled: false\ncontainer_monitor:\n  enabled: true\n");
  EXPECT_TRUE(result.errors.empty()) << AllErrors(result);

  result = LoadWithStdoutSink("container_monitor:\n  enabled: true\n  docker_socket: tcp://10.0.0.1:2375\n");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_THAT(result.errors[0].message, HasSubstr("must be a unix socket"));

  result = LoadWithStdoutSink("container_monitor:\n  enabled: true\n  docker_socket: /run/docker.sock\n");
  EXPECT_TRUE(result.errors.empty()) << AllErrors(result);
  result = LoadWithStdoutSink("container_monitor:\n  enabled: true\n  docker_socket: \"\"\n");
  EXPECT_TRUE(result.errors.empty()) << AllErrors(result);

  result = LoadWithStdoutSink(
      "container_monitor:\n  enabled: true\n  include_stdout: false\n  include_stderr: false\n");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 4);
  EXPECT_THAT(result.errors[0].message, HasSubstr("captures nothing"));
}

TEST(SemanticChecks, KafkaInputCountsAsASourceAndNeedsBrokersAndTopics) {
  ConfigLoadResult result = LoadWithStdoutSink("file_monitor:\n  enabled: false\nkafka_input:\n  enabled: true\n");
  EXPECT_TRUE(result.errors.empty()) << AllErrors(result);

  result = LoadWithStdoutSink("file_monitor:\n  enabled: false\nkafka_input:\n  enabled: true\n  topics: []\n");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 5);
  EXPECT_THAT(result.errors[0].message, HasSubstr("kafka_input.topics is empty"));

  result = LoadConfigString("sinks:\n  kafka:\n    enabled: true\n    brokers: []\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_THAT(result.errors[0].message, HasSubstr("sinks.kafka.brokers is empty"));
}

TEST(SemanticChecks, EnabledFileMonitorWithEmptyIncludePointsAtInclude) {
  ConfigLoadResult result = LoadWithStdoutSink("file_monitor:\n  enabled: true\n  include: []\n");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.errors[0].column, 3);
  EXPECT_THAT(result.errors[0].message, HasSubstr("file_monitor.include is empty"));
}

TEST(SemanticChecks, BufferFileLargerThanBufferIsRejected) {
  ConfigLoadResult result = LoadWithStdoutSink("disk_buffer:\n  max_total_size: 2MiB\n  max_file_size: 4MiB\n");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_THAT(result.errors[0].message, HasSubstr("max_file_size must not be larger"));
}

TEST(SemanticChecks, MetricsPathMustBeAbsolute) {
  ConfigLoadResult result = LoadWithStdoutSink("metrics:\n  path: metrics\n");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].ToString(), "test.yaml:2:3: error: metrics.path must start with '/', got 'metrics'");
}

TEST(SemanticChecks, InvalidEnabledValueDoesNotAlsoReportNoSink) {
  ConfigLoadResult result = LoadConfigString("sinks:\n  stdout:\n    enabled: maybe\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.errors[0].column, 14);
}

TEST(SemanticChecks, SyntaxErrorSkipsSemanticChecks) {
  ConfigLoadResult result = LoadConfigString("sinks: [\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_THAT(result.errors[0].message, HasSubstr("YAML syntax error"));
}

}  // namespace
}  // namespace logcap
