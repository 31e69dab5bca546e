#include "codec/event_json_decoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "codec/event_encoder.h"

namespace logcap {
namespace {

constexpr Nanos kTime = 1795428000LL * kNanosPerSecond + 123456789;

std::shared_ptr<SourceInfo> Source(std::string type, std::string id, Labels labels = {}) {
  auto s = std::make_shared<SourceInfo>();
  s->type = std::move(type);
  s->id = std::move(id);
  s->component = "test";
  s->labels = std::move(labels);
  return s;
}

// One event in a batch of its own, encoded as the sinks write it (with its newline).
struct Spec {
  std::shared_ptr<const SourceInfo> source;
  std::string message;
  Nanos source_time = kTime;
  Level level = Level::kUnknown;
  uint8_t flags = 0;
  bool with_attributes = false;
  Labels labels;
  std::string fields;
  TraceContext trace;
};

std::string EncodeSpec(const Spec& spec) {
  EventBatch batch;
  auto block = ByteBlock::Create(spec.message.size() + 1);
  if (!spec.message.empty()) std::memcpy(block->data(), spec.message.data(), spec.message.size());
  block->set_size(spec.message.size());
  batch.RetainBlock(block);
  Event e;
  e.message = std::string_view(block->data(), spec.message.size());
  e.source_time = spec.source_time;
  e.read_time = kTime + 1;
  e.source = spec.source ? batch.RetainSource(spec.source) : nullptr;
  e.level = spec.level;
  e.flags = spec.flags;
  e.trace = spec.trace;
  if (spec.with_attributes) e.attributes = batch.AddAttributes(EventAttributes{spec.labels, spec.fields});
  batch.Add(e);
  TimestampFormatter ts;
  std::string out;
  AppendEventJson(batch, batch.events()[0], ts, out);
  return out;
}

std::string EncodeAll(const EventBatch& batch) {
  TimestampFormatter ts;
  std::string out;
  for (const Event& e : batch.events()) AppendEventJson(batch, e, ts, out);
  return out;
}

TEST(EventJsonDecoderTest, ReadsEveryKey) {
  Spec spec;
  spec.source = Source("file", "/var/log/app.log", {{"job", "varlogs"}});
  spec.message = "hello \"world\"\n\ttab \\ slash";
  spec.level = Level::kWarn;
  spec.flags = kFlagTruncated | kFlagPartial;
  spec.with_attributes = true;
  spec.labels = {{"pod", "web-1"}};
  spec.fields = R"({"user":"ann","n":[1,2.5e3,{"x":null,"t":true}],"s":"\u00e9"})";
  for (size_t i = 0; i < 16; ++i) spec.trace.trace_id[i] = static_cast<uint8_t>(0xa0 + i);
  for (size_t i = 0; i < 8; ++i) spec.trace.span_id[i] = static_cast<uint8_t>(i);
  const std::string line = EncodeSpec(spec);

  EventJsonDecoder decoder("dlq_replay");
  EventBatch batch;
  const Nanos before = WallNowNanos();
  ASSERT_TRUE(decoder.Decode(line, &batch).ok());
  ASSERT_EQ(batch.size(), 1u);
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, spec.message);
  EXPECT_EQ(e.source_time, kTime);
  EXPECT_GE(e.read_time, before);
  EXPECT_EQ(e.level, Level::kWarn);
  EXPECT_EQ(e.flags, kFlagTruncated | kFlagPartial);
  EXPECT_EQ(e.trace.trace_id, spec.trace.trace_id);
  EXPECT_EQ(e.trace.span_id, spec.trace.span_id);
  ASSERT_NE(e.source, nullptr);
  EXPECT_EQ(e.source->type, "file");
  EXPECT_EQ(e.source->id, "/var/log/app.log");
  EXPECT_EQ(e.source->name, "app.log");
  EXPECT_EQ(e.source->component, "dlq_replay");
  EXPECT_EQ(e.source->labels, (Labels{{"job", "varlogs"}, {"pod", "web-1"}}));  // merged, as written
  const EventAttributes* a = batch.AttributesOf(e);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->labels.empty());
  EXPECT_EQ(a->fields_json, spec.fields);
  EXPECT_EQ(EncodeAll(batch), line);
}

