// loggen: a deterministic log generator for the pipeline benchmarks.
//
//   loggen --lines N --out FILE [--seed S] [--json-ratio R] [--format plain|docker|cri]
//          [--long-ratio L]
//
// Writes N lines: a mix (fraction R, default 0.5) of JSON application log lines
//   {"ts":"2026-01-01T00:00:00.123Z","level":"info","service":"checkout-api",
//    "msg":"payment authorized for order 48213 seq=0000000042","trace_id":"<32 hex>",
//    "user_id":"u-0012345","latency_ms":23.4}
// and nginx "combined" access lines with the request time appended
//   10.1.2.3 - - [01/Jan/2026:00:00:00 +0000] "GET /api/v1/orders/48213?seq=0000000042 HTTP/1.1"
//   200 1532 "https://shop.example.com/cart" "Mozilla/5.0 (...)" 0.023
// averaging ~216 bytes a line (like the input of reference/peers.md), each ending in '\n'.
//
// --format says how each line is written (the lines themselves are the same in every format):
//   plain   (default) the line as it is
//   docker  a record of Docker's json-file log driver, as moby's jsonlog writes it:
//             {"log":"<line, JSON-escaped, with its \n>","stream":"stdout","time":"<RFC3339NanoFixed>"}
//           escaping like moby's: \" \\ \n \r \t, <>& as \u003c \u003e \u0026, other controls \u00XX;
//           the time always has 9 fraction digits ("2026-01-01T00:00:00.123456789Z")
//   cri     a Kubernetes CRI log line, as containerd writes it:
//             <RFC3339Nano time> stdout F <line>
//           the time without trailing fraction zeros (Go's RFC3339Nano: "...00:00:00.1234Z")
// In docker and cri, about 1 line in 8 goes to stderr, the rest to stdout, and each record has a
// time of its own: strictly increasing, a fraction of a millisecond after the line's own timestamp
// (from a PRNG of its own, so the lines stay the plain format's).
// --long-ratio L (default 0) makes about that fraction of the lines long (20 to 48 KiB: a Java
// stack trace, a "stack" field in a JSON line); in docker and cri they are split the runtimes' way,
// into parts of 16 KiB of the line: docker records whose `log` has no "\n" but for the last part,
// cri lines tagged P but for the last (F). Which lines are long, and their text, come from a third
// PRNG: with the same arguments, every format holds the same lines.
//
// Contract for checkers: line i (0-based) contains "seq=" followed by i zero-padded to 10 digits,
// exactly once, and nothing else in the file matches seq=\d{10}. The text survives JSON escaping
// (and docker's: "&seq=" becomes "\u0026seq=", still matched).
// The output depends only on (lines, seed, json-ratio, format, long-ratio): timestamps start at
// 2026-01-01T00:00:00Z and advance by 0-3 ms a line from the seeded PRNG; no clock is read for the
// content. The plain format without long lines is byte for byte what loggen always wrote.
//
// Speed: lines are formatted by hand into a 1 MiB buffer written with one write() each.
// FILE "-" means stdout. The summary goes to stdout (to stderr when FILE is "-"); for docker and
// cri it adds records= (lines of the file) and message_bytes= (the lines without their "\n": the
// text the agent delivers as messages).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace logcap {
namespace {

constexpr size_t kFlushBytes = 1 << 20;
constexpr size_t kMaxLineBytes = 1024;  // generous bound on one generated line (not a long one)
constexpr size_t kMinLongLine = 20 * 1024;
constexpr size_t kMaxLongLine = 48 * 1024;  // a long line is below this
constexpr size_t kRuntimePart = 16 * 1024;   // docker and containerd cut lines into parts this long
// Bound on what one line becomes in any format: escaping at most 6x (\u0026), plus each part's
// framing (time, keys).
constexpr size_t kMaxRecordBytes = 6 * kMaxLongLine + 8 * 1024;
constexpr int kSeqDigits = 10;
constexpr int64_t kBaseEpochSeconds = 1767225600;  // 2026-01-01T00:00:00Z

// xoshiro256** seeded through splitmix64: fast, good enough, identical on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n), n < 2^32 (Lemire's multiply-shift; the tiny bias is irrelevant here).
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(((Next() >> 32) * n) >> 32); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Picks an index by integer weights.
class Weighted {
 public:
  explicit Weighted(std::vector<uint32_t> weights) : cumulative_(std::move(weights)) {
    for (size_t i = 1; i < cumulative_.size(); ++i) cumulative_[i] += cumulative_[i - 1];
  }
  size_t Pick(Rng& rng) const {
    uint32_t r = rng.Below(cumulative_.back());
    size_t i = 0;
    while (r >= cumulative_[i]) ++i;
    return i;
  }

