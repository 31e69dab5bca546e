// HttpServer on Boost.Beast: one io_context, one thread, one Session per connection.
//
// This is the only translation unit that includes Beast (it takes ~30 s to compile).
// Lifetimes: a Session is owned by the shared_ptrs its pending completion handlers hold. It
// registers itself in ServerState::sessions so Stop() can close it, and unregisters in its
// destructor; ServerState is shared, so it outlives every Session even while the io_context
// destroys leftover handlers after Stop().

// Boost 1.74 with g++ 12 in C++20 needs these before Asio ("'exchange' is not a member of 'std'").
#include <optional>
#include <utility>

#include "server/http_server.h"
#include "core/json_object.h"
#include "core/thread_name.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <exception>
#include <list>
#include <mutex>
#include <vector>
#include <map>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace logcap {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr size_t kReadBufferBytes = 64 * 1024;  // smaller and Beast reads 512 bytes at a time
constexpr uint32_t kHeaderLimitBytes = 16 * 1024;
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr size_t kMinRejectingConnections = 16;
constexpr std::string_view kServerName = "log-capturer";

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Sv(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view Bv(std::string_view s) { return {s.data(), s.size()}; }

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Compares without an early exit, so response time does not reveal how much of a token matched.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

HttpResponse JsonError(int status, std::string_view message) {
  std::string body = "{\"error\":";
  AppendJsonQuoted(body, message);
  body += ",\"status\":" + std::to_string(status) + "}";
  return HttpResponse::Json(status, std::move(body));
}

// Protected requests: anything but GET/HEAD, and everything under /api/.
bool NeedsAuth(const HttpRequest& req) {
  bool read_only = req.method == "GET" || req.method == "HEAD";
  bool api = req.path == "/api" || req.path.rfind("/api/", 0) == 0;
  return !read_only || api;
}

bool Authorized(const HttpRequest& req, const std::string& token) {
  const std::string* value = req.Header("authorization");
  if (value == nullptr) return false;
  std::string_view v = *value;
  size_t space = v.find(' ');
  if (space == std::string_view::npos || !IEquals(v.substr(0, space), "Bearer")) return false;
  v.remove_prefix(space);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return ConstantTimeEquals(v, token);
}

struct RouteEntry {
  std::map<std::string, HttpAsyncHandler> by_method;  // synchronous handlers are wrapped
};

struct Counters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_rejected{0};
  std::atomic<uint64_t> handler_errors{0};
};

class Session;

// State shared by the server and its sessions. Everything but `counters` is touched only on the
// server thread (or, after that thread has joined, by the thread destroying the server).
struct ServerState {
  explicit ServerState(HttpServerOptions o) : options(std::move(o)) {}
  HttpServerOptions options;
  std::map<std::string, RouteEntry, std::less<>> routes;
  std::list<Session*> sessions;
  size_t serving = 0;    // sessions counted against max_connections
  size_t rejecting = 0;  // sessions only sending a 503 before closing
  Counters counters;

  // Routing, auth and exception handling for one parsed request; the answer goes to respond
  // (at once, or later for an asynchronous route).
  void Handle(const HttpRequest& req, const HttpResponder& respond);

  // For responders called from other threads: the io_context to post their answer to, while the
  // server runs (nullptr before Start and after Stop).
  std::mutex post_mu;
  asio::io_context* ioc = nullptr;
};

void ServerState::Handle(const HttpRequest& req, const HttpResponder& respond) {
  if (!options.auth_token.empty() && NeedsAuth(req) && !Authorized(req, options.auth_token)) {
    HttpResponse res = JsonError(401, "unauthorized: send \"Authorization: Bearer <server.auth_token>\"");
    res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"log-capturer\"");
    return respond(std::move(res));
  }
  auto route = routes.find(req.path);
  if (route == routes.end()) return respond(JsonError(404, "no route for " + req.path));
  const auto& methods = route->second.by_method;
  auto handler = methods.find(req.method);
  if (handler == methods.end() && req.method == "HEAD") handler = methods.find("GET");
  if (handler == methods.end()) {
    std::string allow;
    for (const auto& [method, unused] : methods) {
      if (!allow.empty()) allow += ", ";
      allow += method;
      if (method == "GET" && !methods.count("HEAD")) allow += ", HEAD";
    }
    HttpResponse res = JsonError(405, "method " + req.method + " not allowed on " + req.path);
    res.headers.emplace_back("Allow", allow);
    return respond(std::move(res));
  }
  try {
    handler->second(req, respond);
  } catch (const std::exception& e) {
    counters.handler_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("http: handler for {} {} threw: {}", req.method, req.path, e.what());
    respond(JsonError(500, std::string("internal error: ") + e.what()));
  } catch (...) {
    counters.handler_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("http: handler for {} {} threw a non-exception", req.method, req.path);
    respond(JsonError(500, "internal error"));
  }
}

