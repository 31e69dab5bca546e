// HttpClient: POSTs a set of requests concurrently over kept-alive connections (libcurl multi).
//
// Shared by the sinks that talk HTTP (http, loki). No curl type appears here (pimpl): only
// http_client.cpp includes curl.
//
// Contract:
//   - PerformAll() sends every request, at most options.max_in_flight at a time, and returns when
//     each has its answer: one HttpAnswer per request, in the same order. It never throws and
//     never gives up early; every failure is described in the answer (status 0 + error for a
//     transport failure: refused, DNS, TLS, reset, timeout).
//   - Each request is bounded by options.timeout as a whole (connect, send, wait, receive).
//   - Connections are kept alive and reused by later requests and later calls (the multi handle's
//     connection cache holds max_in_flight of them); easy handles are reused too, so a request
//     costs no allocation of ours beyond its body (curl copies the URL).
//   - Redirects are never followed (a 3xx is handed back with its Location). Only http and https
//     are allowed, also for the URL given per request.
//   - Bodies are sent as given: libcurl never compresses request bodies, so a caller that wants
//     gzip compresses first and adds "Content-Encoding: gzip" itself.
//   - "Expect: 100-continue" is never sent: it would cost a round trip per large request.
//
// Threading: not thread-safe. Create, PerformAll and destruction from one thread (the sink
// runner's). Stats() may be read from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/status.h"

namespace logcap {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpClientOptions {
  Nanos timeout = 30 * kNanosPerSecond;  // per request, as a whole
  size_t max_in_flight = 4;              // requests on the wire at once (and connections kept)
  TlsClientConfig tls;
  HttpHeaders headers;                   // sent with every request (Content-Type, auth, ...)
  std::string user_agent = "log-capturer/" LOGCAP_VERSION;
};

struct HttpRequestSpec {
  std::string url;
  std::string_view body;  // caller-owned; must stay valid until PerformAll returns
  HttpHeaders headers;    // in addition to HttpClientOptions::headers (usually empty)
};

struct HttpAnswer {
  static constexpr size_t kMaxBody = 4096;

  long status = 0;          // the HTTP status; 0 when no HTTP answer arrived
  std::string error;        // status 0: what went wrong ("Failed to connect to ... refused")
  bool timed_out = false;   // status 0 because options.timeout passed
  std::string body;         // the first kMaxBody bytes of the answer body
  std::string retry_after;  // the Retry-After header as sent; "" when absent
  std::string location;     // 3xx: the redirect target, which was not followed
  Nanos elapsed = 0;        // from start to the last byte of the answer (or the failure)
  bool new_connection = false;  // a connection was opened for it (false: a kept-alive one was reused)
};

struct HttpClientStats {
  uint64_t requests = 0;
  uint64_t connections_opened = 0;
  uint64_t transport_errors = 0;
  uint64_t timeouts = 0;
};

class HttpClient {
 public:
  // Checks the options (TLS files readable, header names and values free of CR/LF) and builds
  // the client: InvalidArgument naming the problem, or Unavailable when libcurl cannot start.
  static Status Create(HttpClientOptions options, std::unique_ptr<HttpClient>* client);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends requests[i] and stores its outcome in answers[i] (sizes must match). Blocks until all
  // are answered; see the contract above.
  // while_waiting (optional) runs once, on this thread, the first time every request that can be
  // on the wire has been handed to its connection and nothing is left to do but wait for answers:
  // a caller can prepare its next requests meanwhile instead of sitting idle. It is not called
  // when every answer comes at once (e.g. all connections refused).
  void PerformAll(std::span<const HttpRequestSpec* const> requests, std::span<HttpAnswer> answers,
                  const std::function<void()>& while_waiting = {});

  HttpClientStats Stats() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Ok when url is an absolute http:// or https:// URL with a host; else InvalidArgument saying why.
Status ValidateHttpUrl(std::string_view url);

// url without its credentials ("https://user:secret@host/x" -> "https://host/x"), for messages.
std::string RedactUrl(std::string_view url);

// The Authorization header value for auth ("Basic <base64(user:password)>", "Bearer <token>"),
// or "" for type none. InvalidArgument for an unknown type, basic without a username (or with a
// ':' in it), or bearer without a token (or with a line break); *field (may be null) is then set
// to the HttpAuthConfig field at fault: "type", "username" or "token".
Status AuthorizationHeader(const HttpAuthConfig& auth, std::string* value, std::string* field = nullptr);

// Ok when name is a valid header name (non-empty, no blank, ':' or line break) and value has no
// line break (which would let a value inject headers of its own); else InvalidArgument.
Status CheckHttpHeader(std::string_view name, std::string_view value);

// Standard base64 with padding (RFC 4648 §4).
std::string Base64Encode(std::string_view data);

}  // namespace logcap