// Strings that stress the escaper and the unescaper.
std::vector<std::string> TrickyMessages() {
  static constexpr char kControls[] = "controls \x01\x02\x1f\b\f\n\r\t and nul \0 inside";
  return {
      "",
      "plain ascii line",
      "quotes \" and backslashes \\ and \\\" mixed",
      std::string(kControls, sizeof(kControls) - 1),
      "unicode: é ü ß 日本語 中文 emoji 😀👍🏽 and \u2028 line separator",
      "invalid utf8: \xC3( \xFF \xED\xA0\x80 \xF0\x9F\x98",  // becomes U+FFFD in JSON
      "json in json: {\"level\":\"info\",\"msg\":\"x\\\"y\",\"n\":1}",
      "slash / and del \x7f",
      std::string(300, '"'),
      std::string(5000, 'a') + "\\u0041",
  };
}

TEST(EventJsonDecoderTest, EncodeDecodeEncodeGivesTheSameLine) {
  std::mt19937_64 rng(7);
  const auto messages = TrickyMessages();
  std::vector<std::shared_ptr<const SourceInfo>> sources = {
      Source("file", "/var/log/app.log", {{"job", "varlogs"}}),
      Source("docker", "c0ffee", {{"image", "nginx:1.25"}, {"name", "web \"1\""}}),
      Source("http", "api", {}),
      Source("file", "/weird/\xE2\x80\xA8/p\"ath\\x.log", {{"k\te\ny", "v\x01\xF0\x9F\x98\x80"}}),
      nullptr,
  };
  const std::vector<std::string> fields = {
      "{}", R"({"a":1})", R"({"nested":{"deep":[1,[2,[3]],{"e":""}]},"f":-0.5e-3,"b":false,"n":null})",
      "{\"s\":\"\\u00e9\\n\\\"\"}", "{ \"spaced\" : [ 1 , 2 ] }"};

  std::vector<std::string> lines;
  for (int i = 0; i < 600; ++i) {
    Spec spec;
    spec.source = sources[rng() % sources.size()];
    spec.message = messages[rng() % messages.size()];
    if (rng() % 3 == 0) spec.message += std::to_string(rng());
    spec.source_time = static_cast<Nanos>(rng() % (4102444800LL * kNanosPerSecond)) + 1;  // 1970 .. 2100
    spec.level = static_cast<Level>(rng() % 7);
    spec.flags = static_cast<uint8_t>(rng() % 4);
    if (rng() % 2) {
      spec.with_attributes = true;
      if (rng() % 2) spec.labels = {{"job", "overridden"}, {"extra", std::to_string(i)}};
      if (rng() % 2) spec.fields = fields[rng() % fields.size()];
    }
    if (rng() % 3 == 0) {
      for (auto& b : spec.trace.trace_id) b = static_cast<uint8_t>(rng());
      for (auto& b : spec.trace.span_id) b = static_cast<uint8_t>(rng());
      spec.trace.trace_id[0] |= 1;  // valid
    }
    lines.push_back(EncodeSpec(spec));
  }

  // One line at a time.
  EventJsonDecoder decoder;
  for (const std::string& line : lines) {
    EventBatch batch;
    Status s = decoder.Decode(line, &batch);
    ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << line;
    ASSERT_EQ(EncodeAll(batch), line);
  }
  // All at once, into one batch.
  std::vector<std::string_view> views(lines.begin(), lines.end());
  EventBatch all;
  ASSERT_TRUE(decoder.DecodeLines(views, &all).ok());
  std::string expected;
  for (const auto& l : lines) expected += l;
  EXPECT_EQ(EncodeAll(all), expected);
}