// One connection: read a request, answer it, repeat while keep-alive holds.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<ServerState> state, bool rejecting)
      : stream_(std::move(socket)), state_(std::move(state)), rejecting_(rejecting) {}

  ~Session() {
    state_->sessions.erase(self_);
    if (rejecting_) {
      --state_->rejecting;
    } else {
      --state_->serving;
    }
  }

  void Start() {
    self_ = state_->sessions.insert(state_->sessions.end(), this);
    if (rejecting_) {
      ++state_->rejecting;
      res_ = {};
      FillResponse(JsonError(503, "too many connections (server max_connections reached)"), /*head=*/false, 11);
      res_.set(http::field::retry_after, "1");
      res_.keep_alive(false);
      Write(/*close_after=*/true, /*linger=*/true);
      return;
    }
    ++state_->serving;
    buffer_.reserve(kReadBufferBytes);
    ReadHeader();
  }

  // At Stop: releases the self-reference of a session still waiting for its answer.
  std::shared_ptr<Session> TakeAwaiting() { return std::move(awaiting_); }

  // Closes the socket now; pending operations complete with operation_aborted.
  void Close() {
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  const HttpServerOptions& options() const { return state_->options; }

  // Arms the idle timeout for the next operations; 0 or less = no timeout.
  void ArmIdleTimeout() {
    if (options().idle_timeout.count() > 0) {
      stream_.expires_after(options().idle_timeout);
    } else {
      stream_.expires_never();
    }
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->body_limit(static_cast<std::uint64_t>(options().max_body_bytes));
    parser_->header_limit(kHeaderLimitBytes);
    ArmIdleTimeout();
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(ErrorCode ec, size_t) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return Dispatch();
    auto expect = parser_->get()[http::field::expect];
    if (IEquals(Sv(expect), "100-continue")) {
      continue_ = {};
      continue_.version(11);
      continue_.result(http::status::continue_);
      ArmIdleTimeout();
      http::async_write(stream_, continue_, [self = shared_from_this()](ErrorCode wec, size_t) {
        if (wec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    ArmIdleTimeout();
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void OnBody(ErrorCode ec, size_t) {
    if (ec) return OnReadError(ec);
    Dispatch();
  }

  void OnReadError(ErrorCode ec) {
    // Quiet ends: the client left, went idle (timeout), reset, or the server is stopping.
    const bool http_error = ec.category() == http::make_error_code(http::error::end_of_stream).category();
    if (!http_error || ec == http::error::end_of_stream || ec == http::error::partial_message) return Close();
    if (ec == http::error::body_limit) {
      return WriteError(JsonError(413, "request body exceeds " + std::to_string(options().max_body_bytes) + " bytes"));
    }
    if (ec == http::error::header_limit) return WriteError(JsonError(431, "request header block too large"));
    WriteError(JsonError(400, "malformed request: " + ec.message()));
  }

  // Answers a request that could not be read completely, then closes.
  void WriteError(HttpResponse response) {
    res_ = {};
    FillResponse(std::move(response), /*head=*/false, 11);
    res_.keep_alive(false);
    Write(/*close_after=*/true, /*linger=*/true);
  }

  void Dispatch() {
    state_->counters.requests.fetch_add(1, std::memory_order_relaxed);
    auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(Sv(msg.method_string()));
    req.target = std::string(Sv(msg.target()));
    size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.headers.reserve(16);
    for (const auto& field : msg) {
      req.headers.emplace_back(ToLower(Sv(field.name_string())), std::string(Sv(field.value())));
    }
    req.body = std::move(msg.body());
    const bool keep_alive = msg.keep_alive();
    const unsigned version = msg.version();
    const bool head = req.method == "HEAD";

    // The session keeps itself alive while the answer is pending (no I/O holds it meanwhile);
    // the responder holds only a weak reference, so it can outlive the server harmlessly, and
    // the answer is always written on the server thread.
    awaiting_ = shared_from_this();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    std::weak_ptr<Session> weak = awaiting_;
    std::shared_ptr<ServerState> state = state_;
    HttpResponder respond = [weak, state, answered, keep_alive, version, head](HttpResponse response) {
      if (answered->exchange(true)) return;
      std::lock_guard lock(state->post_mu);
      if (state->ioc == nullptr) return;
      asio::post(*state->ioc, [weak, response = std::move(response), keep_alive, version, head]() mutable {
        if (auto self = weak.lock()) self->Answer(std::move(response), keep_alive, version, head);
      });
    };
    state_->Handle(req, respond);
  }

  void Answer(HttpResponse response, bool keep_alive, unsigned version, bool head) {
    std::shared_ptr<Session> self = std::move(awaiting_);
    if (!self || !stream_.socket().is_open()) return;
    for (const auto& [name, value] : response.headers) {
      if (IEquals(name, "connection") && IEquals(value, "close")) keep_alive = false;
    }
    res_ = {};
    FillResponse(std::move(response), head, version);
    res_.keep_alive(keep_alive);
    Write(/*close_after=*/!keep_alive, /*linger=*/false);
  }

  void FillResponse(HttpResponse response, bool head, unsigned version) {
    if (response.status < 100 || response.status > 999) {
      spdlog::error("http: handler returned invalid status {}", response.status);
      response = JsonError(500, "internal error: invalid status " + std::to_string(response.status));
    }
    res_.version(version);
    res_.result(static_cast<unsigned>(response.status));
    res_.set(http::field::server, Bv(kServerName));
    if (!response.content_type.empty()) res_.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) {
      if (IEquals(name, "content-length") || IEquals(name, "transfer-encoding") || IEquals(name, "connection")) {
        continue;
      }
      res_.insert(name, value);
    }
    int s = response.status;
    bool bodiless = (s >= 100 && s < 200) || s == 204 || s == 304;
    if (bodiless) {
      res_.body().clear();
      res_.prepare_payload();
    } else if (head) {
      res_.content_length(response.body.size());
    } else {
      res_.body() = std::move(response.body);
      res_.prepare_payload();
    }
  }

  void Write(bool close_after, bool linger) {
    ArmIdleTimeout();
    http::async_write(stream_, res_, [self = shared_from_this(), close_after, linger](ErrorCode ec, size_t) {
      self->OnWrite(ec, close_after, linger);
    });
  }

  void OnWrite(ErrorCode ec, bool close_after, bool linger) {
    if (ec) return Close();
    if (!close_after) return ReadHeader();
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (!linger) return Close();
    // The client may still be sending a request we did not read. Closing with unread data makes
    // the kernel send a reset, which can destroy our response before the client reads it, so
    // read and discard for a short while (until the client closes) first.
    stream_.expires_after(kLingerTimeout);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](ErrorCode ec, size_t) {
      if (ec) return self->Close();
      self->Drain();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  http::response<http::empty_body> continue_;
  std::shared_ptr<ServerState> state_;
  std::list<Session*>::iterator self_;
  std::shared_ptr<Session> awaiting_;  // set while an answer is pending (see Dispatch)
  bool rejecting_;
  std::array<char, 4096> discard_;
};

}  // namespace

const std::string* HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (IEquals(key, name)) return &value;
  }
  return nullptr;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions options) : state(std::make_shared<ServerState>(std::move(options))) {}

  void DoAccept() {
    acceptor.async_accept([this](ErrorCode ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Typically EMFILE/ENFILE: back off instead of spinning, keep the listener.
        spdlog::warn("http: accept failed: {}; retrying", ec.message());
        accept_retry.expires_after(kAcceptRetryDelay);
        accept_retry.async_wait([this](ErrorCode wec) {
          if (!wec) DoAccept();
        });
        return;
      }
      ErrorCode ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      const size_t max = state->options.max_connections;
      if (state->serving < max) {
        state->counters.connections_accepted.fetch_add(1, std::memory_order_relaxed);
        std::make_shared<Session>(std::move(socket), state, false)->Start();
      } else {
        state->counters.connections_rejected.fetch_add(1, std::memory_order_relaxed);
        if (state->rejecting < std::max(max, kMinRejectingConnections)) {
          std::make_shared<Session>(std::move(socket), state, true)->Start();
        } else {
          socket.close(ignored);  // a flood: not even a 503
        }
      }
      DoAccept();
    });
  }

  // Declared first, destroyed last: the acceptor, timer and leftover sessions need it.
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};
  std::shared_ptr<ServerState> state;
  std::thread thread;
  std::atomic<uint16_t> bound_port{0};
  bool started = false;
  bool stopped = false;
};

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->bound_port = impl_->state->options.port;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::RouteAsync(std::string method, std::string path, HttpAsyncHandler handler) {
  impl_->state->routes[std::move(path)].by_method[std::move(method)] = std::move(handler);
}

