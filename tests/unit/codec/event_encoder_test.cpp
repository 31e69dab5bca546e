#include "codec/event_encoder.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "codec/json_escape.h"
#include "unit/sinks/sink_test_util.h"

namespace logcap {
namespace {

using sinks_test::BatchBuilder;
using sinks_test::kTime;
using sinks_test::MakeSource;

constexpr const char* kFFFD = "\xEF\xBF\xBD";

std::string Escape(std::string_view in) {
  std::string out;
  AppendJsonEscaped(in, out);
  return out;
}

// Parses one JSON line (validating UTF-8) and returns its "message" string.
std::string ParsedMessage(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
  EXPECT_FALSE(doc.HasParseError()) << rapidjson::GetParseError_En(doc.GetParseError()) << " at "
                                    << doc.GetErrorOffset();
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("message")) return "<invalid>";
  const auto& m = doc["message"];
  return std::string(m.GetString(), m.GetStringLength());
}

std::string EncodeOneJson(std::string_view message) {
  auto source = MakeSource("file", "/var/log/app.log");
  BatchBuilder b;
  b.Add(source, message);
  EventBatch batch = b.Take();
  TimestampFormatter ts;
  std::string out;
  AppendEventJson(batch, batch.events()[0], ts, out);
  return out;
}

// --- The escaper, against an independent byte-at-a-time reference -----------------------------

// True when the k bytes at p (lead plus k-1 continuation bytes of a len-byte form) can still
// become a valid scalar value: some completion is >= the form's minimum, <= U+10FFFF, and not a
// surrogate. This is the definition behind "maximal subpart", computed from code point ranges.
bool CanStillBeValid(const unsigned char* p, int k, int len) {
  uint32_t cp = len == 2 ? (p[0] & 0x1F) : len == 3 ? (p[0] & 0x0F) : (p[0] & 0x07);
  for (int i = 1; i < k; ++i) cp = (cp << 6) | (p[i] & 0x3F);
  const int rem_bits = 6 * (len - k);
  const uint32_t lo = cp << rem_bits;
  const uint32_t hi = lo | ((1u << rem_bits) - 1);
  const uint32_t min_cp = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
  const uint32_t a = std::max(lo, min_cp), z = std::min<uint32_t>(hi, 0x10FFFF);
  if (a > z) return false;
  return !(a >= 0xD800 && z <= 0xDFFF);
}

std::string ReferenceEscape(std::string_view in) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      char buf[8];
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c == '\r') out += "\\r";
      else if (c == '\b') out += "\\b";
      else if (c == '\f') out += "\\f";
      else if (c < 0x20) { snprintf(buf, sizeof(buf), "\\u%04x", c); out += buf; }
      else out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || !CanStillBeValid(p + i, 1, len)) {
      out += kFFFD;
      ++i;
      continue;
    }
    int k = 2;
    for (; k <= len; ++k) {
      if (i + k - 1 >= n || (p[i + k - 1] & 0xC0) != 0x80 || !CanStillBeValid(p + i, k, len)) break;
    }
    if (k <= len) {
      out += kFFFD;
      i += k - 1;
    } else {
      out.append(in.substr(i, len));
      i += len;
    }
  }
  return out;
}

TEST(JsonEscape, PlainAsciiIsCopiedUnchanged) {
  EXPECT_EQ(Escape(""), "");
  EXPECT_EQ(Escape("a"), "a");
  EXPECT_EQ(Escape("hello world, 0123456789 /path?x=1&y={}"), "hello world, 0123456789 /path?x=1&y={}");
}

TEST(JsonEscape, QuotesBackslashesAndControlCharactersAreEscaped) {
  EXPECT_EQ(Escape("say \"hi\" C:\\dir"), "say \\\"hi\\\" C:\\\\dir");
  EXPECT_EQ(Escape("\n\t\r\b\f"), "\\n\\t\\r\\b\\f");
  EXPECT_EQ(Escape(std::string_view("\x00\x01\x1b\x1f", 4)), "\\u0000\\u0001\\u001b\\u001f");
  EXPECT_EQ(Escape("\x7f/ "), "\x7f/ ");  // DEL, '/' and space need no escape
}

