// http-receiver: the HTTP peer that sinks deliver to in end-to-end tests and benchmarks.
//
//   http-receiver [--host 127.0.0.1] [--port 0] [--control-port 0] [--store FILE]
//                 [--max-body-bytes N] [--path /p]...
//
// Prints one line, "data_port=N control_port=M", then serves until SIGTERM or SIGINT (exit 0).
//
// Data port: POST to any registered path (the HttpServer routes exact paths only, so the paths
// are a built-in list plus every --path).
//   - Generic paths: the body is NDJSON, gzip when Content-Encoding says so. Answers 200
//     {"accepted":N}; appends accepted lines to the store file.
//   - Loki push paths (every path ending in /loki/api/v1/push): behaves as a single Loki would
//     (loki_push_decoder.h, loki_labels.h, loki_ingester.h): protobuf (snappy block) or JSON
//     (optionally gzip) by Content-Type (absent = protobuf, as Loki does; anything else 415),
//     tenant from X-Scope-OrgID ("fake" when absent; 401 "no org id" when require_tenant),
//     per-tenant stream state, Loki's checks and messages; 204 when all was taken, else 400 with
//     Loki's text (what was accepted is kept). The store gets one JSON line per accepted entry:
//     {"tenant","labels","ts","line","metadata","format"}; "lines" counts accepted entries.
// Every data request counts in requests, bytes and statuses. Control port (a separate
// HttpServer, so it never waits behind data):
//   POST /_control  {"mode":"ok"|"refuse", "status":S, "retry_after":"2", "count":N, "every":K,
//                    "reject_substring":"X", "delay_ms":N,
//                    "loki_order":"unordered"|"ordered", "loki_window_s":N, "loki_max_age_s":N,
//                    "loki_grace_s":N, "loki_max_line_size":N, "require_tenant":B}
//                   (any combination; "mode":"ok" first resets every field to its default)
//   GET  /_control  the current faults and Loki settings
//   GET  /_stats    counters as JSON, with a "loki" object (LokiIngester::AppendStatsJson)
//   POST /_reset    zero the counters, forget the Loki streams, truncate the store
// The faults apply to Loki pushes too: an injected status answers without storing anything,
// reject_substring refuses the entries whose line contains it (Loki-style 400), delay_ms delays.
//
// Threads: the data server's thread runs HandleData, the control server's thread the control
// handlers, the main thread waits for a signal. Everything shared is under Receiver::mu_ (a Loki
// push takes it once, to apply the whole push); the data server's lifetime (refuse/ok) is under
// Receiver::lifecycle_mu_. The per-request scratch (zlib stream, decode buffers, the Loki
// decoder) belongs to whichever data server thread exists: only one does at a time, and the
// previous one is joined before the next starts.

// Boost 1.74 with g++ 12 in C++20 (through the server header's users) wants these first.
#include <malloc.h>
#include <optional>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/json_object.h"
#include "loki_ingester.h"
#include "loki_push_decoder.h"
#include "server/http_server.h"

namespace {

using logcap::AppendJsonQuoted;
using logcap::HttpRequest;
using logcap::HttpResponse;
using logcap::HttpServer;
using logcap::HttpServerOptions;
using Clock = std::chrono::steady_clock;
using logcap::testtools::DecodedPush;
using logcap::testtools::LokiIngester;
using logcap::testtools::LokiLimits;
using logcap::testtools::LokiPushDecoder;
using logcap::testtools::PushFormat;

// Paths served on the data port without --path: the usual ingest endpoints.
constexpr const char* kDefaultPaths[] = {
    "/",           "/logs",    "/ingest",          "/api/v1/logs",   "/api/v1/push",
    "/v1/logs",    "/_bulk",   "/loki/api/v1/push", "/insert/jsonline", "/services/collector/event",
};
constexpr size_t kMaxDecodedBytes = size_t{1} << 30;  // a gzip bomb gets 413, not the machine
constexpr uint64_t kMaxDelayMs = 600'000;
constexpr uint64_t kMaxLokiSeconds = uint64_t{10} * 366 * 86400;  // ten years: fits in int64 ns
constexpr std::string_view kLokiPushSuffix = "/loki/api/v1/push";

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  uint16_t control_port = 0;
  std::string store;
  size_t max_body_bytes = 64 << 20;
  std::vector<std::string> paths;
};

HttpResponse JsonError(int status, std::string_view message) {
  std::string body = "{\"error\":";
  AppendJsonQuoted(body, message);
  body += '}';
  return HttpResponse::Json(status, std::move(body));
}