void HttpServer::Route(std::string method, std::string path, HttpHandler handler) {
  RouteAsync(std::move(method), std::move(path),
             [handler = std::move(handler)](const HttpRequest& req, const HttpResponder& respond) {
               respond(handler(req));
             });
}

Status HttpServer::Start() {
  Impl& im = *impl_;
  if (im.started) return Status::Aborted("http server: Start() called twice");
  im.started = true;
  const auto& opt = im.state->options;
  const std::string where = opt.host + ":" + std::to_string(opt.port);

  ErrorCode ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(opt.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, opt.port);
  } else {
    tcp::resolver resolver(im.ioc);
    auto results = resolver.resolve(opt.host, std::to_string(opt.port), ec);
    if (ec || results.empty()) {
      return Status::InvalidArgument("http server: cannot resolve host '" + opt.host + "': " +
                                     (ec ? ec.message() : std::string("no address")));
    }
    endpoint = results.begin()->endpoint();
  }

  auto fail = [&](std::string_view what) {
    ErrorCode ignored;
    im.acceptor.close(ignored);
    return Status::IoError("http server: cannot " + std::string(what) + " on " + where + ": " + ec.message());
  };
  im.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket");
  im.acceptor.set_option(asio::socket_base::reuse_address(true), ec);  // restart over TIME_WAIT
  if (ec) return fail("set SO_REUSEADDR");
  im.acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  im.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  im.bound_port = im.acceptor.local_endpoint(ec).port();

  im.DoAccept();
  {
    std::lock_guard lock(im.state->post_mu);
    im.state->ioc = &im.ioc;
  }
  im.thread = std::thread([&im] {
    SetCurrentThreadName("http-server");
    for (;;) {
      try {
        im.ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("http: server loop error: {}; continuing", e.what());
      }
    }
  });
  return Status::Ok();
}

