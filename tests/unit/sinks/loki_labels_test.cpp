#include "sinks/loki/loki_labels.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "codec/json_escape.h"

namespace logcap {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// ---- A test-only reader of label strings, following what Loki does with them: Prometheus'
// promql lexer (refuses a raw newline and any rune that decodes to utf8.RuneError, i.e. invalid
// UTF-8 *and* a raw U+FFFD), then Go's strconv.Unquote for the value.

// Strict UTF-8 decode (Go's utf8.DecodeRune): the length of the rune at s[i] and its value, or 0.
size_t DecodeRune(std::string_view s, size_t i, uint32_t* rune) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t len;
  uint32_t r;
  if (c < 0x80) {
    *rune = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    len = 2, r = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, r = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, r = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    r = (r << 6) | (b(k) & 0x3F);
  }
  if ((len == 3 && r < 0x800) || (len == 4 && (r < 0x10000 || r > 0x10FFFF)) || (r >= 0xD800 && r <= 0xDFFF)) return 0;
  *rune = r;
  return len;
}

void EncodeRune(uint32_t r, std::string& out) {
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The value of the Go double-quoted string at s[*i] ('"' included); nullopt on a syntax error.
std::optional<std::string> GoUnquote(std::string_view s, size_t* i) {
  if (*i >= s.size() || s[*i] != '"') return std::nullopt;
  std::string out;
  size_t p = *i + 1;
  while (true) {
    if (p >= s.size() || s[p] == '\n') return std::nullopt;
    const char c = s[p];
    if (c == '"') break;
    if (c != '\\') {
      uint32_t rune;
      const size_t len = DecodeRune(s, p, &rune);
      if (len == 0 || rune == 0xFFFD) return std::nullopt;  // the lexer's "invalid UTF-8 rune"
      out.append(s.substr(p, len));
      p += len;
      continue;
    }
    if (++p >= s.size()) return std::nullopt;
    const char e = s[p++];
    auto hex = [&](size_t n, uint32_t* v) {
      *v = 0;
      for (size_t k = 0; k < n; ++k, ++p) {
        if (p >= s.size() || HexValue(s[p]) < 0) return false;
        *v = *v * 16 + static_cast<uint32_t>(HexValue(s[p]));
      }
      return true;
    };
    uint32_t v = 0;
    switch (e) {
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case '\\': out.push_back('\\'); break;
      case '"': out.push_back('"'); break;
      case 'x':
        if (!hex(2, &v)) return std::nullopt;
        out.push_back(static_cast<char>(v));
        break;
      case 'u':
      case 'U':
        if (!hex(e == 'u' ? 4 : 8, &v) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return std::nullopt;
        EncodeRune(v, out);
        break;
      default:
        if (e >= '0' && e <= '7') {
          v = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2; ++k, ++p) {
            if (p >= s.size() || s[p] < '0' || s[p] > '7') return std::nullopt;
            v = v * 8 + static_cast<uint32_t>(s[p] - '0');
          }
          if (v > 255) return std::nullopt;
          out.push_back(static_cast<char>(v));
          break;
        }
        return std::nullopt;  // includes \' : not allowed in a double-quoted Go string
    }
  }
  *i = p + 1;
  return out;
}

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

std::optional<Pairs> ParseLabelString(std::string_view s) {
  Pairs pairs;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  if (s.empty() || s[0] != '{') return std::nullopt;
  ++i;
  skip_spaces();
  if (i < s.size() && s[i] == '}') return i + 1 == s.size() ? std::optional<Pairs>(pairs) : std::nullopt;
  while (true) {
    skip_spaces();
    const size_t name_begin = i;
    if (i >= s.size() || !IsNameStart(s[i])) return std::nullopt;
    while (i < s.size() && IsNameChar(s[i])) ++i;
    std::string name(s.substr(name_begin, i - name_begin));
    skip_spaces();
    if (i >= s.size() || s[i] != '=') return std::nullopt;
    ++i;
    skip_spaces();
    std::optional<std::string> value = GoUnquote(s, &i);
    if (!value) return std::nullopt;
    pairs.emplace_back(std::move(name), std::move(*value));
    skip_spaces();
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == '}' && i + 1 == s.size()) return pairs;
    return std::nullopt;
  }
}

std::string LabelString(const Pairs& pairs) {
  std::vector<LokiLabelPair> view;
  for (const auto& [n, v] : pairs) view.push_back({n, v});
  std::string out;
  AppendLokiLabelString(view, out);
  return out;
}

std::string Valid(std::string_view s) {
  std::string out;
  AppendValidUtf8(s, out);
  return out;
}

// ---- SanitizeLokiLabelName

std::pair<std::string, bool> Sanitize(std::string_view in) {
  std::string out = "garbage";
  const bool changed = SanitizeLokiLabelName(in, &out);
  return {out, changed};
}

