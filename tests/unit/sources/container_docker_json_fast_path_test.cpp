// DockerJsonFastPath against the general (simdjson) path of DockerJsonDecoder: for every line, the
// decoder with its fast path (Decode) and without it (DecodeGeneral) give the same result: ok-ness
// and error message, log bytes, partial, stream, time, attrs. Handwritten edge cases, then
// thousands of random records (fixed seed) as Go writes them and as other encoders might, and
// random corruptions of them. Plus: which layouts the fast path takes, and that an escape-free
// text is a view into the line (into the file's block, through ContainerLogDecoder).
#include "sources/container/docker_json_fast_path.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codec/event_json_decoder.h"
#include "core/byte_block.h"
#include "core/event.h"
#include "sources/container/container_log_decoder.h"
#include "sources/container/docker_json_record.h"
#include "sources/container/time_parse_cache.h"

namespace logcap {
namespace {

constexpr Nanos kSeven = 1795503600LL * kNanosPerSecond;  // 2026-11-24T07:00:00Z

// The line with its bytes outside printable ASCII as \xHH, for failure messages.
std::string Printable(std::string_view line) {
  std::string out;
  for (unsigned char c : line.substr(0, 400)) {
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  if (line.size() > 400) out += "... (" + std::to_string(line.size()) + " bytes)";
  return out;
}

// The length of the valid UTF-8 character at p (n bytes left), 0 if invalid.
size_t Utf8Length(const unsigned char* p, size_t n) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return len;
}

uint32_t DecodeUtf8(const unsigned char* p, size_t len) {
  if (len == 1) return p[0];
  uint32_t cp = p[0] & (0xFF >> (len + 1));
  for (size_t i = 1; i < len; ++i) cp = cp << 6 | (p[i] & 0x3F);
  return cp;
}

std::string U(uint32_t cp, bool upper = false) {
  char buf[8];
  std::snprintf(buf, sizeof buf, upper ? "\\u%04X" : "\\u%04x", cp);
  return buf;
}

// Go's encoding/json, as moby's jsonlog writes `log`: '"', '\\', \n \r \t (and \b \f since Go
// 1.22, \u0008 \u000c before), other control characters as \u00XX, '<' '>' '&' U+2028 U+2029 as
// \u escapes, invalid UTF-8 as \ufffd (one per bad byte), everything else as is.
std::string GoEscape(std::string_view text, bool old_go = false) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = p[i];
    const size_t len = Utf8Length(p + i, text.size() - i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (len > 1) {
      const uint32_t cp = DecodeUtf8(p + i, len);
      if (cp == 0x2028 || cp == 0x2029) {
        out += U(cp);
      } else {
        out.append(text.substr(i, len));
      }
      i += len;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += old_go ? "\\u0008" : "\\b"; break;
      case '\f': out += old_go ? "\\u000c" : "\\f"; break;
      case '<': case '>': case '&': out += U(c); break;
      default:
        if (c < 0x20) {
          out += U(c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out;
}

// Another JSON encoder, choosing at random among the valid ways to write each character: \/,
// \uXXXX of either case for any BMP character, surrogate pairs beyond it; invalid UTF-8 is kept
// raw (the record is then invalid).
std::string OtherEscape(std::string_view text, std::mt19937_64& rng) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = p[i];
    size_t len = Utf8Length(p + i, text.size() - i);
    if (len == 0) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    const uint32_t cp = DecodeUtf8(p + i, len);
    const bool upper = rng() % 2 == 0;
    if (c == '"' || c == '\\' || cp < 0x20 || rng() % 4 == 0) {
      if (cp >= 0x10000) {
        const uint32_t v = cp - 0x10000;
        out += U(0xD800 + (v >> 10), upper) + U(0xDC00 + (v & 0x3FF), upper);
      } else if (c == '"' && rng() % 2 == 0) {
        out += "\\\"";
      } else if (c == '\\' && rng() % 2 == 0) {
        out += "\\\\";
      } else if (c == '/' && rng() % 2 == 0) {
        out += "\\/";
      } else if (c == '\n' && rng() % 2 == 0) {
        out += "\\n";
      } else {
        out += U(cp, upper);
      }
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string Record(std::string_view escaped_log, std::string_view stream = "stdout",
                   std::string_view time = "2026-11-24T07:00:00.123456789Z", std::string_view trailer = "") {
  return "{\"log\":\"" + std::string(escaped_log) + "\",\"stream\":\"" + std::string(stream) + "\",\"time\":\"" +
         std::string(time) + "\"}" + std::string(trailer);
}

// Runs lines through a decoder with the fast path and one without, and compares.
class Differential {
 public:
  // Returns whether the fast path (alone, on a decoder of its own) took the line.
  bool Check(const std::string& line) {
    DockerJsonRecord a, b;
    const Status sa = with_.Decode(line, &a);
    const Status sb = without_.DecodeGeneral(line, &b);
    ++lines_;
    EXPECT_EQ(sa.ok(), sb.ok()) << Printable(line) << " -> " << sa.message() << " | " << sb.message();
    if (sa.ok() && sb.ok()) {
      EXPECT_EQ(a.log, b.log) << Printable(line);
      EXPECT_EQ(a.partial, b.partial) << Printable(line);
      EXPECT_EQ(a.stream, b.stream) << Printable(line);
      EXPECT_EQ(a.time, b.time) << Printable(line);
      EXPECT_EQ(a.attrs, b.attrs) << Printable(line);
    } else {
      EXPECT_EQ(sa.message(), sb.message()) << Printable(line);
    }
    // The fast path alone: it takes a line only if the general path decodes it, and leaves the
    // record alone when it declines.
    DockerJsonRecord f;
    f.log = "sentinel";
    f.partial = true;
    f.stream = ContainerStream::kStderr;
    f.time = 42;
    f.attrs = "{}";
    const bool taken = fast_.Decode(line, times_, &f);
    if (taken) {
      ++taken_;
      EXPECT_TRUE(sb.ok()) << Printable(line);
      if (sb.ok()) {
        EXPECT_EQ(f.log, b.log) << Printable(line);
        EXPECT_EQ(f.partial, b.partial) << Printable(line);
        EXPECT_EQ(f.stream, b.stream) << Printable(line);
        EXPECT_EQ(f.time, b.time) << Printable(line);
        EXPECT_TRUE(f.attrs.empty()) << Printable(line);
      }
    } else {
      EXPECT_EQ(f.log, "sentinel");
      EXPECT_TRUE(f.partial);
      EXPECT_EQ(f.stream, ContainerStream::kStderr);
      EXPECT_EQ(f.time, 42);
      EXPECT_EQ(f.attrs, "{}");
    }
    return taken;
  }

  size_t lines() const { return lines_; }
  size_t taken() const { return taken_; }

 private:
  DockerJsonDecoder with_, without_;
  DockerJsonFastPath fast_;
  TimeParseCache times_;
  size_t lines_ = 0, taken_ = 0;
};

struct Case {
  std::string line;
  bool fast;  // the fast path is expected to take it
};

TEST(DockerJsonFastPathTest, HandwrittenEdgeCasesDecodeAsTheGeneralPathDoes) {
  std::vector<Case> cases;
  auto add = [&](std::string line, bool fast) { cases.push_back({std::move(line), fast}); };
  // Every escape, in the middle and at the end.
  add(Record(R"(q\" b\\ s\/ b\b f\f n\n r\r t\t A\u0041 e\u00e9 E\u00C9 euro\u20ac \u20AC \ufffd \u2028\u2029 \u003c\u003e\u0026\n)"), true);
  add(Record(R"(\"\\\/\b\f\n\r\t)"), true);
  add(Record(R"(end\t)"), true);
  add(Record(R"(\u0000)"), true);
  add(Record(R"(nul \u0000 inside\n)"), true);
  add(Record(R"(\u001f\u007f\u0080\u07ff\u0800\uffff\n)"), true);
  add(Record(R"(\u000a)"), true);            // a newline written as \u: not a part
  add(Record(R"(x\u000d\u000a)"), true);     // "\r\n" the same way
  add(Record(R"(x\r)"), true);               // a trailing '\r' alone stays
  add(Record(R"(x\r\r\n)"), true);
  add(Record(R"(\n\n)"), true);
  add(Record(R"(\r\n\r\n)"), true);
  add(Record(R"(a\\n)"), true);              // a backslash and an 'n', a part
  add(Record(R"(a\\\n)"), true);
  add(Record(R"(a\\r\\n)"), true);
  add(Record(R"(\r\n)"), true);
  add(Record(R"(\n)"), true);
  add(Record(R"(\r)"), true);
  add(Record(""), true);                     // empty, a part
  add(Record("no newline: a part"), true);
  add(Record(R"(plain\n)"), true);
  add(Record(R"(tty\r\n)"), true);
  // Surrogates: pairs, lone, reversed, cut; the fast path leaves them all to the general path.
  add(Record(R"(\ud83d\ude00\n)"), false);
  add(Record(R"(\uD83D\uDE00)"), false);
  add(Record(R"(\ud83d)"), false);
  add(Record(R"(lone \ud83d high\n)"), false);
  add(Record(R"(\ud83d\n)"), false);
  add(Record(R"(\ude00 lone low\n)"), false);
  add(Record(R"(\ude00\ud83d)"), false);
  add(Record(R"(\ud83d\u0041)"), false);
  add(Record(R"(\ud83d\ud83d\ude00)"), false);
  add(Record(R"(\udbff\udfff\ud800\udc00)"), false);
  // Bad escapes.
  for (const char* bad : {R"(\x)", R"(\u12)", R"(\u12G4)", R"(\u 123)", R"(\U0041)", R"(\')", R"(\a)", R"(\0)",
                          R"(\u-123)", R"(\u+123)"}) {
    add(Record(std::string("bad ") + bad + "\\n"), false);
    add(Record(bad), false);
  }
  add(Record(R"(a backslash that escapes the closing quote \)"), false);
  add(R"({"log":"cut \u00)", false);
  add(R"({"log":"cut \)", false);
  add(R"({"log":"cut \u00e9)", false);
  add(R"({"log":"cut \n)", false);
  add(R"({"log":"cut \r\n)", false);
  add(R"({"log":"cut \r\n")", false);
  add(R"({"log":"cut \n")", false);
  add(R"({"log":"cut")", false);
  // Raw UTF-8, valid and not; raw control characters; DEL.
  add(Record("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE2\x80\xA8 \xEF\xBF\xBD \xF4\x8F\xBF\xBF\\n"), true);
  add(Record("\xC3\xA9"), true);
  add(Record("\xC3\xA9 with an escape \\t and more \xE2\x82\xAC\\n"), true);
  for (const char* bad : {"\xC3\x28", "\xC3", "\x80", "\xBF", "\xC0\xAF", "\xC1\xBF", "\xE2\x82", "\xED\xA0\x80",
                          "\xED\xBF\xBF", "\xE0\x80\x80", "\xF0\x80\x80\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
                          "\xF8\x88\x80\x80\x80", "\xFE", "\xFF"}) {
    add(Record(std::string("bad utf8 ") + bad + " here\\n"), false);
    add(Record(std::string("escaped \\\" then bad ") + bad + "\\n"), false);
    add(Record(std::string(40, 'x') + bad), false);
  }
  for (char c : {'\0', '\x01', '\t', '\n', '\r', '\x1f'}) {
    add(Record(std::string("raw ") + c + " control\\n"), false);
    add(Record(std::string("\\\" then raw ") + c + " control\\n"), false);
  }
  add(Record("del \x7F ok\\n"), true);
  // Long lines, and every length around the 16-byte steps, with and without escapes.
  add(Record(std::string(100000, 'z') + "\\n"), true);
  {
    std::string escaped;
    for (int i = 0; escaped.size() < 100000; ++i) escaped += "word" + std::to_string(i) + " \\\"q\\\" \\u003c ";
    add(Record(escaped + "\\n"), true);
    add(Record(escaped), true);
  }
  for (size_t n = 0; n < 48; ++n) {
    const std::string body(n, 'a');
    add(Record(body), true);
    add(Record(body + "\\n"), true);
    add(Record(body + "\\r\\n"), true);
    add(Record(body + "\\\"" + body + "\\n"), true);
    add(Record("\\t" + body), true);
    add(Record(body + "\xC3\xA9" + body + "\\n"), true);
    add(Record(body + "\x01" + body + "\\n"), false);
    add(Record(body + "\xC3" + body + "\\n"), false);
  }
  // Times: fractions, offsets, and what RFC 3339 parsing rejects. The fast path takes those that
  // parse and are printable ASCII without an escape.
  for (const char* time : {"2026-11-24T07:00:00Z", "2026-11-24T07:00:00.5Z", "2026-11-24T07:00:00.000000001Z",
                           "2026-11-24T07:00:00.123456789Z", "2026-11-24T07:00:00.1234567891Z",
                           "2026-11-24T08:00:00.25+01:00", "2026-11-24T01:30:00-05:30", "2026-11-24T07:00:00+00:00",
                           "2024-02-29T23:59:59.999999999Z", "1970-01-01T00:00:00Z", "2026-11-24T07:00:59Z"}) {
    add(Record("t\\n", "stdout", time), true);
    add(Record("t\\n", "stderr", time), true);
  }
  for (const char* time : {"", "2026-11-24T07:00:00", "2026-11-24T07:00:00.Z", "2026-13-24T07:00:00Z",
                           "2026-02-30T07:00:00Z", "9999-11-24T07:00:00Z", "1600-01-01T00:00:00Z",
                           "2026-11-24 07:00:00Z", "2026-11-24T07:00:00.5", "yesterday", "2026-11-24T07:00:00z",
                           "2026-11-24t07:00:00Z", "2026-11-24T07:00:00+0100", "2026-11-24T07:00:00.5Z ",
                           " 2026-11-24T07:00:00Z", "2026-11-24T07:00:60Z", "2026-11-24T24:00:00Z"}) {
    add(Record("t\\n", "stdout", time), ParseRfc3339InRange(time).has_value());
  }
  for (const char* time : {"2026-11-24T07:00:00\\u002e5Z", "2026-11-24T07:00:00.5\\u005a", "2026-11-24T07:00:00\xC3\xA9Z",
                           "2026-11-24T07:00:00\x01Z", "2026-11-24T07:00:00\x7FZ", "2026-11-24T07:00:00\\\"Z"}) {
    add(Record("t\\n", "stdout", time), false);  // the general path unescapes the first two
  }
  // Streams.
  for (const char* stream : {"stdin", "STDOUT", "", "stdou", "stdoutx", "std\\u006fut", "stderr\\n"}) {
    add(Record("s\\n", stream), false);
  }
  // What follows the object.
  add(Record("x\\n", "stdout", "2026-11-24T07:00:00Z", "\n"), true);
  add(Record("x\\n", "stdout", "2026-11-24T07:00:00Z", "\r\n"), true);
  for (const char* trailer : {" ", "\t", "\n\n", " \n", "\r", "\n\r", "\r\n\r\n", "x", "}", ",", "{}", "\xC3\xA9"}) {
    add(Record("x\\n", "stdout", "2026-11-24T07:00:00Z", trailer), false);
  }
  add(Record("x\\n", "stdout", "2026-11-24T07:00:00Z") + std::string(1, '\0'), false);
  // Other layouts: key order, attrs, blanks, repeated or unknown keys, other types.
  const std::vector<std::string> others = {
      R"({"stream":"stdout","log":"x\n","time":"2026-11-24T07:00:00Z"})",
      R"({"time":"2026-11-24T07:00:00Z","stream":"stderr","log":"x\n"})",
      R"({"log":"x\n","stream":"stdout","attrs":{"tag":"web"},"time":"2026-11-24T07:00:00Z"})",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z","attrs":{"tag":"web"}})",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z","attrs":null})",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z","log":"last wins\n"})",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z","extra":1})",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z",})",
      R"({"log":"x\n", "stream":"stdout","time":"2026-11-24T07:00:00Z"})",
      R"({"log": "x\n","stream":"stdout","time":"2026-11-24T07:00:00Z"})",
      R"({ "log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z"})",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z" })",
      R"( {"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z"})",
      "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-24T07:00:00Z\"\n}",
      R"({"\u006cog":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z"})",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z"}{"log":"y"})",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z"}})",
      R"({"log":42,"stream":"stdout","time":"2026-11-24T07:00:00Z"})",
      R"({"log":null,"stream":"stdout","time":"2026-11-24T07:00:00Z"})",
      R"({"log":"x\n","stream":"stdout","time":1795503600})",
      R"({"log":"x\n","stream":"stdout"})",
      R"({"log":"x\n","time":"2026-11-24T07:00:00Z"})",
      R"({"log":"x\n"})",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z")",
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T07:00:00Z)",
      R"({"log":"x\n","stream":"stdout","time":)",
      R"({"log":"x\n","stream":"stdout",)",
      R"({"log":"x\n",)",
      R"({"log":)",
      R"({"log")",
      R"({)",
      R"(["log","x"])",
      R"("just a string")",
      "",
      "\n",
      "not json",
  };
  for (const std::string& line : others) add(line, false);
  // Every prefix of a valid record: only the whole one decodes.
  const std::string whole = Record(R"(caf\u00e9 \"x\"\n)", "stderr", "2026-11-24T07:00:00.1+01:00");
  for (size_t n = 0; n < whole.size(); ++n) add(whole.substr(0, n), false);
  add(whole, true);

  Differential diff;
  for (const Case& c : cases) {
    EXPECT_EQ(diff.Check(c.line), c.fast) << (c.fast ? "declined: " : "taken: ") << Printable(c.line);
  }
  // A few spot checks of the values themselves.
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  ASSERT_TRUE(decoder.Decode(Record(R"(e\u00e9 \u003c\u0026\u003e \u2028 \ufffd nul\u0000\r\n)", "stderr",
                                    "2026-11-24T08:00:00.25+01:00", "\n"), &r).ok());
  EXPECT_EQ(r.log, std::string("e\xC3\xA9 <&> \xE2\x80\xA8 \xEF\xBF\xBD nul") + std::string(1, '\0'));
  EXPECT_FALSE(r.partial);
  EXPECT_EQ(r.stream, ContainerStream::kStderr);
  EXPECT_EQ(r.time, kSeven + 250000000);
}