// Lines in an NDJSON body: newlines, plus one for a last line without its newline.
uint64_t CountLines(std::string_view s) {
  uint64_t n = 0;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (nl == nullptr) return n + 1;
    ++n;
    p = static_cast<const char*>(nl) + 1;
  }
  return n;
}

// Decodes gzip bodies (one or more members) with one zlib stream and one output buffer, both
// reused across requests. Not thread-safe: used by the data server's thread only.
class Gunzip {
 public:
  enum class Result { kOk, kBad, kTooLarge };

  Gunzip() { ready_ = inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK; }
  ~Gunzip() {
    if (ready_) inflateEnd(&zs_);
  }
  Gunzip(const Gunzip&) = delete;
  Gunzip& operator=(const Gunzip&) = delete;

  // On kOk, *out views the decoded bytes until the next call; otherwise *error says why.
  Result Decode(std::string_view in, size_t limit, std::string_view* out, std::string* error) {
    if (!ready_) return Fail("zlib could not be initialised", error);
    if (in.empty()) return Fail("empty body", error);
    if (in.size() > UINT_MAX) return Fail("body too large for zlib", error);
    // The last 4 bytes of a gzip member are its decoded size mod 2^32: a good first guess, when
    // plausible (deflate expands at most ~1032:1; a corrupt body must not reserve a gigabyte).
    size_t hint = 0;
    if (in.size() >= 18) {
      const auto* t = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
      hint = size_t{t[0]} | size_t{t[1]} << 8 | size_t{t[2]} << 16 | size_t{t[3]} << 24;
      if (hint > in.size() * 1032) hint = 0;
    }
    Grow(std::min(limit, std::max({hint, in.size() * 4, size_t{64} << 10})), 0);
    inflateReset(&zs_);
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(in.size());
    size_t produced = 0;
    for (;;) {
      if (produced == capacity_) {
        if (capacity_ >= limit) {
          *error = "decoded body exceeds " + std::to_string(limit) + " bytes";
          return Result::kTooLarge;
        }
        Grow(std::min(limit, capacity_ * 2), produced);
      }
      const size_t room = std::min<size_t>(capacity_ - produced, UINT_MAX);
      zs_.next_out = reinterpret_cast<Bytef*>(buffer_.get() + produced);
      zs_.avail_out = static_cast<uInt>(room);
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      produced += room - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        if (zs_.avail_in == 0) break;
        inflateReset(&zs_);  // another member follows (concatenated gzip is valid gzip)
        continue;
      }
      if (rc == Z_OK || (rc == Z_BUF_ERROR && zs_.avail_out == 0)) continue;
      if (rc == Z_BUF_ERROR) return Fail("truncated stream", error);
      return Fail(zs_.msg != nullptr ? zs_.msg : "inflate error " + std::to_string(rc), error);
    }
    *out = std::string_view(buffer_.get(), produced);
    return Result::kOk;
  }

 private:
  static Result Fail(std::string_view why, std::string* error) {
    *error = "bad gzip: ";
    *error += why;
    return Result::kBad;
  }

  // Makes room for `want` bytes, keeping the first `keep`. Never shrinks; no zero-filling.
  void Grow(size_t want, size_t keep) {
    if (want <= capacity_) return;
    auto bigger = std::make_unique_for_overwrite<char[]>(want);
    if (keep > 0) std::memcpy(bigger.get(), buffer_.get(), keep);
    buffer_ = std::move(bigger);
    capacity_ = want;
  }

  z_stream zs_{};
  bool ready_ = false;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
};

