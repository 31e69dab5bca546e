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

}  // namespace
}  // namespace logcap