TEST(JsonEscape, StrayContinuationBytesAreReplacedOneEach) {
  EXPECT_EQ(Escape("\x80"), kFFFD);
  EXPECT_EQ(Escape("a\xBF\x80z"), std::string("a") + kFFFD + kFFFD + "z");
}

TEST(JsonEscape, TruncatedSequenceIsOneReplacement) {
  EXPECT_EQ(Escape("\xE2\x82"), kFFFD);                                // end of input
  EXPECT_EQ(Escape("\xE2\x82x"), std::string(kFFFD) + "x");            // cut by ASCII
  EXPECT_EQ(Escape("\xF0\x9F\x98"), kFFFD);                            // 3 of 4 emoji bytes
  EXPECT_EQ(Escape("\xC3(") , std::string(kFFFD) + "(");
  EXPECT_EQ(Escape("\xF0\x9F\x98\xF0\x9F\x98\x80"), std::string(kFFFD) + "\xF0\x9F\x98\x80");
}

TEST(JsonEscape, OverlongFormsAreReplacedPerByte) {
  EXPECT_EQ(Escape("\xC0\xAF"), std::string(kFFFD) + kFFFD);
  EXPECT_EQ(Escape("\xC1\xBF"), std::string(kFFFD) + kFFFD);
  EXPECT_EQ(Escape("\xE0\x80\xAF"), std::string(kFFFD) + kFFFD + kFFFD);
  EXPECT_EQ(Escape("\xF0\x80\x80\xAF"), std::string(kFFFD) + kFFFD + kFFFD + kFFFD);
}

TEST(JsonEscape, SurrogatesAndCodePointsAboveMaxAreReplaced) {
  EXPECT_EQ(Escape("\xED\xA0\x80"), std::string(kFFFD) + kFFFD + kFFFD);  // U+D800
  EXPECT_EQ(Escape("\xED\xBF\xBF"), std::string(kFFFD) + kFFFD + kFFFD);  // U+DFFF
  EXPECT_EQ(Escape("\xF4\x90\x80\x80"), std::string(kFFFD) + kFFFD + kFFFD + kFFFD);  // U+110000
  EXPECT_EQ(Escape("\xF5\x80"), std::string(kFFFD) + kFFFD);
  EXPECT_EQ(Escape("\xFE\xFF"), std::string(kFFFD) + kFFFD);
}

TEST(JsonEscape, ValidMultiByteAndFourByteEmojiAreKept) {
  const std::string valid = "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87";
  EXPECT_EQ(Escape(valid), valid);
  // Boundaries: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF.
  const std::string edges = "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
  EXPECT_EQ(Escape(edges), edges);
}

TEST(JsonEscape, ReportsWhetherItReplacedBytes) {
  std::string out;
  EXPECT_FALSE(AppendJsonEscaped("fine \xF0\x9F\x98\x80", out));
  EXPECT_TRUE(AppendJsonEscaped("bad \xFF", out));
}

TEST(JsonEscape, AppendsAfterExistingContent) {
  std::string out = "prefix:";
  AppendJsonEscaped("a\"b", out);
  EXPECT_EQ(out, "prefix:a\\\"b");
}

TEST(JsonEscape, MatchesReferenceOnRandomInputsAtEveryAlignment) {
  std::mt19937 rng(12345);
  const std::string pieces[] = {"a", "Z", " ", "\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xC3\xA9", "\xE2\x9C\x93",
                                "\xF0\x9F\x98\x80", "\x80", "\xC0", "\xE0", "\xED\xA0", "\xF4\x90", "\xFF", "\xF0\x9F"};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string in;
    const int parts = static_cast<int>(rng() % 24);
    for (int i = 0; i < parts; ++i) {
      // Mostly clean text, so the SWAR path sees long runs as well as dense specials.
      if (rng() % 3 == 0) {
        in += pieces[rng() % std::size(pieces)];
      } else {
        in.append(rng() % 11, static_cast<char>('a' + rng() % 26));
      }
    }
    if (rng() % 4 == 0) in.push_back(static_cast<char>(rng() & 0xff));  // any byte at the end
    const std::string prefix(rng() % 9, 'p');  // vary the output alignment too
    std::string out = prefix;
    AppendJsonEscaped(in, out);
    ASSERT_EQ(out, prefix + ReferenceEscape(in)) << "input of " << in.size() << " bytes, iteration " << iter;
  }
}