// Appends the whole of iov (retrying short writes). Normally one writev() call.
bool WriteAll(int fd, iovec* iov, int count) {
  while (count > 0) {
    ssize_t n = ::writev(fd, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    auto left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

struct Faults {
  bool refuse = false;
  int status = 0;           // injected status; 0 = none
  std::string retry_after;  // sent as Retry-After with the injected status when not empty
  int64_t remaining = -1;   // injections left; -1 = until changed
  uint64_t every = 1;       // inject on every K-th data request
  uint64_t seen = 0;        // data requests since the status fault was set
  std::string reject_substring;
  uint64_t delay_ms = 0;
  // Loki push behaviour (Loki's defaults: unordered writes, 1 h window = max_chunk_age / 2,
  // 10 min creation grace; the age and line-size limits are off unless set).
  bool loki_ordered = false;
  uint64_t loki_window_s = 3600;
  uint64_t loki_max_age_s = 0;
  uint64_t loki_grace_s = 600;
  uint64_t loki_max_line_size = 0;
  bool require_tenant = false;
};

struct Counters {
  uint64_t requests = 0;
  uint64_t lines = 0;
  uint64_t bytes_wire = 0;
  uint64_t bytes_decoded = 0;
  uint64_t delay_us = 0;
  std::map<int, uint64_t> by_status;
  std::map<std::string, uint64_t, std::less<>> by_path;
  std::map<std::string, uint64_t, std::less<>> by_encoding;
};

template <typename Map>
void Bump(Map& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), 0).first;
  ++it->second;
}

// The control request's fields, validated before anything is applied.
struct ControlChange {
  std::optional<bool> refuse;
  bool set_status = false;
  int status = 0;
  std::string retry_after;
  int64_t count = -1;
  uint64_t every = 1;
  std::optional<std::string> reject_substring;
  std::optional<uint64_t> delay_ms;
  std::optional<bool> loki_ordered;
  std::optional<uint64_t> loki_window_s;
  std::optional<uint64_t> loki_max_age_s;
  std::optional<uint64_t> loki_grace_s;
  std::optional<uint64_t> loki_max_line_size;
  std::optional<bool> require_tenant;
};

std::optional<uint64_t> PositiveInt(const rapidjson::Value& v, uint64_t min, uint64_t max) {
  if (!v.IsUint64()) return std::nullopt;
  uint64_t n = v.GetUint64();
  if (n < min || n > max) return std::nullopt;
  return n;
}

// Parses a /_control body into *change, or returns an error message.
std::string ParseControl(std::string_view body, ControlChange* change) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    return std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) + ": " +
           rapidjson::GetParseError_En(doc.GetParseError());
  }
  if (!doc.IsObject()) return "the body must be a JSON object";
  bool has_status_extras = false;
  for (const auto& m : doc.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    const rapidjson::Value& v = m.value;
    if (key == "mode") {
      std::string_view mode = v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : "";
      if (mode == "ok") {
        change->refuse = false;
      } else if (mode == "refuse") {
        change->refuse = true;
      } else {
        return "mode must be \"ok\" or \"refuse\"";
      }
    } else if (key == "status") {
      change->set_status = true;
      if (v.IsNull()) continue;
      auto s = PositiveInt(v, 100, 599);
      if (!s) return "status must be an integer from 100 to 599 (or null)";
      change->status = static_cast<int>(*s);
    } else if (key == "retry_after") {
      has_status_extras = true;
      if (v.IsString()) {
        change->retry_after.assign(v.GetString(), v.GetStringLength());
        if (change->retry_after.find_first_of("\r\n") != std::string::npos) return "retry_after has a newline";
      } else if (v.IsUint64()) {
        change->retry_after = std::to_string(v.GetUint64());
      } else {
        return "retry_after must be a string or a non-negative integer";
      }
    } else if (key == "count") {
      has_status_extras = true;
      auto n = PositiveInt(v, 1, INT64_MAX);
      if (!n) return "count must be a positive integer";
      change->count = static_cast<int64_t>(*n);
    } else if (key == "every") {
      has_status_extras = true;
      auto n = PositiveInt(v, 1, UINT64_MAX);
      if (!n) return "every must be a positive integer";
      change->every = *n;
    } else if (key == "reject_substring") {
      if (v.IsNull()) {
        change->reject_substring = std::string();
      } else if (v.IsString()) {
        change->reject_substring = std::string(v.GetString(), v.GetStringLength());
        if (change->reject_substring->find('\n') != std::string::npos) return "reject_substring has a newline";
      } else {
        return "reject_substring must be a string (or null)";
      }
    } else if (key == "delay_ms") {
      auto n = PositiveInt(v, 0, kMaxDelayMs);
      if (!n) return "delay_ms must be an integer from 0 to " + std::to_string(kMaxDelayMs);
      change->delay_ms = *n;
    } else if (key == "loki_order") {
      std::string_view order = v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : "";
      if (order != "ordered" && order != "unordered") return "loki_order must be \"ordered\" or \"unordered\"";
      change->loki_ordered = order == "ordered";
    } else if (key == "loki_window_s" || key == "loki_max_age_s" || key == "loki_grace_s") {
      auto n = PositiveInt(v, 0, kMaxLokiSeconds);
      if (!n) return std::string(key) + " must be an integer from 0 to " + std::to_string(kMaxLokiSeconds);
      (key == "loki_window_s" ? change->loki_window_s : key == "loki_max_age_s" ? change->loki_max_age_s
                                                                               : change->loki_grace_s) = *n;
    } else if (key == "loki_max_line_size") {
      auto n = PositiveInt(v, 0, kMaxDecodedBytes);
      if (!n) return "loki_max_line_size must be an integer from 0 (no limit) to " + std::to_string(kMaxDecodedBytes);
      change->loki_max_line_size = *n;
    } else if (key == "require_tenant") {
      if (!v.IsBool()) return "require_tenant must be true or false";
      change->require_tenant = v.GetBool();
    } else {
      return "unknown field \"" + std::string(key) +
             "\" (known: mode, status, retry_after, count, every, reject_substring, delay_ms, loki_order, "
             "loki_window_s, loki_max_age_s, loki_grace_s, loki_max_line_size, require_tenant)";
    }
  }
  if (has_status_extras && !change->set_status) return "retry_after, count and every go with status";
  return {};
}