 private:
  std::vector<uint32_t> cumulative_;
};

constexpr std::string_view kLevels[] = {"info", "debug", "warn", "error"};
constexpr std::string_view kServices[] = {
    "checkout", "payments", "inventory", "auth-gw",  "search",  "notifier",
    "profile",  "orders",   "shipping",  "catalog",  "pricing", "sessions",
};
// Per level, message texts; a number and " seq=..." follow each.
constexpr std::string_view kInfoMessages[] = {
    "paid, order",
    "cart saved",
    "session renewed, acct",
    "cache warm, part",
    "shipped \\\"express\\\", box",
    "sku held",
    "query ok, shard",
};
constexpr std::string_view kDebugMessages[] = {
    "flags loaded, rev",
    "pool idle=4 busy=12, id",
    "retrying call, attempt",
};
constexpr std::string_view kWarnMessages[] = {
    "slow upstream, ms",
    "rate limit near, key",
    "old api used, client",
};
constexpr std::string_view kErrorMessages[] = {
    "charge failed: timeout, order",
    "deadlock, rolled back, tx",
    "worker crashed: NullRef, job",
};

constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "DELETE"};
constexpr std::string_view kPaths[] = {
    "/api/v1/orders/",   "/api/v1/products/", "/api/v2/search?q=shoes&page=", "/static/js/app.bundle.js?v=",
    "/api/v1/users/",    "/cart/items/",      "/images/catalog/thumb_",       "/api/v1/payments/",
};
constexpr int kStatuses[] = {200, 201, 204, 301, 304, 400, 404, 500, 502};
constexpr std::string_view kReferrers[] = {
    "-", "https://shop.example.com/cart", "https://shop.example.com/products/featured?utm_source=newsletter",
    "https://www.google.com/",
};
constexpr std::string_view kUserAgents[] = {
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "curl/8.4.0",
    "kube-probe/1.29",
    "Go-http-client/1.1",
};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

template <typename T, size_t N>
constexpr uint32_t Count(const T (&)[N]) {
  return static_cast<uint32_t>(N);
}

// Appends into a caller-sized buffer; callers guarantee room (kMaxLineBytes per line).
class Writer {
 public:
  explicit Writer(char* p) : p_(p) {}
  char* pos() const { return p_; }
  void Put(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void Put(char c) { *p_++ = c; }
  void Uint(uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) *p_++ = tmp[--n];
  }
  void Padded(uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p_[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p_ += width;
  }
  void Hex(uint64_t v) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
      p_[i] = kHex[v & 15];
      v >>= 4;
    }
    p_ += 16;
  }

 private:
  char* p_;
};

// Calendar fields of a Unix time (UTC), via Howard Hinnant's civil_from_days.
struct Civil {
  int year, month, day, hour, minute, second;
};
Civil ToCivil(int64_t t) {
  int64_t days = t / 86400;
  int64_t rem = t % 86400;
  days += 719468;
  const int64_t era = days / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return {static_cast<int>(y), static_cast<int>(m), static_cast<int>(d), static_cast<int>(rem / 3600),
          static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60)};
}

class Generator {
 public:
  Generator(uint64_t seed, double json_ratio) : rng_(seed), json_ratio_(json_ratio) {}

  // Milliseconds since 2026-01-01T00:00:00Z of the last line's timestamp.
  uint64_t now_ms() const { return now_ms_; }