// Random input made of the pieces that matter to the scanners: clean letters, the two common
// specials, controls, valid and invalid UTF-8. dense makes most bytes special.
std::string RandomEscapeInput(std::mt19937& rng, size_t length, bool dense) {
  static const std::string pieces[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xC3\xA9", "\xE2\x9C\x93",
                                       "\xF0\x9F\x98\x80", "\x80", "\xC0", "\xE0", "\xED\xA0", "\xF4\x90", "\xFF",
                                       "\xF0\x9F", "/", " "};
  std::string in;
  while (in.size() < length) {
    const unsigned r = rng() % 8;
    if (r < (dense ? 6u : 2u)) {
      in += r < 3 ? std::string(1, "\"\\\""[r]) : pieces[rng() % std::size(pieces)];
    } else {
      in.push_back(static_cast<char>('a' + rng() % 26));
    }
  }
  in.resize(length);  // may cut a multi-byte piece: more truncated sequences
  return in;
}

using WriteFn = size_t (*)(std::string_view, std::string&, size_t, bool*);

// Runs write on in placed at the very end of its own heap allocation (so that ASan reports any read
// past the end) at input alignment offset, after an output prefix of out_offset bytes, and checks
// the result, the trimmed size and the replaced flag against the reference.
void ExpectWriteMatchesReference(WriteFn write, const std::string& in, size_t offset, size_t out_offset) {
  std::unique_ptr<char[]> buffer(new char[offset + in.size()]);
  std::memcpy(buffer.get() + offset, in.data(), in.size());
  const std::string_view view(buffer.get() + offset, in.size());
  std::string out(out_offset, 'p');
  bool replaced = false;
  const size_t end = write(view, out, out.size(), &replaced);
  ASSERT_LE(end, out.size());
  out.resize(end);
  const std::string expected = ReferenceEscape(in);
  ASSERT_EQ(out, std::string(out_offset, 'p') + expected)
      << "length " << in.size() << ", input offset " << offset << ", output offset " << out_offset;
  // The reference replaced something exactly when its output has more U+FFFD than the input.
  auto count = [](const std::string& s) {
    size_t n = 0;
    for (size_t i = s.find(kFFFD); i != std::string::npos; i = s.find(kFFFD, i + 3)) ++n;
    return n;
  };
  ASSERT_EQ(replaced, count(expected) != count(in)) << "length " << in.size();
}

