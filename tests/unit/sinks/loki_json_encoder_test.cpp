#include "sinks/loki/loki_json_encoder.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <limits>
#include <string>

#include "unit/sinks/loki_test_push.h"

namespace logcap {
namespace {

using testing_loki::TestEntry;
using testing_loki::TestPush;
using testing_loki::TestStream;

std::string Encode(TestPush& push, bool with_metadata) {
  std::string out;
  EncodeLokiJson(push.View(), with_metadata, out);
  return out;
}

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  EXPECT_FALSE(doc.HasParseError()) << json.substr(0, 300);
  return doc;
}

std::string Str(const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

TEST(LokiJsonEncoder, TheDocumentedShape) {
  TestPush push;
  push.streams.push_back({{{"job", "app"}, {"level", "info"}},
                          {TestEntry{1700000000123456789, "the line", {}},
                           TestEntry{1700000000123456790, "line", {{"trace_id", "abc"}}}}});
  EXPECT_EQ(Encode(push, true),
            R"({"streams":[{"stream":{"job":"app","level":"info"},"values":[["1700000000123456789","the line"],)"
            R"(["1700000000123456790","line",{"trace_id":"abc"}]]}]})");
  EXPECT_EQ(Encode(push, false),
            R"({"streams":[{"stream":{"job":"app","level":"info"},"values":[["1700000000123456789","the line"],)"
            R"(["1700000000123456790","line"]]}]})");
}

TEST(LokiJsonEncoder, EmptyPushAndEmptyStreams) {
  TestPush push;
  EXPECT_EQ(Encode(push, true), R"({"streams":[]})");
  push.streams.push_back({});
  push.streams.push_back({{{"a", "b"}}, {TestEntry{0, "", {}}}});
  EXPECT_EQ(Encode(push, true), R"({"streams":[{"stream":{},"values":[]},{"stream":{"a":"b"},"values":[["0",""]]}]})");
}

TEST(LokiJsonEncoder, ManyStreamsParseBack) {
  TestPush push;
  for (int s = 0; s < 20; ++s) {
    TestStream stream{{{"job", "j" + std::to_string(s)}, {"level", "info"}}, {}};
    for (int i = 0; i < 100; ++i) {
      TestEntry e{1'700'000'000'000'000'000 + i, "line " + std::to_string(i) + " of " + std::to_string(s), {}};
      if (i % 2) e.metadata = {{"trace_id", std::to_string(i)}, {"user", "u\"" + std::to_string(s)}};
      stream.entries.push_back(e);
    }
    push.streams.push_back(stream);
  }
  for (bool with_metadata : {false, true}) {
    const rapidjson::Document doc = Parse(Encode(push, with_metadata));
    const auto& streams = doc["streams"];
    ASSERT_EQ(streams.Size(), 20u);
    for (rapidjson::SizeType s = 0; s < streams.Size(); ++s) {
      EXPECT_EQ(Str(streams[s]["stream"]["job"]), "j" + std::to_string(s));
      EXPECT_EQ(streams[s]["stream"].MemberCount(), 2u);
      const auto& values = streams[s]["values"];
      ASSERT_EQ(values.Size(), 100u);
      for (rapidjson::SizeType i = 0; i < values.Size(); ++i) {
        const TestEntry& want = push.streams[s].entries[i];
        EXPECT_EQ(Str(values[i][0]), std::to_string(want.timestamp));
        EXPECT_EQ(Str(values[i][1]), want.line);
        if (with_metadata && !want.metadata.empty()) {
          ASSERT_EQ(values[i].Size(), 3u);
          EXPECT_EQ(Str(values[i][2]["trace_id"]), want.metadata[0].second);
          EXPECT_EQ(Str(values[i][2]["user"]), want.metadata[1].second);
        } else {
          EXPECT_EQ(values[i].Size(), 2u);
        }
      }
    }
  }
}

TEST(LokiJsonEncoder, EscapesQuotesNewlinesAndControls) {
  TestPush push;
  const std::string line = "say \"hi\"\n\tpath=C:\\temp \x01 {\"json\":true}";
  const std::string value = "v\"al\nue\\";
  push.streams.push_back({{{"job", value}}, {TestEntry{1, line, {{"k\"ey", value}}}}});
  const rapidjson::Document doc = Parse(Encode(push, true));
  EXPECT_EQ(Str(doc["streams"][0]["stream"]["job"]), value);
  EXPECT_EQ(Str(doc["streams"][0]["values"][0][1]), line);
  EXPECT_EQ(Str(doc["streams"][0]["values"][0][2]["k\"ey"]), value);
}

TEST(LokiJsonEncoder, InvalidUtf8BecomesReplacementCharacter) {
  TestPush push;
  push.streams.push_back({{{"job", "a\xFF"}}, {TestEntry{1, "bad \xC3( \xED\xA0\x80 ok \xF0\x9F\x98\x80", {{"k", "\x80"}}}}});
  const std::string json = Encode(push, true);
  const rapidjson::Document doc = Parse(json);  // kParseValidateEncodingFlag: the output is valid UTF-8
  EXPECT_EQ(Str(doc["streams"][0]["stream"]["job"]), "a\xEF\xBF\xBD");
  EXPECT_EQ(Str(doc["streams"][0]["values"][0][1]),
            "bad \xEF\xBF\xBD( \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD ok \xF0\x9F\x98\x80");
  EXPECT_EQ(Str(doc["streams"][0]["values"][0][2]["k"]), "\xEF\xBF\xBD");
}

TEST(LokiJsonEncoder, TimestampsAreDecimalStrings) {
  TestPush push;
  const Nanos max = std::numeric_limits<Nanos>::max();
  const Nanos min = std::numeric_limits<Nanos>::min();
  push.streams.push_back({{{"job", "t"}}, {TestEntry{0, "a", {}}, TestEntry{-1, "b", {}}, TestEntry{max, "c", {}}, TestEntry{min, "d", {}}}});
  const rapidjson::Document doc = Parse(Encode(push, false));
  const auto& values = doc["streams"][0]["values"];
  EXPECT_EQ(Str(values[0][0]), "0");
  EXPECT_EQ(Str(values[1][0]), "-1");
  EXPECT_EQ(Str(values[2][0]), "9223372036854775807");
  EXPECT_EQ(Str(values[3][0]), "-9223372036854775808");
}

TEST(LokiJsonEncoder, LargeLinesAndBufferReuse) {
  TestPush push;
  std::string big(1 << 20, 'q');
  big[1000] = '"';
  big[2000] = '\n';
  push.streams.push_back({{{"job", "big"}}, {TestEntry{1, big, {}}, TestEntry{2, big, {}}}});
  std::string out = "stale";
  EncodeLokiJson(push.View(), true, out);
  const rapidjson::Document doc = Parse(out);
  EXPECT_EQ(Str(doc["streams"][0]["values"][1][1]), big);
  const std::string first = out;
  const char* data = out.data();
  EncodeLokiJson(push.View(), true, out);
  EXPECT_EQ(out, first);
  EXPECT_EQ(out.data(), data);
}

}  // namespace
}  // namespace logcap