TEST(LokiLabelName, ValidNamesAreKept) {
  for (std::string_view name : {"job", "_", "__name", "a1", "Level_2", "_9"}) {
    EXPECT_EQ(Sanitize(name), std::make_pair(std::string(name), false)) << name;
  }
}

TEST(LokiLabelName, InvalidBytesBecomeUnderscores) {
  EXPECT_EQ(Sanitize("k8s.pod-name"), std::make_pair(std::string("k8s_pod_name"), true));
  EXPECT_EQ(Sanitize("a b"), std::make_pair(std::string("a_b"), true));
  EXPECT_EQ(Sanitize("app/kubernetes.io:name"), std::make_pair(std::string("app_kubernetes_io_name"), true));
  // One underscore per byte: "é" is two bytes, "😀" four.
  EXPECT_EQ(Sanitize("caf\xC3\xA9"), std::make_pair(std::string("caf__"), true));
  EXPECT_EQ(Sanitize("\xF0\x9F\x98\x80x"), std::make_pair(std::string("____x"), true));
  EXPECT_EQ(Sanitize(std::string_view("a\0b", 3)), std::make_pair(std::string("a_b"), true));
}

TEST(LokiLabelName, LeadingDigitGetsAnUnderscore) {
  EXPECT_EQ(Sanitize("1abc"), std::make_pair(std::string("_1abc"), true));
  EXPECT_EQ(Sanitize("9.x"), std::make_pair(std::string("_9_x"), true));
  EXPECT_EQ(Sanitize("0"), std::make_pair(std::string("_0"), true));
}

TEST(LokiLabelName, EmptyBecomesUnderscore) { EXPECT_EQ(Sanitize(""), std::make_pair(std::string("_"), true)); }

TEST(LokiLabelName, ResultIsAlwaysValid) {
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string in(rng() % 12, '\0');
    for (char& c : in) c = static_cast<char>(rng());
    const auto [out, changed] = Sanitize(in);
    ASSERT_FALSE(out.empty());
    EXPECT_TRUE(IsNameStart(out[0]));
    for (char c : out) EXPECT_TRUE(IsNameChar(c));
    EXPECT_EQ(changed, out != in);
  }
}

// ---- AppendLokiLabelString

TEST(LokiLabelString, PlainPairs) {
  EXPECT_EQ(LabelString({{"job", "app"}, {"level", "info"}}), R"({job="app", level="info"})");
  EXPECT_EQ(LabelString({{"job", "app"}}), R"({job="app"})");
  EXPECT_EQ(LabelString({}), "{}");
  EXPECT_EQ(LabelString({{"empty", ""}}), R"({empty=""})");
}

TEST(LokiLabelString, AppendsToWhatIsThere) {
  std::string out = "prefix ";
  const LokiLabelPair pair{"a", "b"};
  AppendLokiLabelString(std::span(&pair, 1), out);
  EXPECT_EQ(out, R"(prefix {a="b"})");
}

TEST(LokiLabelString, EscapesAsGoQuoteDoes) {
  EXPECT_EQ(LabelString({{"v", R"(say "hi" \o/)"}}), R"({v="say \"hi\" \\o/"})");
  EXPECT_EQ(LabelString({{"v", "a\nb\rc\td"}}), R"({v="a\nb\rc\td"})");
  EXPECT_EQ(LabelString({{"v", "\a\b\f\v"}}), R"({v="\a\b\f\v"})");
  EXPECT_EQ(LabelString({{"v", std::string("\x01\x1f\x7f\0", 4)}}), R"({v="\x01\x1f\x7f\x00"})");
  EXPECT_EQ(LabelString({{"v", "it's {x}, ok"}}), R"({v="it's {x}, ok"})");
}

