// See loki_labels.h.
#include "loki_labels.h"

#include <algorithm>
#include <cstdint>

namespace logcap::testtools {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when it is not one.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t cp;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (b & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are invalid.
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// "'x'" for a printable character, "end of input" past the end, else "byte 0xhh".
std::string Describe(std::string_view text, size_t pos) {
  if (pos >= text.size()) return "end of input";
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
}

std::string Unexpected(std::string_view text, size_t pos, std::string_view expected) {
  std::string why = "unexpected " + Describe(text, pos) + " at offset " + std::to_string(pos) + ", expected ";
  why += expected;
  return why;
}

void AppendPairs(std::string& out, std::span<const LabelPair> pairs) {
  out += '{';
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out += ", ";
    out += pairs[i].name;
    out += '=';
    AppendGoQuoted(out, pairs[i].value);
  }
  out += '}';
}

}  // namespace

void AppendGoQuoted(std::string& out, std::string_view value) {
  out += '"';
  size_t i = 0;
  while (i < value.size()) {
    // Copy the longest run that needs no escaping in one go.
    size_t run = i;
    while (run < value.size()) {
      const auto c = static_cast<unsigned char>(value[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) break;
      if (c >= 0x80) {
        size_t len = Utf8Length(value, run);
        if (len == 0) break;
        run += len;
      } else {
        ++run;
      }
    }
    out.append(value.data() + i, run - i);
    i = run;
    if (i >= value.size()) break;
    const auto c = static_cast<unsigned char>(value[i++]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out += '"';
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), IsNameChar);
}

bool LokiLabels::Parse(std::string_view text, std::string* why) {
  pairs_.clear();
  unescaped_.clear();
  // Unescaping never lengthens a value, so views into unescaped_ stay valid while it fills.
  unescaped_.reserve(text.size());
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < text.size() && IsSpace(text[pos])) ++pos;
  };
  skip_space();
  if (pos >= text.size() || text[pos] != '{') {
    *why = Unexpected(text, pos, "'{'");
    return false;
  }
  ++pos;
  skip_space();
  bool closed = false;
  if (pos < text.size() && text[pos] == '}') {
    ++pos;
    closed = true;
  }
  while (!closed) {
    const size_t name_start = pos;
    if (pos >= text.size() || !IsNameStart(text[pos])) {
      *why = Unexpected(text, pos, "a label name");
      return false;
    }
    while (pos < text.size() && IsNameChar(text[pos])) ++pos;
    LabelPair pair;
    pair.name = text.substr(name_start, pos - name_start);
    skip_space();
    if (pos >= text.size() || text[pos] != '=') {
      *why = Unexpected(text, pos, "'='");
      return false;
    }
    ++pos;
    if (pos < text.size() && text[pos] == '~') {
      *why = "unexpected '=~' at offset " + std::to_string(pos - 1) + ": a stream's labels allow '=' only";
      return false;
    }
    skip_space();
    if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'' && text[pos] != '`')) {
      *why = Unexpected(text, pos, "a quoted label value");
      return false;
    }
    const char quote = text[pos];
    const size_t value_start = ++pos;
    if (quote == '`') {  // raw string: anything up to the next backtick
      const size_t end = text.find('`', pos);
      if (end == std::string_view::npos) {
        *why = "unterminated raw string starting at offset " + std::to_string(value_start - 1);
        return false;
      }
      pair.value = text.substr(pos, end - pos);
      pos = end + 1;
    } else {
      // Fast path: no backslash before the closing quote means the value is the text itself.
      size_t end = pos;
      while (end < text.size() && text[end] != quote && text[end] != '\\' && text[end] != '\n') ++end;
      if (end < text.size() && text[end] == quote) {
        pair.value = text.substr(pos, end - pos);
        pos = end + 1;
      } else {
        const size_t out_start = unescaped_.size();
        unescaped_.append(text.data() + pos, end - pos);
        pos = end;
        for (;;) {
          if (pos >= text.size() || text[pos] == '\n') {
            *why = "unterminated quoted string starting at offset " + std::to_string(value_start - 1);
            return false;
          }
          char c = text[pos];
          if (c == quote) {
            ++pos;
            break;
          }
          if (c != '\\') {
            unescaped_ += c;
            ++pos;
            continue;
          }
          const size_t esc = pos;
          if (++pos >= text.size()) continue;  // reported as unterminated above
          c = text[pos++];
          int digits = 0;
          switch (c) {
            case 'a': unescaped_ += '\a'; break;
            case 'b': unescaped_ += '\b'; break;
            case 'f': unescaped_ += '\f'; break;
            case 'n': unescaped_ += '\n'; break;
            case 'r': unescaped_ += '\r'; break;
            case 't': unescaped_ += '\t'; break;
            case 'v': unescaped_ += '\v'; break;
            case '\\': unescaped_ += '\\'; break;
            case 'x': digits = 2; break;
            case 'u': digits = 4; break;
            case 'U': digits = 8; break;
            default:
              if (c == quote) {
                unescaped_ += c;
              } else if (c >= '0' && c <= '7') {
                // Exactly three octal digits, at most \377.
                int v = c - '0';
                for (int k = 0; k < 2; ++k) {
                  if (pos >= text.size() || text[pos] < '0' || text[pos] > '7') {
                    *why = "invalid octal escape at offset " + std::to_string(esc) + " (\\ooo needs 3 digits)";
                    return false;
                  }
                  v = v * 8 + (text[pos++] - '0');
                }
                if (v > 255) {
                  *why = "octal escape value > 255 at offset " + std::to_string(esc);
                  return false;
                }
                unescaped_ += static_cast<char>(v);
              } else {
                *why = "invalid escape sequence '\\" + std::string(1, c) + "' at offset " + std::to_string(esc);
                return false;
              }
          }
          if (digits > 0) {
            uint32_t v = 0;
            for (int k = 0; k < digits; ++k) {
              const int h = pos < text.size() ? HexValue(text[pos]) : -1;
              if (h < 0) {
                *why = "invalid escape sequence at offset " + std::to_string(esc) + " (\\" + c + " needs " +
                       std::to_string(digits) + " hex digits)";
                return false;
              }
              v = v << 4 | static_cast<uint32_t>(h);
              ++pos;
            }
            if (c == 'x') {
              unescaped_ += static_cast<char>(v);  // a raw byte, as in Go
            } else if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
              *why = "invalid Unicode code point in escape at offset " + std::to_string(esc);
              return false;
            } else {
              AppendUtf8(unescaped_, v);
            }
          }
        }
        pair.value = std::string_view(unescaped_).substr(out_start);
      }
    }
    pairs_.push_back(pair);
    skip_space();
    if (pos < text.size() && text[pos] == ',') {
      ++pos;
      skip_space();
      if (pos < text.size() && text[pos] == '}') {  // a trailing comma is allowed
        ++pos;
        closed = true;
      }
    } else if (pos < text.size() && text[pos] == '}') {
      ++pos;
      closed = true;
    } else {
      *why = Unexpected(text, pos, "',' or '}'");
      return false;
    }
  }
  skip_space();
  if (pos != text.size()) {
    *why = Unexpected(text, pos, "end of input after '}'");
    return false;
  }
  return true;
}

