#include "sinks/loki/loki_labels.h"

#include "codec/utf8.h"

#include <simdjson.h>

#include <cstdint>

namespace logcap {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr char kHex[] = "0123456789abcdef";

bool IsNameStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameByte(unsigned char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }


// A byte the label quoting copies as it is: printable ASCII other than '"' and '\\'.
bool IsPlainAscii(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

void AppendQuotedValue(std::string_view value, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const auto* const end = p + value.size();
  out.push_back('"');
  while (p < end) {
    // Copy the run of plain bytes in one append: label values are mostly plain ASCII.
    const unsigned char* run = p;
    while (p < end && IsPlainAscii(*p)) ++p;
    if (p != run) out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) break;
    const unsigned char c = *p;
    if (c < 0x80) {
      out.push_back('\\');
      switch (c) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '\a': out.push_back('a'); break;
        case '\b': out.push_back('b'); break;
        case '\f': out.push_back('f'); break;
        case '\n': out.push_back('n'); break;
        case '\r': out.push_back('r'); break;
        case '\t': out.push_back('t'); break;
        case '\v': out.push_back('v'); break;
        default:
          out.push_back('x');
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
      }
      ++p;
      continue;
    }
    size_t bad = 0;
    const size_t len = Utf8SequenceLength(p, static_cast<size_t>(end - p), &bad);
    const bool is_replacement = len == 3 && std::string_view(reinterpret_cast<const char*>(p), 3) == kReplacement;
    if (len != 0 && !is_replacement) {
      out.append(reinterpret_cast<const char*>(p), len);
      p += len;
    } else {
      out.append("\\ufffd");  // see the header: the PromQL lexer refuses a raw U+FFFD
      p += len != 0 ? len : bad;
    }
  }
  out.push_back('"');
}

}  // namespace

bool SanitizeLokiLabelName(std::string_view in, std::string* out) {
  out->clear();
  if (in.empty()) {
    out->push_back('_');
    return true;
  }
  bool changed = false;
  if (in[0] >= '0' && in[0] <= '9') {
    out->push_back('_');
    changed = true;
  }
  out->append(in);
  for (char& c : *out) {
    if (!IsNameByte(static_cast<unsigned char>(c))) {
      c = '_';
      changed = true;
    }
  }
  return changed;
}

void AppendLokiLabelString(std::span<const LokiLabelPair> pairs, std::string& out) {
  out.push_back('{');
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(pairs[i].name);
    out.push_back('=');
    AppendQuotedValue(pairs[i].value, out);
  }
  out.push_back('}');
}

void AppendValidUtf8(std::string_view in, std::string& out) {
  if (simdjson::validate_utf8(in.data(), in.size())) {
    out.append(in);
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* const end = p + in.size();
  while (p < end) {
    const unsigned char* run = p;
    while (p < end) {
      if (*p < 0x80) {
        ++p;
        continue;
      }
      size_t bad = 0;
      const size_t len = Utf8SequenceLength(p, static_cast<size_t>(end - p), &bad);
      if (len == 0) break;
      p += len;
    }
    out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) break;
    size_t bad = 0;
    Utf8SequenceLength(p, static_cast<size_t>(end - p), &bad);
    out.append(kReplacement);
    p += bad;
  }
}

}  // namespace logcap
