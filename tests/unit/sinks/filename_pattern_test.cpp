#include "sinks/local_file/filename_pattern.h"

#include <gtest/gtest.h>

#include "unit/sinks/sink_test_util.h"

namespace logcap {
namespace {

using sinks_test::MakeSource;

std::string Render(const std::string& pattern, const SourceInfo& source, std::string_view container = "unknown") {
  FilenamePattern p;
  Status status = FilenamePattern::Parse(pattern, &p);
  EXPECT_TRUE(status.ok()) << status.ToString();
  std::string out;
  p.Render("2026-11-23", &source, container, out);
  return out;
}

TEST(FilenamePattern, SubstitutesEveryVariable) {
  auto source = MakeSource("docker", "abc123", "web-1");
  EXPECT_EQ(Render("{source_type}-{date}.log", *source), "docker-2026-11-23.log");
  EXPECT_EQ(Render("{source_name}/{container_name}_{date}.json", *source, "api"), "web-1/api_2026-11-23.json");
  EXPECT_EQ(Render("plain.log", *source), "plain.log");
}

TEST(FilenamePattern, SanitisesValuesSoTheyCannotLeaveTheDirectory) {
  auto source = MakeSource("file", "/x", "../../etc/passwd");
  EXPECT_EQ(Render("{source_name}.log", *source), "_._.._etc_passwd.log");
  auto hidden = MakeSource("file", "/x", ".hidden");
  EXPECT_EQ(Render("{source_name}", *hidden), "_hidden");
  auto control = MakeSource("fi/le", "/x", std::string("a\0b\nc", 5));
  EXPECT_EQ(Render("{source_type}-{source_name}", *control), "fi_le-a_b_c");
  auto empty = MakeSource("", "/x", "");
  EXPECT_EQ(Render("{source_type}-{source_name}", *empty), "unknown-unknown");
  auto long_name = MakeSource("file", "/x", std::string(500, 'n'));
  EXPECT_EQ(Render("{source_name}", *long_name).size(), FilenamePattern::kMaxValueBytes);
}

TEST(FilenamePattern, RejectsUnknownVariablesByName) {
  FilenamePattern p;
  Status status = FilenamePattern::Parse("{source_type}-{hostname}.log", &p);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find("{hostname}"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("{container_name}"), std::string::npos) << "lists the known ones";
}

TEST(FilenamePattern, RejectsPathsThatEscapeOrAreMalformed) {
  FilenamePattern p;
  for (const char* bad : {"", "/abs/{date}.log", "../{date}.log", "a/../b.log", "./x.log", "a//b.log", "dir/",
                          "{date", "x-{source_type.log"}) {
    EXPECT_FALSE(FilenamePattern::Parse(bad, &p).ok()) << bad;
  }
  EXPECT_TRUE(FilenamePattern::Parse("{source_type}/{date}/out.log", &p).ok());
  EXPECT_TRUE(FilenamePattern::Parse("{date}", &p).ok());  // a variable alone is a valid segment
}

TEST(FilenamePattern, ReportsWhichVariablesItUses) {
  FilenamePattern p;
  ASSERT_TRUE(FilenamePattern::Parse("{source_type}-{date}.log", &p).ok());
  EXPECT_TRUE(p.Uses(FilenamePattern::Var::kDate));
  EXPECT_TRUE(p.Uses(FilenamePattern::Var::kSourceType));
  EXPECT_FALSE(p.Uses(FilenamePattern::Var::kContainerName));
}

}  // namespace
}  // namespace logcap
