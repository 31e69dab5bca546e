#include "codec/json_escape.h"
#include "codec/utf8.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace logcap {

namespace {

static_assert(std::endian::native == std::endian::little, "the block scans assume a little-endian CPU");

// The most output one input byte can produce on the byte-at-a-time path ("\u001f" is 6 bytes).
constexpr size_t kMaxExpansion = 6;
constexpr char kHex[] = "0123456789abcdef";

// The string being written, as a raw cursor: str's bytes [0, size()) are room to write into,
// dst is the next byte to write. Writing through a pointer into room made ahead of time avoids a
// capacity check and a size update per piece; the caller trims the string once at the end.
struct Output {
  Output(std::string& s, size_t pos) : str(s), start(pos), dst(s.data() + pos), limit(s.data() + s.size()) {}

  // Makes sure n bytes can be written at dst. pending (input bytes not yet escaped) sizes a growth.
  void Ensure(size_t n, size_t pending) {
    if (static_cast<size_t>(limit - dst) < n) Grow(n, pending);
  }
  size_t position() const { return static_cast<size_t>(dst - str.data()); }

  std::string& str;
  const size_t start;  // where this call's output began
  char* dst;
  char* limit;  // str.data() + str.size()

 private:
  // Room for the pending input at 1:1, plus a margin that grows with this call's output so that a
  // long run of expanding bytes costs O(log n) growths (each one zero-fills), not one per margin.
  [[gnu::noinline]] void Grow(size_t n, size_t pending) {
    const size_t used = position();
    const size_t margin = std::max<size_t>(64, used - start);
    str.resize(used + n + pending + margin);
    dst = str.data() + used;
    limit = str.data() + str.size();
  }
};

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


inline bool IsCleanAscii(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// The byte-at-a-time path: p (< end) points at a byte that needs work. Escapes it and the bytes
// after it until a clean one or end, and returns where it stopped. Never reads at or past end.
const unsigned char* EscapeSpecials(const unsigned char* p, const unsigned char* end, Output& out, bool& replaced) {
  do {
    out.Ensure(kMaxExpansion, static_cast<size_t>(end - p));
    const unsigned char c = *p;
    if (c < 0x80) {
      out.dst += EscapeAscii(c, out.dst);
      ++p;
    } else {
      size_t consumed = 0;
      const size_t len = Utf8SequenceLength(p, static_cast<size_t>(end - p), &consumed);
      if (len != 0) {
        // len is 2..4: two overlapping 2-byte copies, rather than a byte loop.
        std::memcpy(out.dst, p, 2);
        std::memcpy(out.dst + len - 2, p + len - 2, 2);
        out.dst += len;
        p += len;
      } else {
        std::memcpy(out.dst, "\xEF\xBF\xBD", 3);
        out.dst += 3;
        p += consumed;
        replaced = true;
      }
    }
  } while (p < end && !IsCleanAscii(*p));
  return p;
}

// Portable scan: 8 bytes at a time in a uint64_t (SWAR), reading only bytes of the input: the last
// few bytes are gathered into a word with in-bounds loads, so no step ever reads past the end (and
// none goes through a stack copy, which would stall on store-to-load forwarding). Only the first
// special byte of a word is reliably located (see SpecialMask), so each special ends the step.
struct SwarScan {
  static constexpr uint64_t kOnes = 0x0101010101010101ULL;
  static constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  static constexpr uint64_t kPadding = kOnes * 'a';  // a clean byte

  // Marks the bytes of w (8 input bytes, little-endian) that need work: '"', '\\', < 0x20, >= 0x80.
  // A borrow can also mark bytes after a marked one, never before it, so the lowest marked byte is
  // always a real one, and the mask is zero exactly when all 8 bytes are clean.
  static uint64_t SpecialMask(uint64_t w) {
    const uint64_t quote = w ^ (kOnes * '"');
    const uint64_t backslash = w ^ (kOnes * '\\');
    return ((quote - kOnes) | (backslash - kOnes) | (w - kOnes * 0x20) | w) & kHighBits;
  }

  template <typename T>
  static uint64_t Load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  }

  // The n (< 8) bytes at p in the low bytes of a word, padded with clean bytes. Two overlapping
  // loads cover any n between a load's size and twice it; the overlapping bytes are equal.
  static uint64_t LoadPartial(const unsigned char* p, size_t n) {
    uint64_t w;
    if (n >= 4) {
      w = Load<uint32_t>(p) | (Load<uint32_t>(p + n - 4) << (8 * (n - 4)));
    } else if (n >= 2) {
      w = Load<uint16_t>(p) | (Load<uint16_t>(p + n - 2) << (8 * (n - 2)));
    } else {
      w = n == 1 ? p[0] : 0;
    }
    return w | (kPadding << (8 * n));
  }

  // Escapes [p, end). Writes up to 8 bytes at out.dst per step.
  static void Run(const unsigned char* p, const unsigned char* end, Output& out, bool& replaced) {
    while (p < end) {
      out.Ensure(8, static_cast<size_t>(end - p));
      const size_t n = std::min<size_t>(8, static_cast<size_t>(end - p));
      const uint64_t w = n == 8 ? Load<uint64_t>(p) : LoadPartial(p, n);
      std::memcpy(out.dst, &w, 8);  // store first, look after: clean bytes are then already in place
      const uint64_t mask = SpecialMask(w);
      if (mask == 0) {
        p += n;
        out.dst += n;
        continue;
      }
      const size_t clean = static_cast<size_t>(std::countr_zero(mask)) >> 3;  // < n: the padding is clean
      p += clean;
      out.dst += clean;
      p = EscapeSpecials(p, end, out, replaced);
    }
  }
};

#if defined(__SSE2__)
// SSE2 scan: 16 bytes at a time. '"' and '\\' are escaped by putting a backslash before them, so a
// block whose only specials are those is finished without leaving it: for each one, in order,
// write '\\' where it now belongs and copy the input from it onwards (16 bytes, reloaded from the
// input) right after; the next such byte overwrites the tail of that copy. Those copies do not
// depend on each other, unlike restarting the scan after each special, whose load -> compare ->
// movemask -> tzcnt chain costs ~15 cycles per quote on a JSON-in-JSON line.
struct Sse2Scan {
  // A step reads the block and, at each special, 16 bytes from it: up to 31 bytes from its start.
  static constexpr size_t kReadAhead = 31;
  // It writes the block; when all 16 bytes are specials, 16 backslashes and, after the last one,
  // a 16-byte copy ending 47 bytes past the start.
  static constexpr size_t kRoom = 48;