TEST(EventJsonDecoderTest, EqualSourcesShareOneSourceInfo) {
  EventJsonDecoder decoder;
  EventBatch batch;
  const char* lines[] = {
      R"({"message":"1","source_type":"file","source_id":"/a","labels":{"x":"1","y":"2"}})",
      R"({"message":"2","source_type":"file","source_id":"/a","labels":{"y":"2","x":"1"}})",  // order differs
      R"({"message":"3","source_type":"file","source_id":"/a","labels":{"x":"9","y":"2"}})",
      R"({"message":"4","source_type":"file","source_id":"/b","labels":{"x":"1","y":"2"}})",
      R"({"message":"5","source_type":"file","source_id":"/a","labels":{"x":"1","y":"2"}})",
  };
  for (const char* line : lines) ASSERT_TRUE(decoder.Decode(line, &batch).ok()) << line;
  const auto& ev = batch.events();
  EXPECT_EQ(ev[0].source, ev[1].source);
  EXPECT_EQ(ev[0].source, ev[4].source);
  EXPECT_NE(ev[0].source, ev[2].source);
  EXPECT_NE(ev[0].source, ev[3].source);
  // Across batches too: the SourceInfo is shared, each batch retains it.
  EventBatch other;
  ASSERT_TRUE(decoder.Decode(lines[0], &other).ok());
  EXPECT_EQ(other.events()[0].source, ev[0].source);
}

TEST(EventJsonDecoderTest, DecodeLinesUsesOneBlockAndSkipsBadLines) {
  std::vector<std::string_view> lines = {
      R"({"message":"first"})",
      R"({"message":"a \"quoted\" one"})",
      R"({"message":7})",
      "not json",
      R"({"message":""})",
      R"({"message":"last\n"})",
  };
  EventJsonDecoder decoder;
  EventBatch batch;
  std::vector<EventJsonDecoder::LineError> errors;
  Status s = decoder.DecodeLines(lines, &batch, &errors);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("line 2: \"message\" must be a string"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("and 1 more"), std::string::npos) << s.message();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].index, 2u);
  EXPECT_EQ(errors[1].index, 3u);
  ASSERT_EQ(batch.size(), 4u);
  const auto& ev = batch.events();
  EXPECT_EQ(ev[0].message, "first");
  EXPECT_EQ(ev[1].message, "a \"quoted\" one");
  EXPECT_EQ(ev[2].message, "");
  EXPECT_EQ(ev[3].message, "last\n");
  // Contiguous: every message was unescaped into the same block, one after the other.
  for (size_t i = 0; i + 1 < ev.size(); ++i) EXPECT_EQ(ev[i].message.data() + ev[i].message.size(), ev[i + 1].message.data());
}