  // Appends line number `seq` (with its '\n') at w; returns true for a JSON line.
  bool Line(uint64_t seq, Writer& w) {
    now_ms_ += rng_.Below(4);
    RefreshTime();
    if (rng_.Unit() < json_ratio_) {
      JsonLine(seq, w);
      return true;
    }
    AccessLine(seq, w);
    return false;
  }

 private:
  void RefreshTime() {
    int64_t sec = kBaseEpochSeconds + static_cast<int64_t>(now_ms_ / 1000);
    if (sec == cached_sec_) return;
    cached_sec_ = sec;
    Civil c = ToCivil(sec);
    std::snprintf(iso_, sizeof(iso_), "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute,
                  c.second);
    std::snprintf(clf_, sizeof(clf_), "%02d/%s/%04d:%02d:%02d:%02d +0000", c.day, kMonths[c.month - 1], c.year,
                  c.hour, c.minute, c.second);
  }

  void JsonLine(uint64_t seq, Writer& w) {
    w.Put(R"({"ts":")");
    w.Put(iso_);
    w.Put('.');
    w.Padded(now_ms_ % 1000, 3);
    w.Put(R"(Z","level":")");
    size_t level = level_pick_.Pick(rng_);
    w.Put(kLevels[level]);
    w.Put(R"(","service":")");
    w.Put(kServices[rng_.Below(Count(kServices))]);
    w.Put(R"(","msg":")");
    switch (level) {
      case 0: w.Put(kInfoMessages[rng_.Below(Count(kInfoMessages))]); break;
      case 1: w.Put(kDebugMessages[rng_.Below(Count(kDebugMessages))]); break;
      case 2: w.Put(kWarnMessages[rng_.Below(Count(kWarnMessages))]); break;
      default: w.Put(kErrorMessages[rng_.Below(Count(kErrorMessages))]); break;
    }
    w.Put(' ');
    w.Uint(rng_.Below(100000));
    w.Put(" seq=");
    w.Padded(seq, kSeqDigits);
    w.Put(R"(","trace_id":")");
    w.Hex(rng_.Next());
    w.Hex(rng_.Next());
    w.Put(R"(","user_id":"u-)");
    w.Padded(rng_.Below(10000000), 7);
    w.Put(R"(","latency_ms":)");
    uint32_t tenths = rng_.Below(8) == 0 ? rng_.Below(50000) : rng_.Below(1500);  // a long tail
    w.Uint(tenths / 10);
    w.Put('.');
    w.Put(static_cast<char>('0' + tenths % 10));
    w.Put("}\n");
  }

  void AccessLine(uint64_t seq, Writer& w) {
    w.Put("10.");
    w.Uint(rng_.Below(256));
    w.Put('.');
    w.Uint(rng_.Below(256));
    w.Put('.');
    w.Uint(1 + rng_.Below(254));
    w.Put(" - - [");
    w.Put(clf_);
    w.Put("] \"");
    w.Put(kMethods[method_pick_.Pick(rng_)]);
    w.Put(' ');
    std::string_view path = kPaths[rng_.Below(Count(kPaths))];
    w.Put(path);
    w.Uint(rng_.Below(100000));
    w.Put(path.find('?') == std::string_view::npos ? "?seq=" : "&seq=");
    w.Padded(seq, kSeqDigits);
    w.Put(" HTTP/1.1\" ");
    w.Uint(static_cast<uint64_t>(kStatuses[status_pick_.Pick(rng_)]));
    w.Put(' ');
    w.Uint(rng_.Below(60000));
    w.Put(" \"");
    w.Put(kReferrers[rng_.Below(Count(kReferrers))]);
    w.Put("\" \"");
    w.Put(kUserAgents[ua_pick_.Pick(rng_)]);
    w.Put("\" ");
    uint32_t ms = rng_.Below(8) == 0 ? rng_.Below(3000) : rng_.Below(120);
    w.Uint(ms / 1000);
    w.Put('.');
    w.Padded(ms % 1000, 3);
    w.Put('\n');
  }

