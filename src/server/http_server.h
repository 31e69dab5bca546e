// HttpServer: a small embedded HTTP/1.1 server for the agent's API (CONTRACT §5).
//
// Built on Boost.Beast, but no Boost or Beast type appears here (pimpl): the rest of the agent
// includes this header only, and only http_server.cpp pays Beast's compile time.
//
// Behaviour, for every connection:
//   - HTTP/1.1 keep-alive (HTTP/1.0 keep-alive when asked); "Connection: close" is honoured.
//   - Routes match the exact path (the target before '?'). Unknown path -> 404; known path, other
//     method -> 405 with an Allow header. HEAD is answered by a GET route without the body.
//   - When options.auth_token is set, every POST and every path under /api/ needs
//     "Authorization: Bearer TOKEN", else 401 (checked before routing, so an unauthenticated
//     client cannot probe which protected paths exist). Other GETs (/health, /metrics) stay open.
//   - Body over max_body_bytes -> 413 (before reading the body when Content-Length says so);
//     malformed request -> 400; header block over 16 KiB -> 431. These close the connection.
//   - "Expect: 100-continue" gets an interim 100 before the body is read.
//   - A handler that throws -> 500 with a JSON error; the server keeps serving.
//   - Every response carries Content-Length (except 1xx/204/304, where HTTP forbids it).
//   - Beyond max_connections open connections, a new one gets 503 + "Connection: close".
//   - A connection idle (or stalled mid-request) for idle_timeout is closed.
//
// Threading: all I/O and ALL HANDLERS run on the server's one thread, one request at a time.
// Handlers must therefore be quick (microseconds to a few milliseconds): they may read counters,
// serialize metrics or hand a body to a queue, but must never block on a sink or on disk I/O
// that can stall. A handler must not call Stop() (it would join its own thread).
// Route() must be called before Start(). Start(), Stop() and the destructor may be called from
// any one thread (not concurrently with each other). port() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace logcap {

struct HttpRequest {
  std::string method;  // upper case as sent: "GET", "POST", ...
  std::string target;  // as sent: "/api/v1/stats?x=1"
  std::string path;    // target before '?', not percent-decoded: "/api/v1/stats"
  std::string query;   // target after '?', without it: "x=1" ("" when absent)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in order sent

  // The first header with this name (case-insensitive), or nullptr. The pointer is valid while
  // the request lives (i.e. during the handler call).
  const std::string* Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers, sent as given. Content-Length and Transfer-Encoding are always set by the
  // server and ignored here; "Connection: close" here closes the connection after the response.
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body);  // text/plain; charset=utf-8
};

// Runs on the server thread; see "Threading" above. May throw (-> 500).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Answers a request later. Call it exactly once, from any thread; calls after the first, or after
// the server stopped, are ignored.
using HttpResponder = std::function<void(HttpResponse)>;
// An asynchronous handler: runs on the server thread like HttpHandler (quick, non-blocking), but
// answers through `respond`, possibly later from another thread. Meanwhile the connection waits
// and the server serves other connections. May throw before calling respond (-> 500).
using HttpAsyncHandler = std::function<void(const HttpRequest&, HttpResponder respond)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an address ("0.0.0.0", "::1") or a resolvable name
  uint16_t port = 8401;            // 0 = an ephemeral port; see HttpServer::port()
  std::string auth_token;          // when set, every POST and every /api/* call needs
                                   // "Authorization: Bearer TOKEN", else 401
  size_t max_body_bytes = 10 << 20;
  size_t max_connections = 256;
  std::chrono::seconds idle_timeout{60};  // idle or stalled connections are closed; 0 = never
};

// Counters since construction, for the agent's own telemetry.
struct HttpServerStats {
  uint64_t requests = 0;              // requests read completely and dispatched
  uint64_t connections_accepted = 0;  // connections served
  uint64_t connections_rejected = 0;  // connections turned away over max_connections (503)
  uint64_t handler_errors = 0;        // handlers that threw (answered 500)
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers a handler for an exact (method, path); a later registration of the same pair
  // replaces the earlier one. Only before Start().
  void Route(std::string method, std::string path, HttpHandler handler);
  // The same for a handler that answers later (see HttpAsyncHandler).
  void RouteAsync(std::string method, std::string path, HttpAsyncHandler handler);

  // Binds and listens, then serves on a thread of its own. On failure (address in use, bad host,
  // permission) returns a Status naming the address and the reason, and starts nothing.
  // Call at most once.
  Status Start();

  // Closes the listener and every connection (in-flight responses are abandoned) and joins the
  // thread. Returns promptly whatever clients do. Idempotent; safe without Start().
  void Stop();

  // The bound port once Start() succeeded (the real one when options.port was 0), else
  // options.port.
  uint16_t port() const;

  // A consistent-enough snapshot; any thread.
  HttpServerStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace logcap