TEST(EventJsonDecoderTest, AcceptsWhatAReasonableProducerWrites) {
  EventJsonDecoder decoder;
  EventBatch batch;
  // Any key order, unknown keys, nulls for optional keys, blanks, an escaped key name, a level
  // alias, an offset time, uppercase hex, a trailing newline, false flags.
  const std::string line =
      " { \"extra\" : {\"deep\":[1,2,{}]}, \"level\":\"WARNING\", \"mess\\u0061ge\" : \"hi\", "
      "\"labels\":null, \"fields\":null, \"timestamp\":\"2026-11-23T12:00:00.5+02:00\", "
      "\"trace_id\":\"0123456789ABCDEF0123456789abcdef\", \"truncated\":false, \"partial\":true, "
      "\"span_id\":null, \"unknown_number\": 12.5e10 }\n";
  Status s = decoder.Decode(line, &batch);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, "hi");
  EXPECT_EQ(e.level, Level::kWarn);
  EXPECT_EQ(e.source_time, 1795428000LL * kNanosPerSecond + 500000000);
  EXPECT_EQ(e.flags, kFlagPartial);
  EXPECT_EQ(e.trace.trace_id[0], 0x01);
  EXPECT_EQ(e.trace.trace_id[7], 0xef);
  EXPECT_EQ(e.attributes, kNoAttributes);
  ASSERT_NE(e.source, nullptr);
  EXPECT_EQ(e.source->type, "");
  EXPECT_TRUE(e.source->labels.empty());

  // A message alone: no timestamp means source_time 0 (the encoder then writes the read time).
  ASSERT_TRUE(decoder.Decode(R"({"message":"only"})", &batch).ok());
  EXPECT_EQ(batch.events()[1].source_time, 0);
  EXPECT_EQ(batch.events()[1].level, Level::kUnknown);
  // An unknown level name is not an error.
  ASSERT_TRUE(decoder.Decode(R"({"message":"x","level":"verbose"})", &batch).ok());
  EXPECT_EQ(batch.events()[2].level, Level::kUnknown);
  // A repeated key: the last one wins.
  ASSERT_TRUE(decoder.Decode(R"({"message":"one","message":"two"})", &batch).ok());
  EXPECT_EQ(batch.events()[3].message, "two");
}

TEST(EventJsonDecoderTest, KeepsEscapedNulAndLongMessages) {
  EventJsonDecoder decoder;
  EventBatch batch;
  ASSERT_TRUE(decoder.Decode(R"({"message":"a\u0000b\ud83d\ude00"})", &batch).ok());
  EXPECT_EQ(batch.events()[0].message, std::string("a\0b\xF0\x9F\x98\x80", 7));

  Spec spec;
  spec.source = Source("file", "/big.log");
  spec.message.assign(1 << 20, 'x');
  for (size_t i = 0; i < spec.message.size(); i += 97) spec.message[i] = '"';
  const std::string line = EncodeSpec(spec);
  EventBatch big;
  ASSERT_TRUE(decoder.Decode(line, &big).ok());
  EXPECT_EQ(big.events()[0].message, spec.message);
  EXPECT_EQ(EncodeAll(big), line);
}

struct BadCase {
  const char* name;
  std::string line;
  const char* problem;  // expected in the message
};

TEST(EventJsonDecoderTest, RejectsBadLinesAndAddsNothing) {
  const std::vector<BadCase> cases = {
      {"empty", "", "invalid JSON"},
      {"blank", "   \n", "invalid JSON"},
      {"not json", "hello world", "not a JSON object"},
      {"array", R"(["message","x"])", "not a JSON object"},
      {"string", R"("message")", "not a JSON object"},
      {"unterminated object", R"({"message":"x")", "invalid JSON"},
      {"unterminated string", R"({"message":"x)", "invalid JSON"},
      {"trailing content", R"({"message":"x"} {"message":"y"})", "after the object"},
      {"trailing brace", R"({"message":"x"}})", "invalid JSON"},
      {"raw invalid utf8", "{\"message\":\"\xC3(\"}", "invalid JSON"},
      {"bad escape", R"({"message":"\q"})", "invalid JSON"},
      {"missing message", R"({"timestamp":"2026-11-23T10:00:00Z"})", "missing \"message\""},
      {"message number", R"({"message":5})", "\"message\" must be a string"},
      {"message null", R"({"message":null})", "\"message\" must be a string"},
      {"message object", R"({"message":{"a":1}})", "\"message\" must be a string"},
      {"bad timestamp", R"({"message":"x","timestamp":"yesterday"})", "not an RFC 3339 time"},
      {"timestamp beyond 2262", R"({"message":"x","timestamp":"3026-11-23T10:00:00Z"})", "not an RFC 3339 time"},
      {"timestamp before 1678", R"({"message":"x","timestamp":"0001-01-01T00:00:00Z"})", "not an RFC 3339 time"},
      {"timestamp number", R"({"message":"x","timestamp":1700000000})", "\"timestamp\" must be"},
      {"labels array", R"({"message":"x","labels":["a"]})", "\"labels\" must be an object"},
      {"label number", R"({"message":"x","labels":{"a":1}})", "label \"a\" must be a string"},
      {"fields string", R"({"message":"x","fields":"{}"})", "\"fields\" must be an object"},
      {"fields bad literal", R"({"message":"x","fields":{"a":tru}})", "invalid JSON"},
      {"fields bad number", R"({"message":"x","fields":{"a":[1,-]}})", "invalid JSON"},
      {"short trace id", R"({"message":"x","trace_id":"abc"})", "32 hex digits"},
      {"non-hex span id", R"({"message":"x","span_id":"zz23456789abcdef"})", "16 hex digits"},
      {"flag string", R"({"message":"x","truncated":"yes"})", "\"truncated\" must be true or false"},
      {"level number", R"({"message":"x","level":3})", "\"level\" must be a string"},
  };
  EventJsonDecoder decoder;
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    EventBatch batch;
    Status s = decoder.Decode(c.line, &batch);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find(c.problem), std::string::npos) << s.message();
    EXPECT_TRUE(batch.empty());
  }
  // The decoder is still fine afterwards.
  EventBatch batch;
  EXPECT_TRUE(decoder.Decode(R"({"message":"ok"})", &batch).ok());
  EXPECT_EQ(batch.events()[0].message, "ok");
}