class Receiver {
 public:
  Receiver(Options options, int store_fd) : options_(std::move(options)), store_fd_(store_fd) {}

  ~Receiver() { Shutdown(); }

  // Starts the data server, then the control server. On failure prints why and returns false.
  bool Start() {
    {
      std::lock_guard life(lifecycle_mu_);
      auto status = StartDataServer(options_.port);
      if (!status.ok()) {
        std::fprintf(stderr, "http-receiver: data server: %s\n", status.ToString().c_str());
        return false;
      }
    }
    HttpServerOptions co;
    co.host = options_.host;
    co.port = options_.control_port;
    co.max_body_bytes = 1 << 20;
    co.idle_timeout = std::chrono::seconds(0);
    control_ = std::make_unique<HttpServer>(co);
    control_->Route("POST", "/_control", [this](const HttpRequest& r) { return HandleControl(r); });
    control_->Route("GET", "/_control", [this](const HttpRequest&) { return FaultsResponse(); });
    control_->Route("GET", "/_stats", [this](const HttpRequest&) { return HandleStats(); });
    control_->Route("POST", "/_reset", [this](const HttpRequest&) { return HandleReset(); });
    auto status = control_->Start();
    if (!status.ok()) {
      std::fprintf(stderr, "http-receiver: control server: %s\n", status.ToString().c_str());
      return false;
    }
    return true;
  }

  uint16_t data_port() const { return data_port_; }
  uint16_t control_port() const { return control_->port(); }

  // Control first (no more mode changes), then the data server, waking any delayed request.
  void Shutdown() {
    if (control_) control_->Stop();
    std::lock_guard life(lifecycle_mu_);
    Interrupt();
    if (data_) data_->Stop();
    data_.reset();
  }

 private:
  // Called with lifecycle_mu_ held. The port is 0 only the first time; later the same port.
  logcap::Status StartDataServer(uint16_t port) {
    HttpServerOptions o;
    o.host = options_.host;
    o.port = port;
    o.max_body_bytes = options_.max_body_bytes;
    o.max_connections = 1024;
    auto server = std::make_unique<HttpServer>(o);
    auto handler = [this](const HttpRequest& r) { return HandleData(r); };
    for (const auto& path : options_.paths) server->Route("POST", path, handler);
    auto status = server->Start();
    if (!status.ok()) return status;
    data_port_ = server->port();
    data_ = std::move(server);
    return status;
  }

  // Wakes delayed data requests: they answer 503 and store nothing.
  void Interrupt() {
    std::lock_guard lock(mu_);
    ++generation_;
    cv_.notify_all();
  }

  // Called with mu_ held: the status to inject into this data request (0 = none).
  int NextInjectedStatus(std::string* retry_after) {
    if (faults_.status == 0) return 0;
    ++faults_.seen;
    if (faults_.seen % faults_.every != 0) return 0;
    int status = faults_.status;
    retry_after->assign(faults_.retry_after);
    if (faults_.remaining > 0 && --faults_.remaining == 0) {
      faults_.status = 0;
      faults_.retry_after.clear();
      faults_.remaining = -1;
      faults_.every = 1;
    }
    return status;
  }

  // Called with mu_ held, by both kinds of data request: counts it and reads the faults it meets.
  void BeginRequest(const HttpRequest& req, uint64_t* generation, uint64_t* delay_ms, int* injected) {
    ++counters_.requests;
    counters_.bytes_wire += req.body.size();
    Bump(counters_.by_path, req.path);
    Bump(counters_.by_encoding, encoding_);
    *generation = generation_;
    *delay_ms = faults_.delay_ms;
    *injected = NextInjectedStatus(&retry_after_);
    reject_.assign(faults_.reject_substring);
  }