// ---- Random records ----

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  std::mt19937_64& rng() { return rng_; }
  size_t Pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  // Raw text: words, ASCII, control characters, UTF-8 of every length, invalid UTF-8.
  std::string Text() {
    const size_t r = Pick(100);
    const size_t pieces = r < 70 ? Pick(20) : r < 95 ? Pick(200) : Pick(3000);
    std::string out;
    for (size_t i = 0; i < pieces; ++i) {
      switch (Pick(r < 50 ? 4 : 10)) {  // half the records: plain text only
        case 0: case 1: {
          const size_t n = 1 + Pick(12);
          for (size_t k = 0; k < n; ++k) out += static_cast<char>('a' + Pick(26));
          break;
        }
        case 2: out += ' '; break;
        case 3: out += static_cast<char>(0x20 + Pick(0x5F)); break;  // printable ASCII: '"', '\\', '<' ...
        case 4: out += static_cast<char>(Pick(4) == 0 ? 0x7F : Pick(0x20)); break;
        case 5: AppendUtf8(0x80 + static_cast<uint32_t>(Pick(0x800 - 0x80)), &out); break;
        case 6: {
          static const uint32_t kSpecial[] = {0x20AC, 0x2028, 0x2029, 0xFFFD, 0xFEFF, 0xFFFF, 0xE000, 0xD7FF};
          uint32_t cp = Pick(2) == 0 ? kSpecial[Pick(8)] : 0x800 + static_cast<uint32_t>(Pick(0x10000 - 0x800));
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0x4E2D;
          AppendUtf8(cp, &out);
          break;
        }
        case 7: AppendUtf8(Pick(2) == 0 ? 0x1F600 : 0x10000 + static_cast<uint32_t>(Pick(0x100000)), &out); break;
        case 8: {
          static const char* const kBad[] = {"\x80", "\xBF", "\xC0\xAF", "\xC3", "\xC3\x28", "\xE2\x82",
                                             "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\xFF", "\xFE",
                                             "\xE0\x9F\xBF"};
          out += kBad[Pick(12)];
          break;
        }
        default: {
          static const char* const kBlank[] = {"\n", "\r\n", "\t", "\r", "\b", "\f"};
          out += kBlank[Pick(6)];
        }
      }
    }
    const size_t end = Pick(100);
    if (end < 60) {
      out += "\n";
    } else if (end < 72) {
      out += "\r\n";
    } else if (end < 76) {
      out += "\r";
    }  // else a part
    return out;
  }

  std::string Time() {
    std::string t;
    const size_t d = Pick(100);
    if (d < 85) {
      t = "2026-11-24T07:00:" + Two(Pick(60));
    } else if (d < 90) {
      t = "2024-02-29T23:59:" + Two(Pick(60));
    } else if (d < 94) {
      t = "1970-01-01T00:00:0" + std::to_string(Pick(10));
    } else if (d < 96) {
      t = "9999-12-31T23:59:59";
    } else if (d < 98) {
      t = "2026-02-30T07:00:00";
    } else {
      t = "2026-11-24T07:00:" + Two(Pick(62));
    }
    const size_t f = Pick(100);
    if (f < 60) {
      t += "." + Digits(1 + Pick(9));
    } else if (f < 65) {
      t += "." + Digits(10 + Pick(3));
    } else if (f < 67) {
      t += ".";
    }
    const size_t z = Pick(100);
    static const char* const kZones[] = {"+01:00", "-05:30", "+14:00", "+00:00", "-00:00"};
    static const char* const kBadZones[] = {"z", "", "+0100", "+01", "Z ", "+01:00Z"};
    if (z < 80) {
      t += "Z";
    } else if (z < 95) {
      t += kZones[Pick(5)];
    } else {
      t += kBadZones[Pick(6)];
    }
    return t;
  }

  std::string Stream() {
    const size_t s = Pick(100);
    if (s < 60) return "stdout";
    if (s < 96) return "stderr";
    static const char* const kOther[] = {"stdin", "STDOUT", "", "std\\u006fut"};
    return kOther[Pick(4)];
  }

  std::string Trailer() {
    const size_t t = Pick(100);
    if (t < 40) return "";
    if (t < 85) return "\n";
    if (t < 95) return "\r\n";
    static const char* const kOther[] = {" ", "\n\n", " \n", "\t", "x", "}", "\r", "\n "};
    return kOther[Pick(8)];
  }

  // Damages a line: a byte changed, inserted or removed, a cut, a blank between tokens, a key added
  // or moved.
  void Corrupt(std::string* line) {
    static const char kInteresting[] = {'"', '\\', ' ', '\n', '\r', '\0', '\x80', '\xC3', '\xFF', '}', '{', ',',
                                        ':', 'u', '0', 'n', 'x', '/', 'D', 'e'};
    const auto byte = [&] {
      return Pick(2) == 0 ? kInteresting[Pick(sizeof kInteresting)] : static_cast<char>(Pick(256));
    };
    if (line->empty()) {
      *line += byte();
      return;
    }
    const size_t pos = Pick(line->size());
    switch (Pick(8)) {
      case 0: (*line)[pos] = byte(); break;
      case 1: line->insert(line->begin() + static_cast<std::ptrdiff_t>(pos), byte()); break;
      case 2: line->erase(pos, 1); break;
      case 3: line->resize(pos); break;
      case 4: {  // a blank after a structural character
        const size_t at = line->find_first_of("{:,", pos);
        if (at != std::string::npos) line->insert(at + 1, Pick(2) == 0 ? " " : "\t");
        break;
      }
      case 5: {  // attrs before the time
        const size_t at = line->find(",\"time\"");
        if (at != std::string::npos) line->insert(at, ",\"attrs\":{\"tag\":\"web\"}");
        break;
      }
      case 6: {  // a repeated key at the end
        const size_t at = line->rfind('}');
        if (at != std::string::npos) line->insert(at, ",\"log\":\"again\\n\"");
        break;
      }
      default: {  // an escape's hex digit
        const size_t at = line->find("\\u", pos);
        if (at != std::string::npos && at + 2 + 4 <= line->size()) (*line)[at + 2 + Pick(4)] = byte();
      }
    }
  }

 private:
  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  static std::string Two(size_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }
  std::string Digits(size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += static_cast<char>('0' + Pick(10));
    return out;
  }

  std::mt19937_64 rng_;
};

