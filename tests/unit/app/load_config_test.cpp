#include "app/load_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace logcap {
namespace {

std::string WriteTemp(const std::string& text) {
  char name[] = "/tmp/logcap-load-config-XXXXXX";
  const int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  std::FILE* f = fdopen(fd, "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return name;
}

TEST(LoadConfig, BadFilenamePatternIsAConfigErrorAtItsKey) {
  const std::string path = WriteTemp(
      "sinks:\n"
      "  local_file:\n"
      "    enabled: true\n"
      "    directory: /tmp/x\n"
      "    filename_pattern: \"{nope}-{date}.log\"\n");
  ConfigLoadResult result = LoadConfig(path);
  std::remove(path.c_str());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, path);
  EXPECT_EQ(result.errors[0].line, 5);
  EXPECT_EQ(result.errors[0].column, 5);  // the key
  EXPECT_NE(result.errors[0].message.find("nope"), std::string::npos) << result.errors[0].message;
}

TEST(LoadConfig, DisabledSinkSettingsAreNotChecked) {
  const std::string path = WriteTemp(
      "sinks:\n"
      "  stdout: {enabled: true}\n"
      "  local_file: {enabled: false, filename_pattern: \"{nope}.log\"}\n");
  ConfigLoadResult result = LoadConfig(path);
  std::remove(path.c_str());
  EXPECT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors[0].ToString());
}

TEST(LoadConfig, AKeyNotWrittenIsReportedAtTheFileStart) {
  ConfigLoadResult result = LoadConfigString("sinks: {stdout: {enabled: true}}\n", "inline.yaml");
  ASSERT_TRUE(result.ok());
  result.AddErrorAt("sinks.local_file.filename_pattern", "bad");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].ToString(), "inline.yaml:1:1: error: bad");
}

TEST(LoadConfig, InlinePipelineErrorsPointIntoTheConfigFile) {
  const std::string path = WriteTemp(
      "sinks: {stdout: {enabled: true}}\n"
      "file_monitor: {pipeline: nginks}\n"
      "processing:\n"
      "  pipelines:\n"
      "    - name: nginx\n"
      "      steps:\n"
      "        - {name: bad, type: drop, condition: {field: x, matches: \"(\"}}\n");
  ConfigLoadResult result = LoadConfig(path);
  std::remove(path.c_str());
  std::string all;
  for (const auto& e : result.errors) all += e.ToString() + "\n";
  EXPECT_NE(all.find(path + ":7:66: error: pipeline 'nginx' step 'bad': condition: invalid regular expression"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(path + ":2:16: error: file_monitor.pipeline: no pipeline is named 'nginks' (did you mean 'nginx'?)"),
            std::string::npos)
      << all;
}

TEST(LoadConfig, PipelinesFileIsRelativeToTheConfigAndExclusiveWithInline) {
  const std::string pipelines = WriteTemp("pipelines: [{name: p, steps: [{type: json_parze}]}]\n");
  const std::string relative = pipelines.substr(pipelines.rfind('/') + 1);
  const std::string path = WriteTemp("sinks: {stdout: {enabled: true}}\nprocessing: {pipelines_file: " + relative + "}\n");
  ConfigLoadResult result = LoadConfig(path);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, pipelines);
  EXPECT_EQ(result.errors[0].line, 1);
  EXPECT_NE(result.errors[0].message.find("did you mean 'json_parse'"), std::string::npos) << result.errors[0].message;

  const std::string both = WriteTemp("sinks: {stdout: {enabled: true}}\nprocessing: {pipelines_file: " + relative +
                                     ", pipelines: []}\n");
  result = LoadConfig(both);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("either pipelines_file or inline"), std::string::npos);

  const std::string missing = WriteTemp("sinks: {stdout: {enabled: true}}\nprocessing: {pipelines_file: /nonexistent/p.yaml}\n");
  result = LoadConfig(missing);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].ToString(), "/nonexistent/p.yaml: error: cannot read the pipelines file");
  for (const auto& p : {pipelines, path, both, missing}) std::remove(p.c_str());
}

}  // namespace
}  // namespace logcap
