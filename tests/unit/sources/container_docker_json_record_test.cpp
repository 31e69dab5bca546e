#include "sources/container/docker_json_record.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "sources/container/partial_joiner.h"

namespace logcap {
namespace {

constexpr Nanos kSeven = 1795503600LL * kNanosPerSecond;  // 2026-11-24T07:00:00Z

// The text as Docker's json-file driver escapes it (Go's rules: '"', '\\', control characters,
// and "<", ">", "&", U+2028, U+2029 as \u escapes).
std::string GoEscape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string Record(std::string_view log, std::string_view stream = "stdout",
                   std::string_view time = "2026-11-24T07:00:00.123456789Z") {
  return "{\"log\":\"" + GoEscape(log) + "\",\"stream\":\"" + std::string(stream) + "\",\"time\":\"" +
         std::string(time) + "\"}";
}

TEST(DockerJsonDecoderTest, DecodesACompleteRecord) {
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  ASSERT_TRUE(decoder.Decode(R"({"log":"hello world\n","stream":"stdout","time":"2026-11-24T07:00:00.123456789Z"})", &r).ok());
  EXPECT_EQ(r.log, "hello world");
  EXPECT_FALSE(r.partial);
  EXPECT_EQ(r.stream, ContainerStream::kStdout);
  EXPECT_EQ(r.time, kSeven + 123456789);
  EXPECT_TRUE(r.attrs.empty());
}

TEST(DockerJsonDecoderTest, StderrAndTrimmedFractionAndTrailingNewline) {
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  // Go's RFC3339Nano drops trailing zeros of the fraction; the line as read may keep its "\n".
  ASSERT_TRUE(decoder.Decode("{\"log\":\"oops\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T07:00:00.5Z\"}\n", &r).ok());
  EXPECT_EQ(r.log, "oops");
  EXPECT_EQ(r.stream, ContainerStream::kStderr);
  EXPECT_EQ(r.time, kSeven + 500000000);
  ASSERT_TRUE(decoder.Decode("{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-24T07:00:00Z\"}\r\n", &r).ok());
  EXPECT_EQ(r.time, kSeven);
}

TEST(DockerJsonDecoderTest, KeysInAnyOrderAndUnknownKeysSkipped) {
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  ASSERT_TRUE(decoder.Decode(R"({"time":"2026-11-24T07:00:01Z","extra":{"a":[1,2,{"b":null}]},"stream":"stderr","log":"b\n"})", &r).ok());
  EXPECT_EQ(r.log, "b");
  EXPECT_EQ(r.stream, ContainerStream::kStderr);
  EXPECT_EQ(r.time, kSeven + kNanosPerSecond);
}

TEST(DockerJsonDecoderTest, PartialRecordHasNoNewline) {
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  std::string line;  // r.log may point into it (docker_json_record.h)
  ASSERT_TRUE(decoder.Decode(line = Record("first 16 KiB"), &r).ok());
  EXPECT_TRUE(r.partial);
  EXPECT_EQ(r.log, "first 16 KiB");
  ASSERT_TRUE(decoder.Decode(line = Record(""), &r).ok());  // empty and without newline: a partial too
  EXPECT_TRUE(r.partial);
  EXPECT_EQ(r.log, "");
  ASSERT_TRUE(decoder.Decode(line = Record("\n"), &r).ok());  // an empty line
  EXPECT_FALSE(r.partial);
  EXPECT_EQ(r.log, "");
}

TEST(DockerJsonDecoderTest, TtyCarriageReturnIsStripped) {
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  std::string line;  // r.log may point into it (docker_json_record.h)
  ASSERT_TRUE(decoder.Decode(line = Record("tty line\r\n"), &r).ok());
  EXPECT_EQ(r.log, "tty line");
  EXPECT_FALSE(r.partial);
  ASSERT_TRUE(decoder.Decode(line = Record("inner\rcr\n"), &r).ok());
  EXPECT_EQ(r.log, "inner\rcr");
}

TEST(DockerJsonDecoderTest, UnicodeAndEscapesAreUnescaped) {
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  std::string line;  // r.log may point into it (docker_json_record.h)
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 <b>&amp; \"q\" back\\slash\ttab \x01 end";
  ASSERT_TRUE(decoder.Decode(line = Record(text + "\n"), &r).ok());
  EXPECT_EQ(r.log, text);
  // \u escapes, surrogate pairs, and an embedded newline that is not the last byte.
  ASSERT_TRUE(decoder.Decode(R"({"log":"\u00e9\u20ac\ud83d\ude00 a\nb \/\n","stream":"stdout","time":"2026-11-24T07:00:00Z"})", &r).ok());
  EXPECT_EQ(r.log, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 a\nb /");
  EXPECT_FALSE(r.partial);
}

TEST(DockerJsonDecoderTest, AttrsAreKeptAsRawJson) {
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  ASSERT_TRUE(decoder.Decode(R"({"log":"x\n","stream":"stdout","attrs":{"tag":"web","env":"a\"b"} ,"time":"2026-11-24T07:00:00Z"})", &r).ok());
  EXPECT_EQ(r.attrs, R"({"tag":"web","env":"a\"b"})");
  EXPECT_EQ(r.log, "x");
  ASSERT_TRUE(decoder.Decode(R"({"log":"x\n","stream":"stdout","attrs":null,"time":"2026-11-24T07:00:00Z"})", &r).ok());
  EXPECT_TRUE(r.attrs.empty());
  Status s = decoder.Decode(R"({"log":"x\n","stream":"stdout","attrs":{"n":1},"time":"2026-11-24T07:00:00Z"})", &r);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("attrs.n"), std::string::npos) << s.message();
  s = decoder.Decode(R"({"log":"x\n","stream":"stdout","attrs":[],"time":"2026-11-24T07:00:00Z"})", &r);
  EXPECT_NE(s.message().find("\"attrs\" must be an object"), std::string::npos) << s.message();
}