TEST(LokiLabelString, Utf8IsCopiedInvalidIsReplaced) {
  EXPECT_EQ(LabelString({{"v", "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC"}}), "{v=\"caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC\"}");
  EXPECT_EQ(LabelString({{"v", "a\xFF" "b"}}), R"({v="a\ufffdb"})");
  EXPECT_EQ(LabelString({{"v", "a\xE2\x82(b"}}), R"({v="a\ufffd(b"})");       // truncated: one U+FFFD
  EXPECT_EQ(LabelString({{"v", "\xED\xA0\x80"}}), R"({v="\ufffd\ufffd\ufffd"})");  // surrogate
  EXPECT_EQ(LabelString({{"v", "\xC0\xAF"}}), R"({v="\ufffd\ufffd"})");           // overlong
  EXPECT_EQ(LabelString({{"v", "end\xF0\x9F\x98"}}), R"({v="end\ufffd"})");
  // A genuine U+FFFD is escaped too: the PromQL lexer refuses it raw.
  EXPECT_EQ(LabelString({{"v", "x\xEF\xBF\xBDy"}}), R"({v="x\ufffdy"})");
}

TEST(LokiLabelString, ReadsBackThroughGoUnquote) {
  const std::vector<std::string> values = {
      "",
      "plain",
      R"(quotes " and \ backslashes \\")",
      "new\nline\r\n\ttab",
      std::string("nul\0byte", 8),
      "\x01\x02\x1b[31mred\x1b[0m\x7f",
      "caf\xC3\xA9 \xF0\x9F\x98\x80 \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",
      "bad \xFF\xFE bytes \xC3",
      "\xEF\xBF\xBD",
      "'single' `back` {braces} ,=,",
      "\xC2\xA0\xE2\x80\xA8",  // non-printable but valid runes: copied raw, still fine
  };
  Pairs pairs;
  for (size_t i = 0; i < values.size(); ++i) pairs.emplace_back("l" + std::to_string(10 + i), values[i]);
  const std::string text = LabelString(pairs);
  const std::optional<Pairs> back = ParseLabelString(text);
  ASSERT_TRUE(back.has_value()) << text;
  ASSERT_EQ(back->size(), pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ((*back)[i].first, pairs[i].first);
    EXPECT_EQ((*back)[i].second, Valid(pairs[i].second)) << i;
  }
}

TEST(LokiLabelString, RandomValuesReadBack) {
  std::mt19937 rng(11);
  const char alphabet[] = {'a', '"', '\\', '\n', '\t', '\x01', '\x7f', '\'', ' ', '{', '}', ','};
  for (int round = 0; round < 3000; ++round) {
    Pairs pairs;
    const int n = static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) {
      std::string v(rng() % 24, '\0');
      for (char& c : v) {
        const unsigned pick = rng() % 4;
        c = pick == 0 ? static_cast<char>(rng()) : pick == 1 ? static_cast<char>(0x80 | (rng() & 0x3F)) : alphabet[rng() % sizeof(alphabet)];
      }
      pairs.emplace_back("n" + std::to_string(k), v);
    }
    const std::string text = LabelString(pairs);
    const std::optional<Pairs> back = ParseLabelString(text);
    ASSERT_TRUE(back.has_value()) << text;
    ASSERT_EQ(back->size(), pairs.size());
    for (size_t i = 0; i < pairs.size(); ++i) ASSERT_EQ((*back)[i].second, Valid(pairs[i].second)) << text;
  }
}

TEST(LokiLabelString, TheTestReaderRefusesWhatLokiRefuses) {
  // So that the round trips above mean something.
  EXPECT_FALSE(ParseLabelString("{v=\"a\nb\"}"));
  EXPECT_FALSE(ParseLabelString("{v=\"\xFF\"}"));
  EXPECT_FALSE(ParseLabelString("{v=\"\xEF\xBF\xBD\"}"));
  EXPECT_FALSE(ParseLabelString(R"({v="\'"})"));
  EXPECT_FALSE(ParseLabelString(R"({v="\ud800"})"));
  EXPECT_FALSE(ParseLabelString(R"({v="open})"));
  EXPECT_TRUE(ParseLabelString(R"({v="\ufffd\x41\101\U0001F600"})"));
}

// ---- AppendValidUtf8

TEST(LokiValidUtf8, ValidTextIsCopied) {
  for (std::string_view s : {"", "ascii", "caf\xC3\xA9", "\xF0\x9F\x98\x80", "\xEF\xBF\xBD", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_EQ(Valid(s), s);
  }
  std::string out = "keep:";
  AppendValidUtf8("x", out);
  EXPECT_EQ(out, "keep:x");
}

TEST(LokiValidUtf8, InvalidSubpartsBecomeOneReplacementEach) {
  EXPECT_EQ(Valid("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(Valid("a\xC3("), "a\xEF\xBF\xBD(");
  EXPECT_EQ(Valid("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Valid("\xF0\x9F\x98"), "\xEF\xBF\xBD");
  EXPECT_EQ(Valid("\xF4\x90\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Valid("\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(LokiValidUtf8, AgreesWithTheJsonEscaper) {
  // Without JSON specials (quote, backslash, controls), the escaper's output is the repaired text.
  std::mt19937 rng(5);
  for (int round = 0; round < 5000; ++round) {
    std::string in(rng() % 40, '\0');
    for (char& c : in) {
      const unsigned pick = rng() % 3;
      c = pick == 0 ? static_cast<char>('a' + rng() % 26) : static_cast<char>(0x80 | (rng() & 0x7F));
    }
    std::string escaped;
    AppendJsonEscaped(in, escaped);
    ASSERT_EQ(Valid(in), escaped);
  }
}

}  // namespace
}  // namespace logcap