  HttpResponse HandleData(const HttpRequest& req) {
    // Content-Encoding, lower case and trimmed ("identity" when absent).
    encoding_.assign("identity");
    if (const std::string* ce = req.Header("content-encoding")) {
      std::string_view v = *ce;
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (!v.empty()) {
        encoding_.assign(v);
        for (char& c : encoding_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    if (std::string_view(req.path).ends_with(kLokiPushSuffix)) return HandleLoki(req);

    uint64_t generation;
    uint64_t delay_ms;
    int injected;
    {
      std::lock_guard lock(mu_);
      BeginRequest(req, &generation, &delay_ms, &injected);
    }

    HttpResponse res;
    std::string_view decoded;
    uint64_t lines = 0;
    bool accept = false;
    if (injected != 0 && (injected < 200 || injected > 299)) {
      res = JsonError(injected, "injected status " + std::to_string(injected));
      if (!retry_after_.empty()) res.headers.emplace_back("Retry-After", retry_after_);
    } else {
      bool decoded_ok = true;
      if (encoding_ == "gzip" || encoding_ == "x-gzip") {
        std::string error;
        auto result = gunzip_.Decode(req.body, kMaxDecodedBytes, &decoded, &error);
        if (result != Gunzip::Result::kOk) {
          res = JsonError(result == Gunzip::Result::kTooLarge ? 413 : 400, error);
          decoded_ok = false;
        }
      } else {
        decoded = req.body;
      }
      if (decoded_ok && !reject_.empty()) {
        const void* hit = memmem(decoded.data(), decoded.size(), reject_.data(), reject_.size());
        if (hit != nullptr) {
          auto offset = static_cast<size_t>(static_cast<const char*>(hit) - decoded.data());
          uint64_t line = CountLines(decoded.substr(0, offset + 1));
          res = JsonError(400, "rejected line " + std::to_string(line) + ": contains " + reject_);
          decoded_ok = false;
        }
      }
      if (decoded_ok) {
        lines = CountLines(decoded);
        accept = true;
        res = HttpResponse::Json(injected != 0 ? injected : 200,
                                 "{\"accepted\":" + std::to_string(lines) + "}");
        if (injected != 0 && !retry_after_.empty()) res.headers.emplace_back("Retry-After", retry_after_);
      }
    }

    std::unique_lock lock(mu_);
    if (delay_ms > 0) {
      const auto start = Clock::now();
      cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [&] { return generation_ != generation; });
      counters_.delay_us += static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
    }
    if (generation_ != generation) {
      // Refused (or stopping) meanwhile: the connection is being closed; keep nothing of it.
      accept = false;
      res = JsonError(503, "receiver is refusing or stopping");
    }
    if (accept && !AppendToStore(decoded)) {
      accept = false;
      res = JsonError(500, std::string("cannot append to the store: ") + std::strerror(errno));
    }
    if (accept) {
      counters_.lines += lines;
      counters_.bytes_decoded += decoded.size();
    }
    ++counters_.by_status[res.status];
    return res;
  }

  // A Loki push (see the top of the file). Decoding happens before the lock; the push is then
  // applied to the stream state, counted and stored under one lock.
  HttpResponse HandleLoki(const HttpRequest& req) {
    uint64_t generation;
    uint64_t delay_ms;
    int injected;
    bool require_tenant;
    LokiLimits limits;
    {
      std::lock_guard lock(mu_);
      BeginRequest(req, &generation, &delay_ms, &injected);
      require_tenant = faults_.require_tenant;
      limits.ordered = faults_.loki_ordered;
      limits.window_ns = static_cast<int64_t>(faults_.loki_window_s) * 1'000'000'000;
      limits.max_age_ns = static_cast<int64_t>(faults_.loki_max_age_s) * 1'000'000'000;
      limits.grace_ns = static_cast<int64_t>(faults_.loki_grace_s) * 1'000'000'000;
      limits.max_line_size = faults_.loki_max_line_size;
    }
    limits.forbidden = reject_;

    HttpResponse res;
    std::string_view tenant = "fake";  // Loki's tenant when it runs without auth
    std::string_view decoded;
    bool process = false;
    if (injected != 0 && (injected < 200 || injected > 299)) {
      res = HttpResponse::Text(injected, "injected status " + std::to_string(injected));
      if (!retry_after_.empty()) res.headers.emplace_back("Retry-After", retry_after_);
    } else {
      std::string_view org = req.Header("x-scope-orgid") != nullptr ? Trim(*req.Header("x-scope-orgid")) : "";
      if (!org.empty()) tenant = org;
      std::optional<PushFormat> format = LokiFormat(req);
      if (org.empty() && require_tenant) {
        res = HttpResponse::Text(401, "no org id");
      } else if (!format) {
        const std::string* ct = req.Header("content-type");
        res = HttpResponse::Text(415, "unsupported Content-Type \"" + (ct != nullptr ? *ct : std::string()) +
                                          "\": a Loki push is application/x-protobuf (snappy block) or "
                                          "application/json");
      } else if (encoding_ == "gzip" || encoding_ == "x-gzip") {
        std::string error;
        auto result = gunzip_.Decode(req.body, kMaxDecodedBytes, &decoded, &error);
        if (result != Gunzip::Result::kOk) {
          res = HttpResponse::Text(result == Gunzip::Result::kTooLarge ? 413 : 400, error);
        } else {
          process = true;
        }
      } else if (encoding_ == "identity" || encoding_ == "snappy") {  // Loki takes "snappy" as a no-op
        decoded = req.body;
        process = true;
      } else {
        res = HttpResponse::Text(415, "Content-Encoding \"" + encoding_ + "\" not supported (gzip or none)");
      }
      if (process) {
        std::string error;
        auto result = loki_decoder_.Decode(*format, decoded, &loki_push_, &error);
        if (result != LokiPushDecoder::Result::kOk) {
          res = HttpResponse::Text(result == LokiPushDecoder::Result::kTooLarge ? 413 : 400, error);
          process = false;
        }
      }
    }

    std::unique_lock lock(mu_);
    if (delay_ms > 0) {
      const auto start = Clock::now();
      cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [&] { return generation_ != generation; });
      counters_.delay_us += static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
    }
    if (generation_ != generation) {
      // Refused (or stopping) meanwhile: the connection is being closed; keep nothing of it.
      process = false;
      res = HttpResponse::Text(503, "receiver is refusing or stopping");
    }
    if (process) {
      const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
      loki_store_.clear();
      auto result = loki_.Push(tenant, loki_push_, limits, now_ns, store_fd_ >= 0 ? &loki_store_ : nullptr,
                               &loki_message_);
      counters_.lines += result.accepted;
      counters_.bytes_decoded += loki_push_.payload_bytes;  // after gzip and snappy
      if (!AppendToStore(loki_store_)) {
        res = HttpResponse::Text(500, std::string("cannot append to the store: ") + std::strerror(errno));
      } else if (result.status == 204) {
        res = HttpResponse{};
        res.status = injected != 0 ? injected : 204;  // an injected 2xx replaces Loki's 204
        res.content_type.clear();
        if (injected != 0 && !retry_after_.empty()) res.headers.emplace_back("Retry-After", retry_after_);
      } else {
        res = HttpResponse::Text(result.status, std::move(loki_message_));
        loki_message_ = std::string();
      }
    }
    ++counters_.by_status[res.status];
    return res;
  }

  static std::string_view Trim(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  }

  // The push format from Content-Type (parameters ignored); absent means protobuf, as in Loki.
  static std::optional<PushFormat> LokiFormat(const HttpRequest& req) {
    const std::string* ct = req.Header("content-type");
    if (ct == nullptr) return PushFormat::kProtobuf;
    std::string_view v = *ct;
    v = Trim(v.substr(0, v.find(';')));
    auto equals = [v](std::string_view want) {
      return v.size() == want.size() && std::equal(v.begin(), v.end(), want.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
             });
    };
    if (equals("application/x-protobuf")) return PushFormat::kProtobuf;
    if (equals("application/json")) return PushFormat::kJson;
    return std::nullopt;
  }

