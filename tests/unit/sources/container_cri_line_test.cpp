#include "sources/container/cri_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/event.h"
#include "sources/container/partial_joiner.h"

namespace logcap {
namespace {

constexpr Nanos kSeven = 1795503600LL * kNanosPerSecond;  // 2026-11-24T07:00:00Z

TEST(CriLineTest, DecodesAFullLine) {
  CriLine l;
  ASSERT_TRUE(ParseCriLine("2026-11-24T07:00:00.123456789Z stdout F hello world", &l).ok());
  EXPECT_EQ(l.time, kSeven + 123456789);
  EXPECT_EQ(l.stream, ContainerStream::kStdout);
  EXPECT_FALSE(l.partial);
  EXPECT_EQ(l.message, "hello world");
}

TEST(CriLineTest, PartAndStderrAndOffsetTime) {
  CriLine l;
  // containerd writes local time with its offset.
  ASSERT_TRUE(ParseCriLine("2026-11-24T08:00:00.5+01:00 stderr P first part", &l).ok());
  EXPECT_EQ(l.time, kSeven + 500000000);
  EXPECT_EQ(l.stream, ContainerStream::kStderr);
  EXPECT_TRUE(l.partial);
  EXPECT_EQ(l.message, "first part");
}

TEST(CriLineTest, MessageIsKeptByteForByte) {
  CriLine l;
  ASSERT_TRUE(ParseCriLine("2026-11-24T07:00:00Z stdout F   leading spaces and  double  ", &l).ok());
  EXPECT_EQ(l.message, "  leading spaces and  double  ");
  ASSERT_TRUE(ParseCriLine("2026-11-24T07:00:00Z stdout F {\"json\":\"caf\xC3\xA9\\n\"} \xF0\x9F\x98\x80\t", &l).ok());
  EXPECT_EQ(l.message, "{\"json\":\"caf\xC3\xA9\\n\"} \xF0\x9F\x98\x80\t");
  // One trailing newline (the line as read) is removed.
  ASSERT_TRUE(ParseCriLine("2026-11-24T07:00:00Z stdout F text\n", &l).ok());
  EXPECT_EQ(l.message, "text");
}

TEST(CriLineTest, EmptyMessage) {
  CriLine l;
  ASSERT_TRUE(ParseCriLine("2026-11-24T07:00:00Z stdout F ", &l).ok());
  EXPECT_EQ(l.message, "");
  EXPECT_FALSE(l.partial);
  ASSERT_TRUE(ParseCriLine("2026-11-24T07:00:00Z stderr F", &l).ok());  // without the space
  EXPECT_EQ(l.message, "");
  EXPECT_EQ(l.stream, ContainerStream::kStderr);
  ASSERT_TRUE(ParseCriLine("2026-11-24T07:00:00Z stdout P \n", &l).ok());
  EXPECT_EQ(l.message, "");
  EXPECT_TRUE(l.partial);
}

TEST(CriLineTest, TagsAfterAColonAreAccepted) {
  CriLine l;
  ASSERT_TRUE(ParseCriLine("2026-11-24T07:00:00Z stdout F:x msg", &l).ok());
  EXPECT_FALSE(l.partial);
  EXPECT_EQ(l.message, "msg");
  ASSERT_TRUE(ParseCriLine("2026-11-24T07:00:00Z stdout P:a:b msg", &l).ok());
  EXPECT_TRUE(l.partial);
  EXPECT_EQ(l.message, "msg");
}

TEST(CriLineTest, MalformedLinesAreNamed) {
  struct Case {
    std::string line, expected;
  };
  const std::vector<Case> cases = {
      {"", "empty line"},
      {"2026-11-24T07:00:00Z", "missing stream"},
      {"2026-11-24T07:00:00Z stdout", "missing the P/F tag"},
      {"yesterday stdout F msg", "the time is not RFC 3339: \"yesterday\""},
      {"2026-11-24 stdout F msg", "not RFC 3339"},
      {"2026-11-24T07:00:00.Z stdout F msg", "not RFC 3339"},
      {"2026-11-24T25:00:00Z stdout F msg", "not RFC 3339"},
      {"9999-11-24T07:00:00Z stdout F msg", "not RFC 3339"},
      {" stdout F msg", "not RFC 3339"},
      {"2026-11-24T07:00:00Z stdin F msg", "not \"stdin\""},
      {"2026-11-24T07:00:00Z  stdout F msg", "the stream must be"},
      {"2026-11-24T07:00:00Z STDOUT F msg", "the stream must be"},
      {"2026-11-24T07:00:00Z stdout X msg", "the tag must be"},
      {"2026-11-24T07:00:00Z stdout FF msg", "the tag must be"},
      {"2026-11-24T07:00:00Z stdout  msg", "the tag must be"},
      {"2026-11-24T07:00:00Z stdout p msg", "the tag must be"},
      {"hello world", "the time is not RFC 3339"},
  };
  for (const Case& c : cases) {
    CriLine l;
    Status s = ParseCriLine(c.line, &l);
    ASSERT_FALSE(s.ok()) << c.line;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << c.line << " -> " << s.message();
    EXPECT_NE(s.message().find("CRI log line"), std::string::npos) << s.message();
  }
}

TEST(CriLineTest, EveryPrefixFailsOrParsesWithoutCrashing) {
  const std::string line = "2026-11-24T07:00:00.123456789Z stdout F hello";
  for (size_t n = 0; n <= line.size(); ++n) {
    CriLine l;
    Status s = ParseCriLine(std::string_view(line).substr(0, n), &l);
    // Complete from the tag on; before it, always an error.
    EXPECT_EQ(s.ok(), n >= 39) << n << " " << s.ToString();
  }
}

TEST(CriLineTest, PartsJoinUpToTheF) {
  const std::vector<std::string> lines = {
      "2026-11-24T07:00:00.000000001Z stdout P aaa",
      "2026-11-24T07:00:00.000000002Z stdout P bbb",
      "2026-11-24T07:00:00.000000003Z stdout F ccc",
      "2026-11-24T07:00:00.000000004Z stdout F single",
  };
  PartialJoiner joiner(1 << 20);
  std::vector<PartialJoiner::Line> out;
  std::vector<std::string> texts;
  for (const std::string& text : lines) {
    CriLine l;
    ASSERT_TRUE(ParseCriLine(text, &l).ok());
    if (auto joined = joiner.Add(l.stream, l.message, l.time, !l.partial)) {
      out.push_back(*joined);
      texts.emplace_back(joined->text);
    }
  }
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[0], "aaabbbccc");
  EXPECT_EQ(out[0].time, kSeven + 1);
  EXPECT_EQ(out[0].parts, 3u);
  EXPECT_EQ(texts[1], "single");
  EXPECT_EQ(out[1].time, kSeven + 4);
  EXPECT_EQ(out[1].parts, 1u);
}

}  // namespace
}  // namespace logcap