  // Escapes from p while a step can read kReadAhead bytes of the input; returns where it stopped.
  static const unsigned char* Run(const unsigned char* p, const unsigned char* end, Output& out, bool& replaced) {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (static_cast<size_t>(end - p) >= kReadAhead) {
      out.Ensure(kRoom, static_cast<size_t>(end - p));
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out.dst), v);
      const unsigned escapes =
          static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))));
      // A signed compare: bytes >= 0x80 are negative, so this marks them along with the controls.
      const unsigned others = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, space)));
      if ((escapes | others) == 0) {
        p += 16;
        out.dst += 16;
        continue;
      }
      // Finish the block up to its first byte for EscapeSpecials (all of it when there is none).
      const unsigned take = others == 0 ? 16 : static_cast<unsigned>(std::countr_zero(others));
      const unsigned below_take = (others & (~others + 1)) - 1;  // bits below the lowest of others; all if none
      char* const block_dst = out.dst;
      unsigned inserted = 0;
      for (unsigned m = escapes & below_take; m != 0; m &= m - 1) {
        const unsigned i = static_cast<unsigned>(std::countr_zero(m));
        char* const d = block_dst + i + inserted;
        *d = '\\';
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 1), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
        ++inserted;
      }
      p += take;
      out.dst += take + inserted;
      if (others != 0) p = EscapeSpecials(p, end, out, replaced);
    }
    return p;
  }
};
#endif

enum class Scan { kPortable, kSse2 };

template <Scan scan>
size_t WriteWith(std::string_view in, std::string& str, size_t pos, bool* replaced) {
  Output out(str, pos);
  bool any_replaced = false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* const end = p + in.size();
#if defined(__SSE2__)
  if constexpr (scan == Scan::kSse2) p = Sse2Scan::Run(p, end, out, any_replaced);
#endif
  // All of the input for the portable scan; the last (< 31) bytes after the SSE2 one.
  SwarScan::Run(p, end, out, any_replaced);
  if (any_replaced && replaced != nullptr) *replaced = true;
  return out.position();
}

}  // namespace

namespace json_escape_internal {

size_t WritePortable(std::string_view in, std::string& out, size_t pos, bool* replaced) {
  return WriteWith<Scan::kPortable>(in, out, pos, replaced);
}

#if defined(__SSE2__)
bool HasSse2() { return true; }
size_t WriteSse2(std::string_view in, std::string& out, size_t pos, bool* replaced) {
  return WriteWith<Scan::kSse2>(in, out, pos, replaced);
}
#else
bool HasSse2() { return false; }
size_t WriteSse2(std::string_view in, std::string& out, size_t pos, bool* replaced) {
  return WritePortable(in, out, pos, replaced);
}
#endif

}  // namespace json_escape_internal

size_t WriteJsonEscaped(std::string_view in, std::string& out, size_t pos, bool* replaced) {
#if defined(__SSE2__)
  return WriteWith<Scan::kSse2>(in, out, pos, replaced);
#else
  return WriteWith<Scan::kPortable>(in, out, pos, replaced);
#endif
}

bool AppendJsonEscaped(std::string_view in, std::string& out) {
  const size_t pos = out.size();
  // Room for typical text (a few escapes) up front, so the escape rarely has to grow the string.
  out.resize(pos + in.size() + in.size() / 8 + 64);
  bool replaced = false;
  out.resize(WriteJsonEscaped(in, out, pos, &replaced));
  return replaced;
}

}  // namespace logcap