  Rng rng_;
  double json_ratio_;
  uint64_t now_ms_ = 0;
  int64_t cached_sec_ = -1;
  char iso_[32] = {};
  char clf_[40] = {};
  Weighted level_pick_{{70, 10, 12, 8}};
  Weighted method_pick_{{80, 15, 3, 2}};
  Weighted status_pick_{{78, 5, 3, 2, 4, 3, 3, 1, 1}};
  Weighted ua_pick_{{35, 20, 20, 10, 10, 5}};
};

enum class Format { kPlain, kDocker, kCri };

// Writes generated lines in a format, makes some long; everything it draws comes from PRNGs of
// its own, so the lines are the plain format's.
class Framer {
 public:
  Framer(uint64_t seed, Format format, double long_ratio)
      : rng_(seed ^ 0x6c6f6767656e2d66ULL), long_rng_(seed ^ 0x6c6f6e676c696e65ULL), format_(format),
        long_ratio_(long_ratio) {}

  uint64_t records() const { return records_; }
  uint64_t message_bytes() const { return message_bytes_; }
  uint64_t long_lines() const { return long_lines_; }

  // `line` (ending in '\n', in a buffer with room for kMaxLongLine bytes) at w; app_ms: the line's
  // own timestamp (ms since the base).
  void Put(char* line, size_t size, size_t capacity, uint64_t app_ms, Writer& w) {
    if (long_ratio_ > 0 && long_rng_.Unit() < long_ratio_) size = MakeLong(line, size, capacity);
    message_bytes_ += size - 1;
    if (format_ == Format::kPlain) {
      w.Put(std::string_view(line, size));
      ++records_;
      return;
    }
    const bool err = rng_.Below(8) == 0;
    for (size_t pos = 0; pos < size; pos += kRuntimePart) {
      const size_t n = std::min(kRuntimePart, size - pos);
      const bool last = pos + n >= size;
      // The runtime stamps the record a fraction of a millisecond after the application its line.
      const uint64_t floor_ns = app_ms * 1000000ULL + 20000 + rng_.Below(400000);
      last_ns_ = std::max(last_ns_ + 1 + rng_.Below(2000), floor_ns);
      std::string_view part(line + pos, last ? n - 1 : n);  // the "\n" is the format's to write
      if (format_ == Format::kDocker) {
        w.Put(R"({"log":")");
        Escape(part, w);
        if (last) w.Put("\\n");
        w.Put(err ? R"(","stream":"stderr","time":")" : R"(","stream":"stdout","time":")");
        Time(last_ns_, /*fixed=*/true, w);
        w.Put("\"}\n");
      } else {
        Time(last_ns_, /*fixed=*/false, w);
        w.Put(err ? " stderr " : " stdout ");
        w.Put(last ? "F " : "P ");
        w.Put(part);
        w.Put('\n');
      }
      ++records_;
    }
  }

 private:
  // Grows the line to 20-48 KiB with a stack trace: a "stack" field of a JSON line (escaped as the
  // application's JSON would), appended in quotes to any other line. Returns the new size.
  size_t MakeLong(char* line, size_t size, size_t capacity) {
    const size_t target = std::min(capacity, kMinLongLine + long_rng_.Below(kMaxLongLine - kMinLongLine - 1024));
    const bool json = size >= 2 && line[0] == '{' && line[size - 2] == '}';
    Writer w(line + size - (json ? 2 : 1));
    w.Put(json ? R"(,"stack":")" : R"( ")");
    w.Put(R"(java.lang.IllegalStateException: upstream timeout)");
    static constexpr std::string_view kFrames[] = {
        "com.example.checkout.PaymentClient.charge(PaymentClient.java:",
        "com.example.checkout.OrderService.place(OrderService.java:",
        "org.springframework.aop.framework.ReflectiveMethodInvocation.proceed(ReflectiveMethodInvocation.java:",
        "io.netty.channel.AbstractChannelHandlerContext.invokeChannelRead(AbstractChannelHandlerContext.java:",
        "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:",
    };
    while (static_cast<size_t>(w.pos() - line) < target) {
      w.Put(R"(\n\tat )");
      w.Put(kFrames[long_rng_.Below(Count(kFrames))]);
      w.Uint(20 + long_rng_.Below(900));
      w.Put(')');
    }
    w.Put(json ? "\"}\n" : "\"\n");
    ++long_lines_;
    return static_cast<size_t>(w.pos() - line);
  }