struct BadCase {
  std::string line;
  std::string expected;  // a part of the error message
};

TEST(DockerJsonDecoderTest, MalformedRecordsAreNamed) {
  const std::vector<BadCase> cases = {
      {"", "invalid JSON"},
      {"not json", ""},  // "invalid JSON" or "not a JSON object", as simdjson sees it
      {R"({"log":"abc\n","stream":"stdout","time":"2026-11-24T07:00:00Z")", "invalid JSON"},  // cut short
      {R"({"log":"abc\n","stream":"stdout","time":"2026-11-24T07:00:00Z"}{"log":"x"})", "after the object"},
      {R"({"log":"abc\n","stream":"stdout","time":"2026-11-24T07:00:00Z"} x)", ""},  // simdjson: "ended early" or "after the object"
      {R"(["log","abc"])", "not a JSON object"},
      {R"("just a string")", "not a JSON object"},
      {R"({"stream":"stdout","time":"2026-11-24T07:00:00Z"})", "missing \"log\""},
      {R"({"log":"a\n","time":"2026-11-24T07:00:00Z"})", "missing \"stream\""},
      {R"({"log":"a\n","stream":"stdout"})", "missing \"time\""},
      {R"({"log":42,"stream":"stdout","time":"2026-11-24T07:00:00Z"})", "\"log\" must be a string"},
      {R"({"log":null,"stream":"stdout","time":"2026-11-24T07:00:00Z"})", "\"log\" must be a string"},
      {R"({"log":"a\n","stream":1,"time":"2026-11-24T07:00:00Z"})", "\"stream\" must be a string"},
      {R"({"log":"a\n","stream":"stdin","time":"2026-11-24T07:00:00Z"})", "\"stream\" must be \"stdout\" or \"stderr\", not \"stdin\""},
      {R"({"log":"a\n","stream":"stdout","time":1795503600})", "\"time\" must be an RFC 3339 string"},
      {R"({"log":"a\n","stream":"stdout","time":"yesterday"})", "\"time\" is not an RFC 3339 time: \"yesterday\""},
      {R"({"log":"a\n","stream":"stdout","time":"2026-13-24T07:00:00Z"})", "not an RFC 3339"},
      {R"({"log":"a\n","stream":"stdout","time":"2026-11-24T07:00:00"})", "not an RFC 3339"},
      {R"({"log":"a\n","stream":"stdout","time":"9999-11-24T07:00:00Z"})", "not an RFC 3339"},
      {R"({"log":"bad \x escape\n","stream":"stdout","time":"2026-11-24T07:00:00Z"})", "invalid JSON"},
      {"{\"log\":\"bad utf8 \xC3\x28\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-24T07:00:00Z\"}", "invalid JSON"},
      {"{\"log\":\"raw\ttab\",\"stream\":\"stdout\",\"time\":\"2026-11-24T07:00:00Z\"}", "invalid JSON"},
  };
  DockerJsonDecoder decoder;
  for (const BadCase& c : cases) {
    DockerJsonRecord r;
    Status s = decoder.Decode(c.line, &r);
    ASSERT_FALSE(s.ok()) << c.line;
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.line;
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << c.line << " -> " << s.message();
    EXPECT_NE(s.message().find("docker json-file record"), std::string::npos) << s.message();
  }
  // The decoder is still fine afterwards.
  DockerJsonRecord r;
  std::string line;
  ASSERT_TRUE(decoder.Decode(line = Record("after\n"), &r).ok());
  EXPECT_EQ(r.log, "after");
}