TEST(DockerJsonFastPathTest, RandomRecordsAndCorruptionsDecodeAsTheGeneralPathDoes) {
  Generator gen(20261124);
  Differential diff;
  size_t go_records = 0, go_taken = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string text = gen.Text();
    const std::string stream = gen.Stream();
    const std::string time = gen.Time();
    const std::string trailer = gen.Trailer();
    const bool go = gen.Pick(4) != 0;
    const std::string escaped = go ? GoEscape(text, gen.Pick(4) == 0) : OtherEscape(text, gen.rng());
    std::string line = Record(escaped, stream, time, trailer);
    const bool taken = diff.Check(line);
    // Whatever Docker writes, the fast path takes (given a valid time and nothing after the line).
    if (go && (stream == "stdout" || stream == "stderr") && ParseRfc3339InRange(time).has_value() &&
        (trailer.empty() || trailer == "\n" || trailer == "\r\n")) {
      ++go_records;
      go_taken += taken ? 1 : 0;
      EXPECT_TRUE(taken) << Printable(line);
    }
    // One to three corruptions of it.
    if (gen.Pick(10) < 6) {
      const size_t n = 1 + gen.Pick(3);
      for (size_t k = 0; k < n; ++k) gen.Corrupt(&line);
      diff.Check(line);
    }
  }
  EXPECT_GT(go_records, 1500u);
  EXPECT_EQ(go_taken, go_records);
  EXPECT_GT(diff.lines(), 6000u);
  std::printf("differential: %zu lines, %zu taken by the fast path; %zu Go records, all taken\n", diff.lines(),
              diff.taken(), go_records);
}