  // Like moby's jsonlog: Go's JSON string escaping, with <, > and & as \u00XX.
  static void Escape(std::string_view text, Writer& w) {
    static constexpr char kHex[] = "0123456789abcdef";
    size_t run = 0;  // start of the pending run of bytes that need no escape
    for (size_t i = 0; i < text.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') continue;
      w.Put(text.substr(run, i - run));
      run = i + 1;
      switch (c) {
        case '"': w.Put("\\\""); break;
        case '\\': w.Put("\\\\"); break;
        case '\n': w.Put("\\n"); break;
        case '\r': w.Put("\\r"); break;
        case '\t': w.Put("\\t"); break;
        default:
          w.Put("\\u00");
          w.Put(kHex[c >> 4]);
          w.Put(kHex[c & 15]);
      }
    }
    w.Put(text.substr(run));
  }

  // RFC 3339 in UTC with nanoseconds: 9 digits (fixed) or without trailing zeros (Go's RFC3339Nano).
  void Time(uint64_t ns, bool fixed, Writer& w) {
    const int64_t sec = kBaseEpochSeconds + static_cast<int64_t>(ns / 1000000000ULL);
    if (sec != cached_sec_) {
      cached_sec_ = sec;
      Civil c = ToCivil(sec);
      std::snprintf(iso_, sizeof(iso_), "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                    c.minute, c.second);
    }
    w.Put(iso_);
    uint64_t frac = ns % 1000000000ULL;
    int digits = 9;
    if (!fixed) {
      while (digits > 0 && frac % 10 == 0) {
        frac /= 10;
        --digits;
      }
    }
    if (digits > 0) {
      w.Put('.');
      w.Padded(frac, digits);
    }
    w.Put('Z');
  }

  Rng rng_;       // streams and times
  Rng long_rng_;  // which lines are long, and their text: the same lines in every format
  const Format format_;
  const double long_ratio_;
  uint64_t last_ns_ = 0;
  int64_t cached_sec_ = -1;
  char iso_[32] = {};
  uint64_t records_ = 0;
  uint64_t message_bytes_ = 0;
  uint64_t long_lines_ = 0;
};

[[noreturn]] void Usage(const char* error) {
  if (error != nullptr) std::fprintf(stderr, "loggen: %s\n", error);
  std::fprintf(stderr,
               "usage: loggen --lines N --out FILE [--seed S] [--json-ratio R] [--format F] [--long-ratio L]\n"
               "  --lines N        number of lines to write (required)\n"
               "  --out FILE       output file, truncated first; '-' = stdout (required)\n"
               "  --seed S         PRNG seed (default 1); same arguments, same bytes\n"
               "  --json-ratio R   fraction of JSON lines, 0..1 (default 0.5); the rest are nginx lines\n"
               "  --format F       plain (default), docker (json-file records) or cri (CRI log lines)\n"
               "  --long-ratio L   fraction of lines made 20-48 KiB long, 0..1 (default 0); docker and cri\n"
               "                   split them into 16 KiB parts\n");
  std::exit(error != nullptr ? 2 : 0);
}

bool ParseUint(const char* s, uint64_t& out) {
  if (s == nullptr || *s == '\0' || *s == '-') return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0') return false;
  out = v;
  return true;
}

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

int Main(int argc, char** argv) {
  uint64_t lines = 0;
  bool have_lines = false;
  uint64_t seed = 1;
  double json_ratio = 0.5;
  double long_ratio = 0.0;
  Format format = Format::kPlain;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--help" || arg == "-h") Usage(nullptr);
    if (value == nullptr) Usage(("missing value for " + std::string(arg)).c_str());
    if (arg == "--lines") {
      if (!ParseUint(value, lines)) Usage("--lines needs a non-negative integer");
      have_lines = true;
    } else if (arg == "--out") {
      out = value;
    } else if (arg == "--seed") {
      if (!ParseUint(value, seed)) Usage("--seed needs a non-negative integer");
    } else if (arg == "--json-ratio") {
      char* end = nullptr;
      json_ratio = std::strtod(value, &end);
      if (*end != '\0' || !(json_ratio >= 0.0 && json_ratio <= 1.0)) Usage("--json-ratio needs a number in 0..1");
    } else if (arg == "--long-ratio") {
      char* end = nullptr;
      long_ratio = std::strtod(value, &end);
      if (*end != '\0' || !(long_ratio >= 0.0 && long_ratio <= 1.0)) Usage("--long-ratio needs a number in 0..1");
    } else if (arg == "--format") {
      std::string_view f = value;
      if (f == "plain") {
        format = Format::kPlain;
      } else if (f == "docker") {
        format = Format::kDocker;
      } else if (f == "cri") {
        format = Format::kCri;
      } else {
        Usage("--format needs plain, docker or cri");
      }
    } else {
      Usage(("unknown option " + std::string(arg)).c_str());
    }
    ++i;
  }
  if (!have_lines) Usage("--lines is required");
  if (out.empty()) Usage("--out is required");
  if (lines >= 10000000000ULL) Usage("--lines must be below 10^10 (10-digit sequence numbers)");