TEST(DockerJsonDecoderTest, TruncatedPrefixesNeverCrash) {
  // Every prefix of a valid record (what a reader sees of a line being written) fails cleanly.
  const std::string line = R"({"log":"caf\u00e9 \"x\"\n","stream":"stdout","attrs":{"a":"b"},"time":"2026-11-24T07:00:00.1Z"})";
  DockerJsonDecoder decoder;
  for (size_t n = 0; n < line.size(); ++n) {
    DockerJsonRecord r;
    EXPECT_FALSE(decoder.Decode(std::string_view(line).substr(0, n), &r).ok()) << n;
  }
  DockerJsonRecord r;
  ASSERT_TRUE(decoder.Decode(line, &r).ok());
  EXPECT_EQ(r.log, "caf\xC3\xA9 \"x\"");
}

TEST(DockerJsonDecoderTest, ViewsStayValidUntilTheNextDecodeAndBuffersAreReused) {
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  std::string line;  // r.log may point into it (docker_json_record.h)
  const std::string big(100000, 'z');
  ASSERT_TRUE(decoder.Decode(line = Record(big + "\n"), &r).ok());
  EXPECT_EQ(r.log, big);
  ASSERT_TRUE(decoder.Decode(line = Record("small\n"), &r).ok());
  EXPECT_EQ(r.log, "small");
}

// Docker cuts a line longer than 16 KiB into records of 16 KiB without a newline; the last carries
// it. Decoding them and joining gives the line back, with the first record's time.
TEST(DockerJsonDecoderTest, SixteenKiBSplitRecordsJoin) {
  constexpr size_t kChunk = 16 * 1024;
  std::string line;
  // ASCII only: Docker cuts at 16 KiB whatever the bytes, and replaces a character it cuts in two
  // with U+FFFD, which the join cannot undo.
  for (size_t i = 0; line.size() < 40000; ++i) line += "word" + std::to_string(i) + " <&> \"q\" \\ ";
  std::vector<std::string> records;
  for (size_t pos = 0; pos < line.size(); pos += kChunk) {
    std::string part = line.substr(pos, kChunk);
    if (pos + kChunk >= line.size()) part += "\n";
    const std::string time = "2026-11-24T07:00:0" + std::to_string(records.size()) + "Z";
    records.push_back(Record(part, "stdout", time));
  }
  ASSERT_EQ(records.size(), 3u);

  DockerJsonDecoder decoder;
  PartialJoiner joiner(1 << 20);
  std::vector<std::string> got;
  std::vector<Nanos> times;
  for (const std::string& rec : records) {
    DockerJsonRecord r;
    ASSERT_TRUE(decoder.Decode(rec, &r).ok());
    auto joined = joiner.Add(r.stream, r.log, r.time, !r.partial);
    if (joined) {
      got.emplace_back(joined->text);
      times.push_back(joined->time);
      EXPECT_EQ(joined->parts, 3u);
      EXPECT_EQ(joined->flags, 0);
    }
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], line);
  EXPECT_EQ(times[0], kSeven);
  EXPECT_EQ(joiner.stats().joined_lines, 1u);
}

}  // namespace
}  // namespace logcap