// ---- Views ----

bool Within(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

TEST(DockerJsonFastPathTest, AnEscapeFreeTextIsAViewIntoTheLine) {
  DockerJsonDecoder decoder;
  DockerJsonRecord r;
  for (const char* trailer : {"", "\n", "\r\n"}) {
    const std::string line = Record("hello world\\n", "stdout", "2026-11-24T07:00:00.5Z", trailer);
    ASSERT_TRUE(decoder.Decode(line, &r).ok());
    EXPECT_EQ(r.log, "hello world");
    EXPECT_FALSE(r.partial);
    EXPECT_TRUE(Within(r.log, line));
    EXPECT_EQ(r.log.data(), line.data() + 8);
  }
  const std::string tty = Record("tty caf\xC3\xA9\\r\\n", "stderr");
  ASSERT_TRUE(decoder.Decode(tty, &r).ok());
  EXPECT_EQ(r.log, "tty caf\xC3\xA9");
  EXPECT_TRUE(Within(r.log, tty));
  const std::string part = Record("a part, no newline");
  ASSERT_TRUE(decoder.Decode(part, &r).ok());
  EXPECT_EQ(r.log, "a part, no newline");
  EXPECT_TRUE(r.partial);
  EXPECT_TRUE(Within(r.log, part));
  // Any other escape: unescaped into the decoder's buffer.
  for (const char* log : {"say \\\"hi\\\"\\n", "a\\u003cb\\n", "a\\n\\n", "tab\\t", "x\\r"}) {
    const std::string line = Record(log);
    ASSERT_TRUE(decoder.Decode(line, &r).ok()) << log;
    EXPECT_FALSE(Within(r.log, line)) << log;
  }
  // The general path never points into the line.
  ASSERT_TRUE(decoder.DecodeGeneral(part, &r).ok());
  EXPECT_EQ(r.log, "a part, no newline");
  EXPECT_FALSE(Within(r.log, part));
}

// Through the container decoder: the event of an escape-free record points into the line's block,
// which the batch then keeps instead of copying the text.
class Events final : public DecodedEventSink {
 public:
  void Add(const DecodedEvent& e) override {
    texts.emplace_back(e.text);
    blocks.push_back(e.block);
  }
  std::vector<std::string> texts;
  std::vector<const ConstByteBlockPtr*> blocks;
};

TEST(DockerJsonFastPathTest, AnEscapeFreeRecordsEventPointsIntoTheFilesBlock) {
  auto shared = std::make_shared<ContainerDecodeShared>();
  ContainerSources sources{std::make_shared<SourceInfo>(), std::make_shared<SourceInfo>(),
                           std::make_shared<SourceInfo>()};
  ContainerLogDecoder decoder(ContainerLogFormat::kDocker, shared, sources, "/x-json.log");
  const std::vector<std::string> records = {Record("plain\\n"), Record("say \\\"hi\\\"\\n", "stderr"),
                                            Record("tty\\r\\n")};
  std::string all;
  for (const std::string& r : records) all += r + "\n";
  std::shared_ptr<ByteBlock> block = ByteBlock::Create(all.size());
  std::memcpy(block->data(), all.data(), all.size());
  block->set_size(all.size());
  const ConstByteBlockPtr cblock = block;
  Events events;
  size_t pos = 0;
  for (const std::string& r : records) {
    const LineSplitter::Line line{std::string_view(block->data() + pos, r.size()), &cblock, pos + r.size() + 1, 0};
    decoder.Decode(line, pos, events);
    pos += r.size() + 1;
  }
  ASSERT_EQ(events.texts.size(), 3u);
  EXPECT_EQ(events.texts[0], "plain");
  EXPECT_EQ(events.blocks[0], &cblock);
  EXPECT_EQ(events.texts[1], "say \"hi\"");
  EXPECT_EQ(events.blocks[1], nullptr);  // unescaped: the batch copies it
  EXPECT_EQ(events.texts[2], "tty");
  EXPECT_EQ(events.blocks[2], &cblock);
  EXPECT_EQ(shared->malformed.load(), 0u);
}

}  // namespace
}  // namespace logcap