void ExpectKernelMatchesReference(WriteFn write) {
  std::mt19937 rng(2024);
  for (size_t length = 0; length <= 64; ++length) {
    for (size_t offset = 0; offset < 16; ++offset) {
      for (bool dense : {false, true}) {
        const std::string in = RandomEscapeInput(rng, length, dense);
        ExpectWriteMatchesReference(write, in, offset, (length + offset) % 16);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
  // Longer inputs, where the block scan runs many steps and the output grows several times.
  for (int i = 0; i < 300; ++i) {
    const std::string in = RandomEscapeInput(rng, 65 + rng() % 2000, i % 2 == 0);
    ExpectWriteMatchesReference(write, in, rng() % 16, rng() % 16);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(JsonEscape, PortableScanMatchesReferenceAtEveryLengthAndAlignment) {
  ExpectKernelMatchesReference(&json_escape_internal::WritePortable);
}

TEST(JsonEscape, Sse2ScanMatchesReferenceAtEveryLengthAndAlignment) {
  if (!json_escape_internal::HasSse2()) GTEST_SKIP() << "not built with SSE2";
  ExpectKernelMatchesReference(&json_escape_internal::WriteSse2);
}

// Blocks whose specials are all '"' / '\\' are finished in place; blocks that also hold a control
// or a non-ASCII byte hand over to the byte-at-a-time path at that byte. Every position of each.
TEST(JsonEscape, EveryScanHandlesSpecialsAtEveryBlockPosition) {
  for (WriteFn write : {&json_escape_internal::WritePortable, &json_escape_internal::WriteSse2}) {
    for (const std::string& special : {std::string("\""), std::string("\\"), std::string("\n"), std::string("\x01"),
                                       std::string("\xC3\xA9"), std::string("\xFF")}) {
      for (size_t at = 0; at < 48; ++at) {
        std::string in(48, 'x');
        in.replace(at, 1, special);
        ExpectWriteMatchesReference(write, in, 0, 0);
        // A quote right before and after it, in the same block.
        std::string around = in;
        if (at > 0) around[at - 1] = '"';
        if (at + special.size() < around.size()) around[at + special.size()] = '\\';
        ExpectWriteMatchesReference(write, around, 0, 0);
      }
    }
    ExpectWriteMatchesReference(write, std::string(100, '"'), 0, 0);
    ExpectWriteMatchesReference(write, std::string(100, '\\'), 0, 0);
    ExpectWriteMatchesReference(write, std::string(100, '\x02'), 0, 0);
    std::string alternating;
    for (int i = 0; i < 50; ++i) alternating += "\"a\\\x01\xC3\xA9";
    ExpectWriteMatchesReference(write, alternating, 0, 0);
  }
}

TEST(JsonEscape, WriteJsonEscapedUsesTheRoomItIsGivenAndGrowsWhenShort) {
  // Room already there (bytes past pos are scratch): written in place, the size is left alone.
  std::string out = "head:" + std::string(64, '#');
  bool replaced = false;
  size_t end = WriteJsonEscaped("a\"b", out, 5, &replaced);
  EXPECT_EQ(end, 9u);
  EXPECT_EQ(out.size(), 69u);
  EXPECT_EQ(out.substr(0, end), "head:a\\\"b");
  EXPECT_FALSE(replaced);
  // No room at all, and the worst expansion (6x): grown as needed.
  out = "head:";
  const std::string controls(5000, '\x01');
  end = WriteJsonEscaped(controls, out, out.size(), &replaced);
  ASSERT_EQ(end, 5u + 6 * controls.size());
  EXPECT_GE(out.size(), end);
  EXPECT_EQ(out.substr(0, 11), "head:\\u0001");
  EXPECT_EQ(out.substr(end - 6, 6), "\\u0001");
  // replaced is only ever set, and may be null.
  replaced = true;
  WriteJsonEscaped("fine", out, 0, &replaced);
  EXPECT_TRUE(replaced);
  replaced = false;
  WriteJsonEscaped("bad \xC0", out, 0, &replaced);
  EXPECT_TRUE(replaced);
  EXPECT_EQ(WriteJsonEscaped("bad \xC0", out, 0, nullptr), 7u);
}

// --- Whole events ------------------------------------------------------------------------------

TEST(EventJson, PlainEventHasContractShapeAndKeyOrder) {
  auto source = MakeSource("file", "/var/log/app.log", "app.log", Labels{{"job", "varlogs"}});
  BatchBuilder b;
  b.Add(source, "the line, without its newline");
  EventBatch batch = b.Take();
  TimestampFormatter ts;
  std::string out;
  AppendEventJson(batch, batch.events()[0], ts, out);
  EXPECT_EQ(out,
            "{\"timestamp\":\"2026-11-23T10:00:00.123456789Z\",\"message\":\"the line, without its newline\","
            "\"source_type\":\"file\",\"source_id\":\"/var/log/app.log\",\"labels\":{\"job\":\"varlogs\"}}\n");
}

TEST(EventJson, LabelsAreAlwaysPresentAndEmptyObjectWhenNone) {
  EXPECT_NE(EncodeOneJson("x").find(",\"labels\":{}}\n"), std::string::npos);
}

TEST(EventJson, EventLabelsOverrideSourceLabelsAndKeysStaySorted) {
  auto source = MakeSource("docker", "abc123", "web", Labels{{"app", "a"}, {"job", "src"}, {"zone", "z"}});
  BatchBuilder b;
  b.AddWithAttributes(source, "m", Labels{{"job", "event"}, {"b", "1"}});
  b.AddWithAttributes(MakeSource("http", ""), "m", Labels{{"only", "event"}});
  b.Add(source, "m");
  EventBatch batch = b.Take();
  TimestampFormatter ts;
  std::string merged, only_event, only_source;
  AppendEventJson(batch, batch.events()[0], ts, merged);
  AppendEventJson(batch, batch.events()[1], ts, only_event);
  AppendEventJson(batch, batch.events()[2], ts, only_source);
  EXPECT_NE(merged.find("\"labels\":{\"app\":\"a\",\"b\":\"1\",\"job\":\"event\",\"zone\":\"z\"}"), std::string::npos)
      << merged;
  EXPECT_NE(only_event.find("\"labels\":{\"only\":\"event\"}"), std::string::npos) << only_event;
  EXPECT_NE(only_source.find("\"labels\":{\"app\":\"a\",\"job\":\"src\",\"zone\":\"z\"}"), std::string::npos);
}

TEST(EventJson, LabelKeysAndValuesAreEscaped) {
  auto source = MakeSource("file", "/a\"b", "", Labels{{"k\"", "v\\\n"}});
  BatchBuilder b;
  b.Add(source, "m");
  EventBatch batch = b.Take();
  TimestampFormatter ts;
  std::string out;
  AppendEventJson(batch, batch.events()[0], ts, out);
  EXPECT_NE(out.find("\"source_id\":\"/a\\\"b\",\"labels\":{\"k\\\"\":\"v\\\\\\n\"}"), std::string::npos) << out;
}

TEST(EventJson, OptionalKeysFollowInContractOrder) {
  auto source = MakeSource("http", "127.0.0.1");
  BatchBuilder b;
  Event& e = b.AddWithAttributes(source, "boom", Labels{}, "{\"user\":\"ann\",\"n\":3}");
  e.level = Level::kError;
  e.flags = kFlagTruncated | kFlagPartial;
  for (int i = 0; i < 16; ++i) e.trace.trace_id[i] = static_cast<uint8_t>(0xA0 + i);
  for (int i = 0; i < 8; ++i) e.trace.span_id[i] = static_cast<uint8_t>(i);
  EventBatch batch = b.Take();
  TimestampFormatter ts;
  std::string out;
  AppendEventJson(batch, batch.events()[0], ts, out);
  EXPECT_EQ(out,
            "{\"timestamp\":\"2026-11-23T10:00:00.123456789Z\",\"message\":\"boom\",\"source_type\":\"http\","
            "\"source_id\":\"127.0.0.1\",\"labels\":{},\"level\":\"error\",\"fields\":{\"user\":\"ann\",\"n\":3},"
            "\"trace_id\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"span_id\":\"0001020304050607\","
            "\"truncated\":true,\"partial\":true}\n");
  EXPECT_EQ(ParsedMessage(out), "boom");
}

TEST(EventJson, OptionalKeysAreAbsentWhenUnknown) {
  const std::string out = EncodeOneJson("m");
  for (const char* key : {"level", "fields", "trace_id", "span_id", "truncated", "partial"}) {
    EXPECT_EQ(out.find(std::string("\"") + key + "\""), std::string::npos) << key;
  }
}

TEST(EventJson, TimestampIsSourceTimeElseReadTime) {
  auto source = MakeSource("file", "f");
  BatchBuilder b;
  b.Add(source, "with source time", kTime);
  Event& e = b.Add(source, "read time only", 0);
  e.read_time = kTime + 5;  // ...123456794
  EventBatch batch = b.Take();
  TimestampFormatter ts;
  std::string first, second;
  AppendEventJson(batch, batch.events()[0], ts, first);
  AppendEventJson(batch, batch.events()[1], ts, second);
  EXPECT_EQ(first.substr(0, 45), "{\"timestamp\":\"2026-11-23T10:00:00.123456789Z\"");
  EXPECT_EQ(second.substr(0, 45), "{\"timestamp\":\"2026-11-23T10:00:00.123456794Z\"");
}

TEST(EventJson, ControlCharactersAndQuotesParseBack) {
  const std::string message = "tab\there \"quoted\" back\\slash \x01\x1f end";
  EXPECT_EQ(ParsedMessage(EncodeOneJson(message)), message);
}

TEST(EventJson, InvalidUtf8StillParsesAsValidJson) {
  const std::string out = EncodeOneJson("ok \xC0\xAF \xED\xA0\x80 \xF0\x9F\x98 \x80 end");
  EXPECT_EQ(ParsedMessage(out), std::string("ok ") + kFFFD + kFFFD + " " + kFFFD + kFFFD + kFFFD + " " + kFFFD +
                                    " " + kFFFD + " end");
}

TEST(EventJson, OneMiBMessageRoundTrips) {
  std::string message;
  message.reserve(1 << 20);
  std::mt19937 rng(7);
  while (message.size() < (1u << 20)) {
    switch (rng() % 8) {
      case 0: message += "\"q\""; break;
      case 1: message += "\xF0\x9F\x98\x80"; break;
      case 2: message.push_back(static_cast<char>(rng() % 0x20)); break;
      default: message.append(1 + rng() % 40, static_cast<char>('a' + rng() % 26)); break;
    }
  }
  EXPECT_EQ(ParsedMessage(EncodeOneJson(message)), message);
  // Worst case expansion: every byte becomes \u00XX.
  const std::string controls(1 << 20, '\x01');
  const std::string out = EncodeOneJson(controls);
  EXPECT_GT(out.size(), 6u * (1u << 20));
  EXPECT_EQ(ParsedMessage(out), controls);
}

// --- The per-batch source cache ------------------------------------------------------------------

// Encodes every event of batch with and without a cache, expects equal output, and returns it.
std::string EncodeAllExpectingCacheToMatch(const EventBatch& batch) {
  TimestampFormatter ts_plain, ts_cached;
  JsonSourceCache cache;
  std::string plain, cached = "earlier content\n";
  for (const Event& e : batch.events()) {
    AppendEventJson(batch, e, ts_plain, plain);
    AppendEventJson(batch, e, ts_cached, cached, &cache);
  }
  EXPECT_EQ(cached, "earlier content\n" + plain);
  return plain;
}

TEST(JsonSourceCache, InterleavedSourcesKeepTheirOwnTypeIdAndLabels) {
  auto a = MakeSource("file", "/var/log/a.log", "a.log", Labels{{"job", "a"}, {"quote", "x\"y"}});
  auto b = MakeSource("docker", "c0ffee", "web", Labels{{"app", "web"}});
  BatchBuilder builder;
  for (int i = 0; i < 6; ++i) builder.Add(i % 2 == 0 ? a : b, "line " + std::to_string(i));
  const std::string out = EncodeAllExpectingCacheToMatch(builder.Take());
  EXPECT_NE(out.find("\"message\":\"line 4\",\"source_type\":\"file\",\"source_id\":\"/var/log/a.log\","
                     "\"labels\":{\"job\":\"a\",\"quote\":\"x\\\"y\"}}\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"message\":\"line 5\",\"source_type\":\"docker\",\"source_id\":\"c0ffee\","
                     "\"labels\":{\"app\":\"web\"}}\n"),
            std::string::npos)
      << out;
}

TEST(JsonSourceCache, EventLabelsBypassTheCacheAndFieldsOnlyEventsUseIt) {
  auto a = MakeSource("file", "/var/log/a.log", "", Labels{{"job", "a"}, {"zone", "z"}});
  BatchBuilder builder;
  builder.Add(a, "plain");
  builder.AddWithAttributes(a, "labelled", Labels{{"job", "event"}, {"b", "1"}});
  builder.AddWithAttributes(a, "fields only", Labels{}, "{\"n\":1}");
  builder.Add(a, "plain again");
  builder.AddWithAttributes(MakeSource("http", "h"), "other source, labelled", Labels{{"only", "event"}});
  EventBatch batch = builder.Take();
  Event& no_source = batch.mutable_events().emplace_back(batch.events()[0]);
  no_source.source = nullptr;
  const std::string out = EncodeAllExpectingCacheToMatch(batch);
  EXPECT_NE(out.find("\"message\":\"labelled\",\"source_type\":\"file\",\"source_id\":\"/var/log/a.log\","
                     "\"labels\":{\"b\":\"1\",\"job\":\"event\",\"zone\":\"z\"}}\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"message\":\"fields only\",\"source_type\":\"file\",\"source_id\":\"/var/log/a.log\","
                     "\"labels\":{\"job\":\"a\",\"zone\":\"z\"},\"fields\":{\"n\":1}}\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"message\":\"plain again\",\"source_type\":\"file\",\"source_id\":\"/var/log/a.log\","
                     "\"labels\":{\"job\":\"a\",\"zone\":\"z\"}}\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"message\":\"plain\",\"source_type\":\"\",\"source_id\":\"\",\"labels\":{}}\n"),
            std::string::npos)
      << out;
}

TEST(JsonSourceCache, MoreSourcesThanEntriesAndLongLabelsStayCorrect) {
  std::vector<std::shared_ptr<SourceInfo>> sources;
  for (int i = 0; i < 20; ++i) {
    // Some label values longer than the room made for a source part, with escapes.
    const std::string value = i % 3 == 0 ? std::string(300 + i, '"') : "v" + std::to_string(i);
    sources.push_back(MakeSource("file", "/var/log/" + std::to_string(i), "", Labels{{"k", value}}));
  }
  std::mt19937 rng(3);
  BatchBuilder builder;
  for (int i = 0; i < 500; ++i) builder.Add(sources[rng() % sources.size()], "m" + std::to_string(i));
  const std::string out = EncodeAllExpectingCacheToMatch(builder.Take());
  EXPECT_NE(out.find("\"source_id\":\"/var/log/19\",\"labels\":{\"k\":\"v19\"}}\n"), std::string::npos);
}

TEST(EventJson, LinesLongerThanTheRoomMadeUpFrontAreComplete) {
  auto source = MakeSource("http", "127.0.0.1");
  BatchBuilder b;
  const std::string fields = "{\"blob\":\"" + std::string(5000, 'f') + "\"}";
  Event& e = b.AddWithAttributes(source, std::string(3000, '\x01'), Labels{{"k", std::string(2000, '\\')}}, fields);
  e.level = Level::kWarn;
  e.flags = kFlagTruncated | kFlagPartial;
  e.trace.trace_id[0] = 1;
  EventBatch batch = b.Take();
  TimestampFormatter ts;
  std::string out = "x";
  JsonSourceCache cache;
  AppendEventJson(batch, batch.events()[0], ts, out, &cache);
  ASSERT_EQ(out.back(), '\n');
  EXPECT_EQ(ParsedMessage(out.substr(1)), std::string(3000, '\x01'));
  EXPECT_NE(out.find("\"labels\":{\"k\":\"" + std::string(4000, '\\') + "\"},\"level\":\"warn\",\"fields\":" + fields +
                     ",\"trace_id\":\"01000000000000000000000000000000\",\"span_id\":\"0000000000000000\","
                     "\"truncated\":true,\"partial\":true}\n"),
            std::string::npos);
}

TEST(EventText, LineIsTimestampSourceAndMessage) {
  auto source = MakeSource("file", "/var/log/app.log", "app.log", Labels{{"job", "varlogs"}});
  BatchBuilder b;
  b.Add(source, "the message");
  Event& e = b.Add(source, "two\nlines \xFF raw");
  e.level = Level::kWarn;
  EventBatch batch = b.Take();
  TimestampFormatter ts;
  std::string out;
  for (const Event& ev : batch.events()) AppendEventText(batch, ev, ts, out);
  EXPECT_EQ(out,
            "2026-11-23T10:00:00.123456789Z file:/var/log/app.log the message\n"
            "2026-11-23T10:00:00.123456789Z file:/var/log/app.log two\\nlines \xFF raw\n");
}

TEST(EventEncoder, ParseOutputFormatKnowsJsonAndText) {
  EXPECT_EQ(ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(ParseOutputFormat("text"), OutputFormat::kText);
  EXPECT_FALSE(ParseOutputFormat("JSON").has_value());
  EXPECT_FALSE(ParseOutputFormat("").has_value());
}

}  // namespace
}  // namespace logcap