TEST(EventJsonDecoderTest, EveryTruncationOfALineIsRejectedCleanly) {
  Spec spec;
  spec.source = Source("file", "/var/log/app.log", {{"job", "varlogs"}});
  spec.message = "some \"message\" é";
  spec.level = Level::kInfo;
  spec.with_attributes = true;
  spec.fields = R"({"a":[1,{"b":null}]})";
  spec.trace.trace_id[0] = 1;
  std::string line = EncodeSpec(spec);
  line.pop_back();  // the newline
  EventJsonDecoder decoder;
  for (size_t n = 0; n < line.size(); ++n) {
    EventBatch batch;
    Status s = decoder.Decode(std::string_view(line.data(), n), &batch);
    EXPECT_FALSE(s.ok()) << n;
    EXPECT_TRUE(batch.empty());
  }
}

TEST(EventJsonDecoderTest, RandomByteFlipsAreDecodedOrRejectedCleanly) {
  Spec spec;
  spec.source = Source("file", "/var/log/app.log", {{"job", "varlogs"}, {"env", "prod"}});
  spec.message = "a \"message\" with \\ escapes, unicode é 😀 and \u2028";
  spec.level = Level::kError;
  spec.flags = kFlagPartial;
  spec.with_attributes = true;
  spec.labels = {{"pod", "p"}};
  spec.fields = R"({"a":[1,-2.5e3,true,false,null,{"b":"c"}],"d":{}})";
  spec.trace.trace_id[0] = 1;
  spec.trace.span_id[0] = 2;
  const std::string line = EncodeSpec(spec);
  std::mt19937_64 rng(99);
  EventJsonDecoder decoder;
  int ok = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string damaged = line;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) damaged[rng() % damaged.size()] = static_cast<char>(rng());
    EventBatch batch;
    Status s = decoder.Decode(damaged, &batch);
    if (!s.ok()) {
      ASSERT_EQ(s.code(), Status::Code::kInvalidArgument);
      ASSERT_TRUE(batch.empty());
      continue;
    }
    ++ok;
    // Whatever was accepted encodes to a line that decodes again (fields stayed valid JSON).
    const std::string again = EncodeAll(batch);
    EventBatch second;
    Status s2 = decoder.Decode(again, &second);
    ASSERT_TRUE(s2.ok()) << s2.ToString() << "\n" << damaged << "\n" << again;
    ASSERT_EQ(EncodeAll(second), again);
  }
  EXPECT_GT(ok, 0);
}

}  // namespace
}  // namespace logcap