LabelsResult LokiLabels::Normalise(std::string* canonical, std::string* error) {
  std::stable_sort(pairs_.begin(), pairs_.end(),
                   [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });
  // An empty value removes every pair of that name (Loki's label builder deletes by name).
  kept_.clear();
  for (size_t i = 0; i < pairs_.size();) {
    size_t j = i;
    bool any_empty = false;
    while (j < pairs_.size() && pairs_[j].name == pairs_[i].name) any_empty |= pairs_[j++].value.empty();
    if (!any_empty) kept_.insert(kept_.end(), pairs_.begin() + static_cast<ptrdiff_t>(i),
                                 pairs_.begin() + static_cast<ptrdiff_t>(j));
    i = j;
  }
  if (kept_.empty()) {
    *error = "error at least one label pair is required per stream";
    return LabelsResult::kMissing;
  }
  AppendPairs(*canonical, kept_);
  for (size_t i = 1; i < kept_.size(); ++i) {
    if (kept_[i].name == kept_[i - 1].name) {
      *error = "stream '" + *canonical + "' has duplicate label name: '" + std::string(kept_[i].name) + "'";
      canonical->clear();
      return LabelsResult::kDuplicate;
    }
  }
  return LabelsResult::kOk;
}

LabelsResult LokiLabels::FromString(std::string_view text, std::string* canonical, std::string* error) {
  canonical->clear();
  error->clear();
  std::string why;
  if (!Parse(text, &why)) {
    *error = "Error parsing labels '";
    *error += text;
    *error += "' with error: ";
    *error += why;
    return LabelsResult::kInvalid;
  }
  return Normalise(canonical, error);
}

LabelsResult LokiLabels::FromPairs(std::span<const LabelPair> pairs, std::string* canonical, std::string* error) {
  canonical->clear();
  error->clear();
  for (const LabelPair& p : pairs) {
    if (!IsValidLabelName(p.name)) {
      *error = "Error parsing labels '";
      AppendPairs(*error, pairs);
      *error += "' with error: invalid label name ";
      AppendGoQuoted(*error, p.name);
      *error += " (names match [a-zA-Z_][a-zA-Z0-9_]*)";
      return LabelsResult::kInvalid;
    }
  }
  pairs_.assign(pairs.begin(), pairs.end());
  return Normalise(canonical, error);
}

}  // namespace logcap::testtools