  // Called with mu_ held (so /_reset cannot truncate in the middle). One writev per request.
  bool AppendToStore(std::string_view data) {
    if (store_fd_ < 0 || data.empty()) return true;
    iovec iov[2];
    iov[0].iov_base = const_cast<char*>(data.data());
    iov[0].iov_len = data.size();
    int count = 1;
    static char newline = '\n';
    if (data.back() != '\n') {
      iov[1].iov_base = &newline;
      iov[1].iov_len = 1;
      count = 2;
    }
    return WriteAll(store_fd_, iov, count);
  }

  // Called with mu_ held.
  std::string FaultsJson() const {
    std::string out = "{\"mode\":";
    out += faults_.refuse ? "\"refuse\"" : "\"ok\"";
    out += ",\"status\":" + std::to_string(faults_.status);
    out += ",\"retry_after\":";
    AppendJsonQuoted(out, faults_.retry_after);
    out += ",\"count\":" + std::to_string(faults_.remaining);
    out += ",\"every\":" + std::to_string(faults_.every);
    out += ",\"reject_substring\":";
    AppendJsonQuoted(out, faults_.reject_substring);
    out += ",\"delay_ms\":" + std::to_string(faults_.delay_ms);
    out += ",\"loki_order\":";
    out += faults_.loki_ordered ? "\"ordered\"" : "\"unordered\"";
    out += ",\"loki_window_s\":" + std::to_string(faults_.loki_window_s);
    out += ",\"loki_max_age_s\":" + std::to_string(faults_.loki_max_age_s);
    out += ",\"loki_grace_s\":" + std::to_string(faults_.loki_grace_s);
    out += ",\"loki_max_line_size\":" + std::to_string(faults_.loki_max_line_size);
    out += ",\"require_tenant\":";
    out += faults_.require_tenant ? "true" : "false";
    out += '}';
    return out;
  }

