#include "sinks/sink_registry.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace logcap {
namespace {

std::vector<std::string> Names(const std::vector<std::unique_ptr<Sink>>& sinks) {
  std::vector<std::string> names;
  for (const auto& s : sinks) names.push_back(s->name());
  return names;
}

TEST(SinkRegistry, BuildsNothingWhenNoSinkIsEnabled) {
  Config config;
  Status error = Status::Aborted("unset");
  EXPECT_TRUE(BuildEnabledSinks(config, nullptr, &error).empty());
  EXPECT_TRUE(error.ok());
}

TEST(SinkRegistry, BuildsExactlyTheEnabledSinksInRegistrationOrder) {
  Config config;
  config.sinks.null_sink.enabled = true;
  config.sinks.local_file.enabled = true;
  Status error;
  EXPECT_EQ(Names(BuildEnabledSinks(config, nullptr, &error)), (std::vector<std::string>{"local_file", "null"}));
  EXPECT_TRUE(error.ok());

  config.sinks.stdout_sink.enabled = true;
  EXPECT_EQ(Names(BuildEnabledSinks(config, nullptr, &error)),
            (std::vector<std::string>{"local_file", "stdout", "null"}));

  Config only_stdout;
  only_stdout.sinks.stdout_sink.enabled = true;
  EXPECT_EQ(Names(BuildEnabledSinks(only_stdout, nullptr, nullptr)), (std::vector<std::string>{"stdout"}));
}

TEST(SinkRegistry, EveryRegistrationHasAUniqueNameMatchingItsSink) {
  Config config;
  config.sinks.null_sink.enabled = true;
  config.sinks.local_file.enabled = true;
  config.sinks.stdout_sink.enabled = true;
  config.sinks.http.enabled = true;
  config.sinks.loki.enabled = true;
  config.sinks.kafka.enabled = true;
  std::vector<std::string> names;
  for (const SinkRegistration& r : SinkRegistrations()) {
    EXPECT_TRUE(r.is_enabled(config)) << r.name;
    auto sink = r.create(config, nullptr);
    ASSERT_NE(sink, nullptr);
    EXPECT_EQ(sink->name(), r.name);
    names.emplace_back(r.name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

TEST(SinkRegistry, KafkaPropertiesAreCheckedWhenTheConfigIsLoaded) {
  ConfigLoadResult result = LoadConfigString(
      "sinks:\n  kafka:\n    enabled: true\n    librdkafka_options: {linger.ms: soon}\n", "k.yaml");
  CheckEnabledSinks(result.config, result);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].ToString().find("k.yaml:4:"), std::string::npos) << result.errors[0].ToString();
  EXPECT_NE(result.errors[0].message.find("librdkafka refused linger.ms=soon"), std::string::npos)
      << result.errors[0].message;
  result = LoadConfigString("sinks:\n  kafka:\n    enabled: true\n    librdkafka_options: {linger.ms: \"20\"}\n",
                            "k.yaml");
  CheckEnabledSinks(result.config, result);
  EXPECT_TRUE(result.errors.empty()) << result.errors[0].ToString();
}

}  // namespace
}  // namespace logcap