  const bool to_stdout = out == "-";
  int fd = to_stdout ? STDOUT_FILENO : ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "loggen: cannot open %s: %s\n", out.c_str(), std::strerror(errno));
    return 1;
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<char> buffer(kFlushBytes + kMaxRecordBytes);
  std::vector<char> line(kMaxLongLine + kMaxLineBytes);  // one line before its framing
  Generator gen(seed, json_ratio);
  Framer framer(seed, format, long_ratio);
  const bool direct = format == Format::kPlain && long_ratio == 0;  // the line is the record
  uint64_t bytes = 0;
  uint64_t json_lines = 0;
  Writer w(buffer.data());
  for (uint64_t seq = 0; seq < lines; ++seq) {
    if (direct) {
      json_lines += gen.Line(seq, w) ? 1 : 0;
    } else {
      Writer lw(line.data());
      json_lines += gen.Line(seq, lw) ? 1 : 0;
      framer.Put(line.data(), static_cast<size_t>(lw.pos() - line.data()), kMaxLongLine, gen.now_ms(), w);
    }
    size_t used = static_cast<size_t>(w.pos() - buffer.data());
    if (used >= kFlushBytes || seq + 1 == lines) {
      if (!WriteAll(fd, buffer.data(), used)) {
        std::fprintf(stderr, "loggen: write to %s failed: %s\n", out.c_str(), std::strerror(errno));
        return 1;
      }
      bytes += used;
      w = Writer(buffer.data());
    }
  }
  if (!to_stdout && ::close(fd) != 0) {
    std::fprintf(stderr, "loggen: close %s failed: %s\n", out.c_str(), std::strerror(errno));
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  FILE* summary = to_stdout ? stderr : stdout;
  std::fprintf(summary,
               "loggen: lines=%llu bytes=%llu avg_bytes_per_line=%.1f json_lines=%llu plain_lines=%llu "
               "seconds=%.3f mb_per_s=%.0f\n",
               static_cast<unsigned long long>(lines), static_cast<unsigned long long>(bytes),
               lines ? static_cast<double>(bytes) / static_cast<double>(lines) : 0.0,
               static_cast<unsigned long long>(json_lines), static_cast<unsigned long long>(lines - json_lines),
               seconds, seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0);
  if (!direct) {
    std::fprintf(summary, "loggen: format=%s records=%llu message_bytes=%llu long_lines=%llu\n",
                 format == Format::kDocker ? "docker" : format == Format::kCri ? "cri" : "plain",
                 static_cast<unsigned long long>(framer.records()),
                 static_cast<unsigned long long>(framer.message_bytes()),
                 static_cast<unsigned long long>(framer.long_lines()));
  }
  return 0;
}

}  // namespace
}  // namespace logcap

int main(int argc, char** argv) { return logcap::Main(argc, argv); }
