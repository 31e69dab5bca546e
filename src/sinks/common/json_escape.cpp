#include "sinks/common/json_escape.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace logcap {

namespace {

static_assert(std::endian::native == std::endian::little, "the SWAR scan assumes a little-endian CPU");

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;
// Room kept past the bytes still to copy, so the scan may store whole 8-byte words.
constexpr size_t kSlack = 16;
// The most output one input byte can produce outside a clean run ("\u001f" is 6 bytes).
constexpr size_t kMaxExpansion = 6;
constexpr char kHex[] = "0123456789abcdef";

// Marks the bytes of w (8 input bytes, little-endian) that need work: '"', '\\', < 0x20, >= 0x80.
// A borrow can also mark bytes after a marked one, never before it, so the lowest marked byte is
// always a real one, and the mask is zero exactly when all 8 bytes are clean.
inline uint64_t SpecialMask(uint64_t w) {
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t backslash = w ^ (kOnes * '\\');
  return ((quote - kOnes) | (backslash - kOnes) | (w - kOnes * 0x20) | w) & kHighBits;
}

// Writes the escape of ASCII byte c (one of '"', '\\', < 0x20) at dst; returns its length.
inline size_t EscapeAscii(unsigned char c, char* dst) {
  dst[0] = '\\';
  switch (c) {
    case '"': dst[1] = '"'; return 2;
    case '\\': dst[1] = '\\'; return 2;
    case '\b': dst[1] = 'b'; return 2;
    case '\f': dst[1] = 'f'; return 2;
    case '\n': dst[1] = 'n'; return 2;
    case '\r': dst[1] = 'r'; return 2;
    case '\t': dst[1] = 't'; return 2;
    default:
      std::memcpy(dst + 1, "u00", 3);
      dst[4] = kHex[c >> 4];
      dst[5] = kHex[c & 0xf];
      return 6;
  }
}

// Length of the valid UTF-8 sequence starting at p (lead byte >= 0x80), or 0 when it is invalid;
// then *consumed is the length of the maximal subpart to replace with one U+FFFD.
inline size_t DecodeUtf8(const unsigned char* p, size_t avail, size_t* consumed) {
  const unsigned char lead = p[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (lead == 0xED) hi = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;  // overlong below U+10000
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    *consumed = 1;  // continuation byte without a lead, C0, C1, F5..FF
    return 0;
  }
  for (size_t i = 1; i < len; ++i) {
    if (i >= avail || p[i] < lo || p[i] > hi) {
      *consumed = i;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return len;
}

// Bytes at the start of in that need no work.
inline size_t CleanPrefixLength(std::string_view in) {
  const char* p = in.data();
  size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    const uint64_t mask = SpecialMask(w);
    if (mask != 0) return i + (static_cast<size_t>(std::countr_zero(mask)) >> 3);
  }
  if (i < in.size()) {
    uint64_t w = kOnes * 'a';  // pad with a clean byte
    std::memcpy(&w, p + i, in.size() - i);
    const uint64_t mask = SpecialMask(w);
    if (mask != 0) return i + (static_cast<size_t>(std::countr_zero(mask)) >> 3);
  }
  return in.size();
}

inline bool IsCleanAscii(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// The general case: in starts with a byte that needs work.
bool AppendEscapedSlow(std::string_view in, std::string& out) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(in.data());
  const unsigned char* const end = p + in.size();
  const size_t start = out.size();
  size_t pos = start;
  // Invariant: out.size() - pos >= (end - p) + kSlack, so clean bytes can always be stored.
  out.resize(start + in.size() + kSlack);
  char* dst = out.data();
  size_t cap = out.size();
  bool replaced = false;

  for (;;) {
    // Bytes that need work, until a clean one.
    do {
      if (cap - pos < static_cast<size_t>(end - p) + kSlack + kMaxExpansion) {
        const size_t extra = std::max<size_t>(64, pos - start);  // geometric in this call's output
        out.resize(pos + static_cast<size_t>(end - p) + kSlack + kMaxExpansion + extra);
        dst = out.data();
        cap = out.size();
      }
      const unsigned char c = *p;
      if (c < 0x80) {
        pos += EscapeAscii(c, dst + pos);
        ++p;
      } else {
        size_t consumed = 0;
        const size_t len = DecodeUtf8(p, static_cast<size_t>(end - p), &consumed);
        if (len != 0) {
          std::memcpy(dst + pos, p, len);
          pos += len;
          p += len;
        } else {
          std::memcpy(dst + pos, "\xEF\xBF\xBD", 3);
          pos += 3;
          p += consumed;
          replaced = true;
        }
      }
    } while (p < end && !IsCleanAscii(*p));
    if (p == end) break;

    // The clean run, 8 bytes at a time: store the word first (kSlack makes room), then look at it.
    bool found = false;
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      std::memcpy(dst + pos, &w, 8);
      const uint64_t mask = SpecialMask(w);
      if (mask != 0) {
        const size_t clean = static_cast<size_t>(std::countr_zero(mask)) >> 3;
        p += clean;
        pos += clean;
        found = true;
        break;
      }
      p += 8;
      pos += 8;
    }
    if (!found && p < end) {
      const size_t n = static_cast<size_t>(end - p);
      uint64_t w = kOnes * 'a';  // pad with a clean byte
      std::memcpy(&w, p, n);
      std::memcpy(dst + pos, &w, 8);
      const uint64_t mask = SpecialMask(w);
      const size_t clean = mask != 0 ? static_cast<size_t>(std::countr_zero(mask)) >> 3 : n;
      p += clean;
      pos += clean;
    }
    if (p == end) break;
  }
  out.resize(pos);
  return replaced;
}

}  // namespace

bool AppendJsonEscaped(std::string_view in, std::string& out) {
  // Most strings (paths, label values, plain log lines) need no work at all: one scan, one copy.
  const size_t clean = CleanPrefixLength(in);
  out.append(in.data(), clean);
  if (clean == in.size()) return false;
  return AppendEscapedSlow(in.substr(clean), out);
}

}  // namespace logcap
