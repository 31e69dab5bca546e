#include "sources/container/docker_json_fast_path.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sources/container/time_parse_cache.h"

namespace logcap {

namespace {

constexpr std::string_view kHead = R"({"log":")";
constexpr std::string_view kStdout = R"(","stream":"stdout","time":")";
constexpr std::string_view kStderr = R"(","stream":"stderr","time":")";
static_assert(kStdout.size() == kStderr.size());

bool StartsWith(const char* p, const char* end, std::string_view s) {
  return static_cast<size_t>(end - p) >= s.size() && std::memcmp(p, s.data(), s.size()) == 0;
}

// The first byte of [p, end) that ends a run of plain string bytes: '"', '\\' or a control
// character; end if none. Sets *high when a byte >= 0x80 may have been passed (it may over-report:
// the bytes read after the stop in the last 16 count too). kCopy: also copies the bytes passed to
// *out (advanced past them), 16 at a time: it writes up to 15 bytes more, never further than
// `end` is from `p` (a buffer as long as the text it unescapes is enough).
template <bool kCopy>
const char* Scan(const char* p, const char* end, char** out, bool* high) {
  char* o = kCopy ? *out : nullptr;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control_max = _mm_set1_epi8(0x1F);
  __m128i seen = _mm_setzero_si128();
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (kCopy) _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
    seen = _mm_or_si128(seen, v);
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                      _mm_cmpeq_epi8(_mm_min_epu8(v, control_max), v));  // v <= 0x1F
    const int mask = _mm_movemask_epi8(stop);
    if (mask != 0) {
      if (_mm_movemask_epi8(seen) != 0) *high = true;
      const int n = __builtin_ctz(static_cast<unsigned>(mask));
      if constexpr (kCopy) *out = o + n;
      return p + n;
    }
    p += 16;
    if constexpr (kCopy) o += 16;
  }
  if (_mm_movemask_epi8(seen) != 0) *high = true;
#endif
  for (; p < end; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20) break;
    if (c >= 0x80) *high = true;
    if constexpr (kCopy) *o++ = static_cast<char>(c);
  }
  if constexpr (kCopy) *out = o;
  return p;
}

int HexDigit(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;  // 'A'..'F' -> 'a'..'f'
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Code point cp (< 0x10000, not a surrogate) as UTF-8.
char* PutUtf8(uint32_t cp, char* out) {
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xC0 | (cp >> 6));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out++ = static_cast<char>(0xE0 | (cp >> 12));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

}  // namespace

bool DockerJsonFastPath::Decode(std::string_view line, TimeParseCache& times, DockerJsonRecord* record) {
  const char* const end = line.data() + line.size();
  if (!StartsWith(line.data(), end, kHead)) return false;
  const char* const text = line.data() + kHead.size();

  // The log string. Its raw bytes are the text itself up to the first escape; if that escape is
  // the final \n (or \r\n), the text is a view into the line.
  bool high = false;  // a byte >= 0x80 seen: UTF-8 to validate
  const char* stop = Scan<false>(text, end, nullptr, &high);
  if (stop == end || static_cast<unsigned char>(*stop) < 0x20) return false;
  std::string_view log;
  bool partial = true;
  const char* close = nullptr;  // the closing quote
  if (*stop == '"') {
    log = std::string_view(text, static_cast<size_t>(stop - text));
    close = stop;
  } else if (StartsWith(stop, end, "\\n\"")) {
    log = std::string_view(text, static_cast<size_t>(stop - text));
    partial = false;
    close = stop + 2;
  } else if (StartsWith(stop, end, "\\r\\n\"")) {
    log = std::string_view(text, static_cast<size_t>(stop - text));
    partial = false;
    close = stop + 4;
  } else {
    // Escapes: unescape into the buffer. The text never grows (an escape is longer than what it
    // stands for), so out - begin <= the raw bytes read, and Scan's 16-byte stores stay within
    // line.size().
    if (capacity_ < line.size()) {
      capacity_ = std::max<size_t>(line.size(), 4096);
      buffer_.reset(new char[capacity_]);
    }
    char* const begin = buffer_.get();
    std::memcpy(begin, text, static_cast<size_t>(stop - text));
    char* out = begin + (stop - text);
    for (;;) {
      if (stop == end) return false;
      if (*stop == '"') break;
      if (*stop != '\\' || end - stop < 2) return false;  // a control character, a cut escape
      const char* from = stop + 2;
      switch (stop[1]) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u': {
          if (end - stop < 6) return false;
          const int d0 = HexDigit(static_cast<unsigned char>(stop[2]));
          const int d1 = HexDigit(static_cast<unsigned char>(stop[3]));
          const int d2 = HexDigit(static_cast<unsigned char>(stop[4]));
          const int d3 = HexDigit(static_cast<unsigned char>(stop[5]));
          if ((d0 | d1 | d2 | d3) < 0) return false;
          const uint32_t cp = static_cast<uint32_t>(d0 << 12 | d1 << 8 | d2 << 4 | d3);
          if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogates: the general path's rules
          out = PutUtf8(cp, out);
          from = stop + 6;
          break;
        }
        default:
          return false;
      }
      stop = Scan<true>(from, end, &out, &high);
    }
    close = stop;
    log = std::string_view(begin, static_cast<size_t>(out - begin));
    partial = log.empty() || log.back() != '\n';
    if (!partial) {
      log.remove_suffix(1);
      if (!log.empty() && log.back() == '\r') log.remove_suffix(1);  // a TTY's "\r\n"
    }
  }
  // Escapes are ASCII: the raw text is valid UTF-8 exactly when the line is (the rest is ASCII).
  if (high && !simdjson::validate_utf8(text, static_cast<size_t>(close - text))) return false;

  const char* p = close;
  ContainerStream stream;
  if (StartsWith(p, end, kStdout)) {
    stream = ContainerStream::kStdout;
  } else if (StartsWith(p, end, kStderr)) {
    stream = ContainerStream::kStderr;
  } else {
    return false;
  }
  p += kStdout.size();
  const char* const time_start = p;
  for (; p < end && *p != '"'; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c >= 0x7F || c == '\\') return false;
  }
  const std::string_view time(time_start, static_cast<size_t>(p - time_start));
  // The closing quote, the object's end, and at most the line's end.
  const std::string_view rest(p, static_cast<size_t>(end - p));
  if (rest != "\"}" && rest != "\"}\n" && rest != "\"}\r\n") return false;
  const std::optional<Nanos> parsed_time = times.Parse(time);
  if (!parsed_time) return false;

  record->log = log;
  record->partial = partial;
  record->stream = stream;
  record->time = *parsed_time;
  record->attrs = {};
  return true;
}

}  // namespace logcap