  HttpResponse FaultsResponse() {
    std::lock_guard lock(mu_);
    return HttpResponse::Json(200, FaultsJson());
  }

  HttpResponse HandleControl(const HttpRequest& req) {
    ControlChange change;
    std::string error = ParseControl(req.body, &change);
    if (!error.empty()) return JsonError(400, error);

    std::lock_guard life(lifecycle_mu_);
    {
      std::lock_guard lock(mu_);
      if (change.refuse.has_value() && !*change.refuse) faults_ = Faults{.refuse = faults_.refuse};
      if (change.set_status) {
        faults_.status = change.status == 200 ? 0 : change.status;
        faults_.retry_after = faults_.status != 0 ? change.retry_after : std::string();
        faults_.remaining = faults_.status != 0 ? change.count : -1;
        faults_.every = faults_.status != 0 ? change.every : 1;
        faults_.seen = 0;
      }
      if (change.reject_substring) faults_.reject_substring = *change.reject_substring;
      if (change.delay_ms) faults_.delay_ms = *change.delay_ms;
      if (change.loki_ordered) faults_.loki_ordered = *change.loki_ordered;
      if (change.loki_window_s) faults_.loki_window_s = *change.loki_window_s;
      if (change.loki_max_age_s) faults_.loki_max_age_s = *change.loki_max_age_s;
      if (change.loki_grace_s) faults_.loki_grace_s = *change.loki_grace_s;
      if (change.loki_max_line_size) faults_.loki_max_line_size = *change.loki_max_line_size;
      if (change.require_tenant) faults_.require_tenant = *change.require_tenant;
    }
    if (change.refuse.has_value()) {
      if (*change.refuse && data_) {
        Interrupt();
        data_->Stop();  // closes the listener and every open connection, joins its thread
        data_.reset();
      } else if (!*change.refuse && !data_) {
        // Listen again on the same port. SO_REUSEADDR (set by HttpServer) allows it over the
        // TIME_WAIT connections just closed; retry briefly in case another socket races us.
        logcap::Status status;
        for (int attempt = 0; attempt < 40; ++attempt) {
          status = StartDataServer(data_port_);
          if (status.ok()) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (!status.ok()) return JsonError(500, "cannot listen again: " + status.ToString());
      }
      std::lock_guard lock(mu_);
      faults_.refuse = data_ == nullptr;
    }
    std::lock_guard lock(mu_);
    return HttpResponse::Json(200, FaultsJson());
  }

  HttpResponse HandleStats() {
    std::string out;
    out.reserve(512);
    std::lock_guard lock(mu_);
    out += "{\"requests\":" + std::to_string(counters_.requests);
    out += ",\"lines\":" + std::to_string(counters_.lines);
    out += ",\"bytes_wire\":" + std::to_string(counters_.bytes_wire);
    out += ",\"bytes_decoded\":" + std::to_string(counters_.bytes_decoded);
    char delay[48];
    std::snprintf(delay, sizeof delay, "%.3f", static_cast<double>(counters_.delay_us) / 1000.0);
    out += ",\"delay_ms_total\":";
    out += delay;
    out += ",\"by_status\":{";
    bool first = true;
    for (const auto& [status, n] : counters_.by_status) {
      if (!first) out += ',';
      first = false;
      out += "\"" + std::to_string(status) + "\":" + std::to_string(n);
    }
    auto add_map = [&out](std::string_view name, const auto& map) {
      out += ",\"";
      out += name;
      out += "\":{";
      bool first_entry = true;
      for (const auto& [key, n] : map) {
        if (!first_entry) out += ',';
        first_entry = false;
        AppendJsonQuoted(out, key);
        out += ':' + std::to_string(n);
      }
      out += '}';
    };
    out += '}';
    add_map("by_path", counters_.by_path);
    add_map("by_encoding", counters_.by_encoding);
    out += ",\"mode\":";
    out += faults_.refuse ? "\"refuse\"" : "\"ok\"";
    out += ",\"data_port\":" + std::to_string(data_port_);
    out += ",\"faults\":" + FaultsJson();
    // {"pushes","entries","duplicates","streams","refused":{...},"by_format":{...},"tenants":{...},
    //  "order_violations_in_push","duplicate_streams_in_push"}: see loki_ingester.h.
    out += ",\"loki\":";
    loki_.AppendStatsJson(out);
    out += '}';
    return HttpResponse::Json(200, std::move(out));
  }

  HttpResponse HandleReset() {
    std::lock_guard lock(mu_);
    counters_ = Counters{};
    loki_.Reset();
    if (store_fd_ >= 0 && ::ftruncate(store_fd_, 0) != 0) {
      return JsonError(500, std::string("cannot truncate the store: ") + std::strerror(errno));
    }
    return HttpResponse::Json(200, "{\"reset\":true}");
  }

  const Options options_;
  const int store_fd_;

  std::mutex lifecycle_mu_;  // data_ and its (re)starts; taken before mu_, never inside it
  std::unique_ptr<HttpServer> data_;
  std::atomic<uint16_t> data_port_{0};
  std::unique_ptr<HttpServer> control_;  // set in Start() before any thread uses it

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;  // bumped by refuse and shutdown: wakes delayed requests
  Faults faults_;
  Counters counters_;
  LokiIngester loki_;

  // Scratch of the data server's thread (see the top of the file).
  Gunzip gunzip_;
  std::string encoding_;
  std::string retry_after_;
  std::string reject_;
  LokiPushDecoder loki_decoder_{kMaxDecodedBytes};
  DecodedPush loki_push_;
  std::string loki_store_;
  std::string loki_message_;
};

[[noreturn]] void Usage(const char* error) {
  if (error != nullptr) std::fprintf(stderr, "http-receiver: %s\n", error);
  std::fprintf(stderr,
               "usage: http-receiver [--host 127.0.0.1] [--port 0] [--control-port 0] [--store FILE]\n"
               "                     [--max-body-bytes N] [--path /p]...\n"
               "Prints \"data_port=N control_port=M\" and serves until SIGTERM/SIGINT.\n"
               "Data paths (POST): the --path values, or by default:");
  for (const char* p : kDefaultPaths) std::fprintf(stderr, " %s", p);
  std::fprintf(stderr, "\n");
  std::exit(error != nullptr ? 2 : 0);
}

uint64_t ParseNumber(const std::string& flag, const std::string& value, uint64_t max) {
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || value[0] == '-' || *end != '\0' || errno != 0 || n > max) {
    Usage((flag + ": not a number from 0 to " + std::to_string(max) + ": '" + value + "'").c_str());
  }
  return n;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  bool paths_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") Usage(nullptr);
    std::string value;
    size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Usage((arg + " needs a value").c_str());
    }
    if (arg == "--host") {
      o.host = value;
    } else if (arg == "--port") {
      o.port = static_cast<uint16_t>(ParseNumber(arg, value, 65535));
    } else if (arg == "--control-port") {
      o.control_port = static_cast<uint16_t>(ParseNumber(arg, value, 65535));
    } else if (arg == "--store") {
      o.store = value;
    } else if (arg == "--max-body-bytes") {
      o.max_body_bytes = ParseNumber(arg, value, kMaxDecodedBytes);
      if (o.max_body_bytes == 0) Usage("--max-body-bytes must be positive");
    } else if (arg == "--path") {
      if (value.empty() || value[0] != '/') Usage("--path must start with '/'");
      if (!paths_given) o.paths.clear();
      paths_given = true;
      o.paths.push_back(value);
    } else {
      Usage(("unknown option " + arg).c_str());
    }
  }
  if (!paths_given) o.paths.assign(std::begin(kDefaultPaths), std::end(kDefaultPaths));
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  // Request bodies (hundreds of KiB) are above glibc's default mmap threshold: each would be a
  // fresh mmap, zero-filled page by page and unmapped again (a quarter of this process's CPU in the
  // pipeline benchmark). Keep them on the heap, where freed buffers are reused, as the agent does.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  Options options = ParseArgs(argc, argv);
  // The agent's logger defaults to stdout; this process's stdout carries only the port line.
  spdlog::set_default_logger(spdlog::stderr_color_mt("http-receiver"));

  // Block the stop signals in every thread (the servers' threads inherit the mask); main waits.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int store_fd = -1;
  if (!options.store.empty()) {
    store_fd = ::open(options.store.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (store_fd < 0) {
      std::fprintf(stderr, "http-receiver: cannot open store %s: %s\n", options.store.c_str(), std::strerror(errno));
      return 1;
    }
  }

  int code = 0;
  {
    Receiver receiver(options, store_fd);
    if (!receiver.Start()) {
      code = 1;
    } else {
      std::printf("data_port=%u control_port=%u\n", unsigned{receiver.data_port()}, unsigned{receiver.control_port()});
      std::fflush(stdout);
      int sig = 0;
      while (sigwait(&stop_signals, &sig) != 0) {
      }
    }
    receiver.Shutdown();
  }
  if (store_fd >= 0) ::close(store_fd);
  return code;
}