void HttpServer::Stop() {
  Impl& im = *impl_;
  if (im.stopped) return;
  im.stopped = true;
  if (!im.thread.joinable()) {
    ErrorCode ignored;
    im.acceptor.close(ignored);
    return;
  }
  asio::post(im.ioc, [&im] {
    ErrorCode ignored;
    im.acceptor.close(ignored);
    im.accept_retry.cancel();
    std::vector<std::shared_ptr<Session>> awaiting;
    for (Session* session : im.state->sessions) {
      session->Close();
      if (auto self = session->TakeAwaiting()) awaiting.push_back(std::move(self));
    }
    awaiting.clear();  // destroyed here, on the server thread, after the loop over the list
    im.ioc.stop();  // handlers still queued are destroyed, not run, with the io_context
  });
  im.thread.join();
  std::lock_guard lock(im.state->post_mu);
  im.state->ioc = nullptr;  // late responders now do nothing
}

uint16_t HttpServer::port() const { return impl_->bound_port.load(); }

HttpServerStats HttpServer::Stats() const {
  const Counters& c = impl_->state->counters;
  HttpServerStats s;
  s.requests = c.requests.load(std::memory_order_relaxed);
  s.connections_accepted = c.connections_accepted.load(std::memory_order_relaxed);
  s.connections_rejected = c.connections_rejected.load(std::memory_order_relaxed);
  s.handler_errors = c.handler_errors.load(std::memory_order_relaxed);
  return s;
}

}  // namespace logcap
