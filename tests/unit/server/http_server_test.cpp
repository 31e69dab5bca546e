// HttpServer tests: a real server on an ephemeral port, driven by a tiny blocking POSIX-socket
// client (no Beast here, so the tests also check the wire format independently).
#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>
#include <string>

#include <gtest/gtest.h>

namespace logcap {
namespace {

// Receive timeout on every test socket: a guard so a broken server fails a test instead of
// hanging it. It never decides a pass.
constexpr int kSocketGuardSeconds = 20;

struct Reply {
  bool ok = false;  // a complete response was read
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One blocking TCP connection to 127.0.0.1:port.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    timeval tv{kSocketGuardSeconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool Send(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one response (Content-Length framing only, which the server always uses).
  // `head`: the request was HEAD, so no body follows.
  Reply Read(bool head = false) {
    Reply reply;
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return reply;
    }
    std::string head_block = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    size_t line_end = head_block.find("\r\n");
    std::string status_line = head_block.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return reply;
    reply.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head_block.size() : line_end + 2;
    while (pos < head_block.size()) {
      size_t next = head_block.find("\r\n", pos);
      if (next == std::string::npos) next = head_block.size();
      std::string line = head_block.substr(pos, next - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        reply.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = next + 2;
    }
    if (reply.status == 100) return reply;  // interim: caller reads again
    if (head) {
      reply.ok = true;
      return reply;
    }
    if (!reply.headers.count("content-length")) return reply;
    size_t length = std::stoul(reply.headers["content-length"]);
    while (pending_.size() < length) {
      if (!Fill()) return reply;
    }
    reply.body = pending_.substr(0, length);
    pending_.erase(0, length);
    reply.ok = true;
    return reply;
  }

  Reply Request(const std::string& raw) {
    if (!Send(raw)) return Reply{};
    return Read();
  }

  // True when the server closed the connection (EOF or reset) with nothing more to read.
  bool ClosedByServer() {
    if (!pending_.empty()) return false;
    char c;
    for (;;) {
      ssize_t n = ::recv(fd_, &c, 1, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;  // EAGAIN = the guard timeout expired: still open
      return false;
    }
  }

 private:
  bool Fill() {
    char buf[8192];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      pending_.append(buf, static_cast<size_t>(n));
      return true;
    }
  }

  int fd_ = -1;
  std::string pending_;
};

std::string Get(const std::string& path, const std::string& extra_headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

std::string Post(const std::string& path, const std::string& body, const std::string& extra_headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

// Runs Stop() on another thread; false if it had not returned after a generous guard delay.
bool StopReturns(HttpServer& server) {
  auto done = std::async(std::launch::async, [&server] { server.Stop(); });
  if (done.wait_for(std::chrono::seconds(30)) == std::future_status::ready) return true;
  done.wait();  // keep `server` alive for the stuck call; the test has already failed
  return false;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options);
    server_->Route("GET", "/health", [](const HttpRequest&) {
      return HttpResponse::Json(200, R"({"status":"healthy"})");
    });
    server_->Route("GET", "/api/v1/stats", [](const HttpRequest&) { return HttpResponse::Json(200, R"({"ok":1})"); });
    server_->Route("POST", "/api/v1/logs", [](const HttpRequest& req) {
      std::string ct = req.Header("Content-Type") ? *req.Header("Content-Type") : "";
      return HttpResponse::Text(202, "got " + std::to_string(req.body.size()) + " bytes of " + ct);
    });
    server_->Route("GET", "/echo", [](const HttpRequest& req) {
      return HttpResponse::Text(200, req.method + "|" + req.path + "|" + req.query);
    });
    server_->Route("GET", "/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("kaboom"); });
    // Answers later, from another thread, when the test releases it; counts calls.
    server_->RouteAsync("POST", "/later", [this](const HttpRequest& req, HttpResponder respond) {
      std::lock_guard lock(later_mu_);
      later_.push_back({req.body, std::move(respond)});
    });
    server_->Route("GET", "/bye", [](const HttpRequest&) {
      HttpResponse r = HttpResponse::Text(200, "bye");
      r.headers.emplace_back("Connection", "close");
      return r;
    });
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  uint16_t port() const { return server_->port(); }
  size_t LaterCount() {
    std::lock_guard lock(later_mu_);
    return later_.size();
  }
  HttpResponder TakeLater(size_t i) {
    std::lock_guard lock(later_mu_);
    return later_.at(i).second;
  }

  std::unique_ptr<HttpServer> server_;
  std::mutex later_mu_;
  std::vector<std::pair<std::string, HttpResponder>> later_;
};

template <typename Pred>
bool WaitUntil(Pred pred) {
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > limit) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

TEST_F(HttpServerTest, AsyncRouteAnswersFromAnotherThreadWhileOthersAreServed) {
  StartServer();
  Client waiting(port());
  ASSERT_TRUE(waiting.Send(Post("/later", "first")));
  ASSERT_TRUE(WaitUntil([&] { return LaterCount() == 1; }));
  // The server is not blocked by the pending answer.
  Client other(port());
  EXPECT_EQ(other.Request(Get("/health")).status, 200);
  HttpResponder respond = TakeLater(0);
  std::thread([respond] { respond(HttpResponse::Json(202, R"({"durable":true})")); }).join();
  Reply r = waiting.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"durable":true})");
  // A second call is ignored, and the connection keeps serving.
  respond(HttpResponse::Json(500, "{}"));
  EXPECT_EQ(waiting.Request(Get("/health")).status, 200);
}

TEST_F(HttpServerTest, AResponderCalledAfterStopDoesNothing) {
  StartServer();
  Client waiting(port());
  ASSERT_TRUE(waiting.Send(Post("/later", "x")));
  ASSERT_TRUE(WaitUntil([&] { return LaterCount() == 1; }));
  HttpResponder respond = TakeLater(0);
  server_->Stop();
  respond(HttpResponse::Json(202, "{}"));  // must not crash or touch the stopped server
  server_.reset();
  respond(HttpResponse::Json(202, "{}"));  // nor after it is destroyed
  EXPECT_FALSE(waiting.Read().ok);         // the connection was closed without an answer
}

TEST_F(HttpServerTest, RoutesReachTheirHandlerWithPathAndQuery) {
  StartServer();
  Client c(port());
  Reply r = c.Request(Get("/echo?a=1&b=two"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET|/echo|a=1&b=two");
  EXPECT_EQ(r.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.Header("content-length"), std::to_string(r.body.size()));
}

TEST_F(HttpServerTest, PostBodyAndHeadersReachTheHandler) {
  StartServer();
  Client c(port());
  Reply r = c.Request(Post("/api/v1/logs", std::string(5000, 'x')));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "got 5000 bytes of application/json");
}

TEST_F(HttpServerTest, UnknownPathIs404WithJsonError) {
  StartServer();
  Client c(port());
  Reply r = c.Request(Get("/nope"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
  // The error did not cost the connection.
  EXPECT_EQ(c.Request(Get("/health")).status, 200);
}

TEST_F(HttpServerTest, KnownPathWithOtherMethodIs405WithAllow) {
  StartServer();
  Client c(port());
  Reply r = c.Request(Post("/health", "{}"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "GET, HEAD");
  Reply d = c.Request("DELETE /api/v1/logs HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.status, 405);
  EXPECT_EQ(d.Header("allow"), "POST");
}

TEST_F(HttpServerTest, HeadOnGetRouteSendsLengthWithoutBody) {
  StartServer();
  Client c(port());
  ASSERT_TRUE(c.Send("HEAD /health HTTP/1.1\r\nHost: t\r\n\r\n"));
  Reply r = c.Read(/*head=*/true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-length"), std::to_string(std::string(R"({"status":"healthy"})").size()));
  // Had a body been sent, it would be misread as the next response.
  Reply next = c.Request(Get("/echo"));
  ASSERT_TRUE(next.ok);
  EXPECT_EQ(next.body, "GET|/echo|");
}

TEST_F(HttpServerTest, ApiWithoutTokenIs401) {
  StartServer({.auth_token = "s3cret"});
  Client c(port());
  Reply r = c.Request(Get("/api/v1/stats"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.Header("www-authenticate"), "");
}

TEST_F(HttpServerTest, ApiWithWrongTokenIs401) {
  StartServer({.auth_token = "s3cret"});
  Client c(port());
  EXPECT_EQ(c.Request(Get("/api/v1/stats", "Authorization: Bearer s3cres\r\n")).status, 401);
  EXPECT_EQ(c.Request(Get("/api/v1/stats", "Authorization: Bearer s3cret2\r\n")).status, 401);
  EXPECT_EQ(c.Request(Get("/api/v1/stats", "Authorization: Basic s3cret\r\n")).status, 401);
}

TEST_F(HttpServerTest, ApiAndPostWithRightTokenAre200) {
  StartServer({.auth_token = "s3cret"});
  Client c(port());
  EXPECT_EQ(c.Request(Get("/api/v1/stats", "Authorization: Bearer s3cret\r\n")).status, 200);
  EXPECT_EQ(c.Request(Post("/api/v1/logs", "{}", "authorization: bearer s3cret\r\n")).status, 202);
}

TEST_F(HttpServerTest, PostOutsideApiNeedsTokenToo) {
  StartServer({.auth_token = "s3cret"});
  Client c(port());
  // Checked before routing: a 401, not a 405 that would reveal the path exists.
  EXPECT_EQ(c.Request(Post("/health", "{}")).status, 401);
}

TEST_F(HttpServerTest, HealthIsOpenWithoutTokenWhenAuthIsOn) {
  StartServer({.auth_token = "s3cret"});
  Client c(port());
  Reply r = c.Request(Get("/health"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"healthy"})");
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer();
  Client c(port());
  Reply a = c.Request(Get("/echo?n=1"));
  Reply b = c.Request(Get("/echo?n=2"));
  ASSERT_TRUE(a.ok);
  ASSERT_TRUE(b.ok);
  EXPECT_EQ(a.body, "GET|/echo|n=1");
  EXPECT_EQ(b.body, "GET|/echo|n=2");
  EXPECT_EQ(server_->Stats().connections_accepted, 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  Client c(port());
  ASSERT_TRUE(c.Send(Get("/echo?n=1") + Get("/echo?n=2")));
  EXPECT_EQ(c.Read().body, "GET|/echo|n=1");
  EXPECT_EQ(c.Read().body, "GET|/echo|n=2");
}

TEST_F(HttpServerTest, ClientConnectionCloseIsHonoured) {
  StartServer();
  Client c(port());
  Reply r = c.Request(Get("/health", "Connection: close\r\n"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.Header("connection"), "close");
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, HandlerConnectionCloseClosesAfterResponse) {
  StartServer();
  Client c(port());
  Reply r = c.Request(Get("/bye"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "bye");
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveCloses) {
  StartServer();
  Client c(port());
  Reply r = c.Request("GET /health HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, BodyOverLimitIs413) {
  StartServer({.max_body_bytes = 1024});
  Client c(port());
  Reply r = c.Request(Post("/api/v1/logs", std::string(4096, 'y')));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, DeclaredBodyOverLimitIs413BeforeBodyIsSent) {
  StartServer({.max_body_bytes = 1024});
  Client c(port());
  Reply r = c.Request("POST /api/v1/logs HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 413);
}

TEST_F(HttpServerTest, BodyAtLimitIsAccepted) {
  StartServer({.max_body_bytes = 1024});
  Client c(port());
  EXPECT_EQ(c.Request(Post("/api/v1/logs", std::string(1024, 'y'))).status, 202);
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413) {
  StartServer({.max_body_bytes = 1024});
  Client c(port());
  std::string chunk(800, 'z');
  std::string raw = "POST /api/v1/logs HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 2; ++i) raw += "320\r\n" + chunk + "\r\n";
  raw += "0\r\n\r\n";
  EXPECT_EQ(c.Request(raw).status, 413);
}

TEST_F(HttpServerTest, ExpectContinueGets100ThenTheResponse) {
  StartServer();
  Client c(port());
  ASSERT_TRUE(c.Send("POST /api/v1/logs HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  Reply interim = c.Read();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.Send("abc"));
  Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body.rfind("got 3 bytes", 0), 0u);
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  StartServer();
  Client c(port());
  Reply r = c.Request("THIS IS NOT HTTP\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, BadContentLengthIs400) {
  StartServer();
  Client c(port());
  EXPECT_EQ(c.Request("POST /api/v1/logs HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n").status, 400);
}

TEST_F(HttpServerTest, ThrowingHandlerIs500AndServerKeepsServing) {
  StartServer();
  Client c(port());
  Reply r = c.Request(Get("/boom"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_NE(r.body.find("kaboom"), std::string::npos);
  EXPECT_EQ(c.Request(Get("/health")).status, 200);
  Client other(port());
  EXPECT_EQ(other.Request(Get("/health")).status, 200);
  EXPECT_EQ(server_->Stats().handler_errors, 1u);
}

TEST_F(HttpServerTest, ConnectionBeyondMaxGets503AndClose) {
  StartServer({.max_connections = 1});
  Client first(port());
  ASSERT_EQ(first.Request(Get("/health")).status, 200);  // now surely counted
  Client second(port());
  Reply r = second.Request(Get("/health"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("connection"), "close");
  EXPECT_TRUE(second.ClosedByServer());
  EXPECT_EQ(first.Request(Get("/health")).status, 200);  // the first is unaffected
  EXPECT_EQ(server_->Stats().connections_rejected, 1u);
}

TEST_F(HttpServerTest, IdleConnectionIsClosedAfterIdleTimeout) {
  StartServer({.idle_timeout = std::chrono::seconds(1)});
  Client c(port());
  ASSERT_EQ(c.Request(Get("/health")).status, 200);
  EXPECT_TRUE(c.ClosedByServer());  // the guard (20 s) is far above the 1 s timeout
}

TEST_F(HttpServerTest, StopReturnsWithIdleClientConnected) {
  StartServer();
  Client idle(port());
  ASSERT_EQ(idle.Request(Get("/health")).status, 200);
  Client silent(port());  // connected, never sent a byte
  Client partial(port());
  ASSERT_TRUE(partial.Send("GET /health HTTP/1.1\r\nHost:"));  // stalled mid-request
  EXPECT_TRUE(StopReturns(*server_));
  EXPECT_TRUE(idle.ClosedByServer());
  EXPECT_TRUE(StopReturns(*server_));  // idempotent
}

TEST(HttpServerLifecycle, StopWithoutStartIsHarmless) {
  HttpServer server({.port = 0});
  server.Stop();
  server.Stop();
}

TEST(HttpServerLifecycle, DestructorStopsARunningServer) {
  auto server = std::make_unique<HttpServer>(HttpServerOptions{.port = 0});
  server->Route("GET", "/health", [](const HttpRequest&) { return HttpResponse::Json(200, "{}"); });
  ASSERT_TRUE(server->Start().ok());
  Client c(server->port());
  ASSERT_EQ(c.Request(Get("/health")).status, 200);
  server.reset();
  EXPECT_TRUE(c.ClosedByServer());
}

TEST(HttpServerLifecycle, PortInUseGivesClearStatus) {
  HttpServer first({.port = 0});
  ASSERT_TRUE(first.Start().ok());
  HttpServer second({.port = first.port()});
  Status st = second.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("in use"), std::string::npos) << st.ToString();
  second.Stop();  // harmless after a failed Start
}

TEST(HttpServerLifecycle, UnresolvableHostGivesInvalidArgument) {
  HttpServer server({.host = "no-such-host.invalid", .port = 0});
  Status st = server.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("no-such-host.invalid"), std::string::npos) << st.ToString();
}

TEST(HttpServerLifecycle, SecondStartIsRefused) {
  HttpServer server({.port = 0});
  ASSERT_TRUE(server.Start().ok());
  EXPECT_FALSE(server.Start().ok());
}

TEST(HttpRequestTest, HeaderLookupIgnoresCase) {
  HttpRequest req;
  req.headers = {{"content-type", "a"}, {"x-two", "1"}, {"x-two", "2"}};
  ASSERT_NE(req.Header("Content-Type"), nullptr);
  EXPECT_EQ(*req.Header("Content-Type"), "a");
  EXPECT_EQ(*req.Header("X-TWO"), "1");
  EXPECT_EQ(req.Header("missing"), nullptr);
}

}  // namespace
}  // namespace logcap
