// HttpClient against a real in-process HTTP server (server/http_server.h): each test scripts the
// server's answers.
#include "sinks/common/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "server/http_server.h"

namespace logcap {
namespace {

using Script = std::function<HttpResponse(const HttpRequest&)>;

// An HTTP server on an ephemeral port whose POST /logs answers with the script, and which keeps
// the last request it saw.
class ScriptedServer {
 public:
  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options);
    server_->Route("POST", "/logs", [this](const HttpRequest& request) {
      std::lock_guard lock(mu_);
      ++requests_;
      last_ = request;
      return script_(request);
    });
    Status s = server_->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/logs"; }
  HttpServer& server() { return *server_; }
  int requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  HttpRequest last() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  std::mutex mu_;
  Script script_;
  int requests_ = 0;
  HttpRequest last_;
  std::unique_ptr<HttpServer> server_;
};

std::unique_ptr<HttpClient> MakeClient(HttpClientOptions options = {}) {
  std::unique_ptr<HttpClient> client;
  Status s = HttpClient::Create(std::move(options), &client);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return client;
}

// Sends one request and returns its answer.
HttpAnswer PostOne(HttpClient& client, const HttpRequestSpec& spec) {
  const HttpRequestSpec* specs[1] = {&spec};
  HttpAnswer answers[1];
  client.PerformAll(specs, answers);
  return answers[0];
}

std::string HeaderOr(const HttpRequest& r, std::string_view name, std::string fallback = "<none>") {
  const std::string* v = r.Header(name);
  return v != nullptr ? *v : fallback;
}

TEST(HttpClient, AnswersComeBackInRequestOrderWithMoreRequestsThanSlots) {
  ScriptedServer server([](const HttpRequest& r) { return HttpResponse::Text(200, "echo:" + r.body); });
  HttpClientOptions options;
  options.max_in_flight = 3;
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);

  constexpr size_t kN = 20;
  std::vector<std::string> bodies(kN);
  std::vector<HttpRequestSpec> specs(kN);
  std::vector<const HttpRequestSpec*> ptrs;
  for (size_t i = 0; i < kN; ++i) {
    bodies[i] = "request-" + std::to_string(i);
    specs[i].url = server.url();
    specs[i].body = bodies[i];
    ptrs.push_back(&specs[i]);
  }
  std::vector<HttpAnswer> answers(kN);
  client->PerformAll(ptrs, answers);
  for (size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(answers[i].status, 200) << i << " " << answers[i].error;
    EXPECT_EQ(answers[i].body, "echo:request-" + std::to_string(i));
    EXPECT_TRUE(answers[i].error.empty());
  }
  EXPECT_EQ(server.requests(), static_cast<int>(kN));
  // At most max_in_flight connections, kept alive for the rest.
  EXPECT_LE(server.server().Stats().connections_accepted, 3u);
  EXPECT_EQ(client->Stats().requests, kN);
  EXPECT_LE(client->Stats().connections_opened, 3u);
}

TEST(HttpClient, ConnectionsAreKeptAliveAcrossCalls) {
  ScriptedServer server([](const HttpRequest&) { return HttpResponse::Text(204, ""); });
  auto client = MakeClient();
  HttpRequestSpec spec{server.url(), "x", {}};
  HttpAnswer first = PostOne(*client, spec);
  EXPECT_TRUE(first.new_connection);
  for (int i = 0; i < 50; ++i) {
    HttpAnswer a = PostOne(*client, spec);
    ASSERT_EQ(a.status, 204) << a.error;
    EXPECT_FALSE(a.new_connection);
  }
  EXPECT_EQ(server.server().Stats().connections_accepted, 1u);
  EXPECT_EQ(server.server().Stats().requests, 51u);
  EXPECT_EQ(client->Stats().connections_opened, 1u);
}

TEST(HttpClient, DefaultAndPerRequestHeadersArriveAndNoExpectIsSent) {
  ScriptedServer server([](const HttpRequest&) { return HttpResponse::Text(200, "ok"); });
  HttpClientOptions options;
  options.headers = {{"Content-Type", "application/x-ndjson"}, {"X-Empty", ""}, {"X-Team", "core"}};
  auto client = MakeClient(options);
  HttpRequestSpec spec{server.url(), std::string_view(), {{"X-Tenant", "t1"}}};
  const std::string big(2 << 20, 'b');  // large enough for curl to want "Expect: 100-continue"
  spec.body = big;
  HttpAnswer a = PostOne(*client, spec);
  ASSERT_EQ(a.status, 200) << a.error;
  HttpRequest seen = server.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.body.size(), big.size());
  EXPECT_EQ(HeaderOr(seen, "content-type"), "application/x-ndjson");
  EXPECT_EQ(HeaderOr(seen, "x-empty"), "");
  EXPECT_EQ(HeaderOr(seen, "x-team"), "core");
  EXPECT_EQ(HeaderOr(seen, "x-tenant"), "t1");
  EXPECT_EQ(HeaderOr(seen, "user-agent"), "log-capturer/" LOGCAP_VERSION);
  EXPECT_EQ(HeaderOr(seen, "expect"), "<none>");

  // The next request without headers of its own does not carry the previous one's.
  spec.headers.clear();
  spec.body = "small";
  ASSERT_EQ(PostOne(*client, spec).status, 200);
  seen = server.last();
  EXPECT_EQ(HeaderOr(seen, "x-tenant"), "<none>");
  EXPECT_EQ(HeaderOr(seen, "x-team"), "core");
  EXPECT_EQ(seen.body, "small");
}

TEST(HttpClient, EmptyBodyIsAnEmptyPost) {
  ScriptedServer server([](const HttpRequest&) { return HttpResponse::Text(200, ""); });
  auto client = MakeClient();
  HttpAnswer a = PostOne(*client, {server.url(), std::string_view(), {}});
  ASSERT_EQ(a.status, 200) << a.error;
  HttpRequest seen = server.last();
  EXPECT_EQ(seen.body, "");
  EXPECT_EQ(HeaderOr(seen, "content-length"), "0");
}

TEST(HttpClient, AnswerBodyIsCappedAndRetryAfterCaptured) {
  ScriptedServer server([](const HttpRequest&) {
    HttpResponse r = HttpResponse::Text(503, std::string(100000, 'e'));
    r.headers.emplace_back("Retry-After", "7");
    return r;
  });
  auto client = MakeClient();
  HttpRequestSpec spec{server.url(), "x", {}};
  HttpAnswer a = PostOne(*client, spec);
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.body.size(), HttpAnswer::kMaxBody);
  EXPECT_EQ(a.retry_after, "7");
  EXPECT_GT(a.elapsed, 0);
  // The unread rest of the long answer did not cost the connection.
  HttpAnswer b = PostOne(*client, spec);
  EXPECT_EQ(b.status, 503);
  EXPECT_FALSE(b.new_connection);
}

TEST(HttpClient, RedirectsAreNotFollowed) {
  ScriptedServer server([](const HttpRequest&) {
    HttpResponse r = HttpResponse::Text(301, "moved");
    r.headers.emplace_back("Location", "http://elsewhere.invalid/logs");
    return r;
  });
  auto client = MakeClient();
  HttpAnswer a = PostOne(*client, {server.url(), "x", {}});
  EXPECT_EQ(a.status, 301);
  EXPECT_EQ(a.location, "http://elsewhere.invalid/logs");
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpClient, ConnectionRefusedIsATransportError) {
  std::string url;
  {
    ScriptedServer server([](const HttpRequest&) { return HttpResponse::Text(200, ""); });
    url = server.url();
  }  // stopped: nothing listens on that port any more
  auto client = MakeClient();
  HttpAnswer a = PostOne(*client, {url, "x", {}});
  EXPECT_EQ(a.status, 0);
  EXPECT_FALSE(a.timed_out);
  EXPECT_FALSE(a.error.empty());
  EXPECT_EQ(client->Stats().transport_errors, 1u);
}

TEST(HttpClient, SlowServerTimesOut) {
  ScriptedServer server([](const HttpRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    return HttpResponse::Text(200, "late");
  });
  HttpClientOptions options;
  options.timeout = 200 * kNanosPerMilli;
  auto client = MakeClient(options);
  const auto start = std::chrono::steady_clock::now();
  HttpAnswer a = PostOne(*client, {server.url(), "x", {}});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(a.status, 0);
  EXPECT_TRUE(a.timed_out) << a.error;
  EXPECT_LT(took, std::chrono::milliseconds(700));
  EXPECT_EQ(client->Stats().timeouts, 1u);
}

TEST(HttpClient, HttpsToAPlainServerIsATransportErrorNotACrash) {
  ScriptedServer server([](const HttpRequest&) { return HttpResponse::Text(200, ""); });
  HttpClientOptions options;
  options.tls.insecure_skip_verify = true;
  options.timeout = 2 * kNanosPerSecond;
  auto client = MakeClient(options);
  std::string url = server.url();
  url.replace(0, 4, "https");
  HttpAnswer a = PostOne(*client, {url, "x", {}});
  EXPECT_EQ(a.status, 0);
  EXPECT_FALSE(a.error.empty());
}

TEST(HttpClient, OtherSchemesAreRefusedPerRequest) {
  auto client = MakeClient();
  HttpAnswer a = PostOne(*client, {"file:///etc/passwd", "x", {}});
  EXPECT_EQ(a.status, 0);
  EXPECT_FALSE(a.error.empty());
  EXPECT_TRUE(a.body.empty());
}

TEST(HttpClient, CreateRejectsBadHeadersAndUnreadableTlsFiles) {
  std::unique_ptr<HttpClient> client;
  HttpClientOptions injected;
  injected.headers = {{"X-A", "v\r\nX-Injected: 1"}};
  EXPECT_EQ(HttpClient::Create(injected, &client).code(), Status::Code::kInvalidArgument);
  HttpClientOptions bad_name;
  bad_name.headers = {{"Bad Name", "v"}};
  EXPECT_EQ(HttpClient::Create(bad_name, &client).code(), Status::Code::kInvalidArgument);
  HttpClientOptions missing_ca;
  missing_ca.tls.ca_file = "/nonexistent/ca.pem";
  Status s = HttpClient::Create(missing_ca, &client);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("/nonexistent/ca.pem"), std::string::npos) << s.message();
  EXPECT_EQ(client, nullptr);
}

TEST(HttpUrl, ValidatesSchemeAndHost) {
  EXPECT_TRUE(ValidateHttpUrl("http://localhost:8080/logs").ok());
  EXPECT_TRUE(ValidateHttpUrl("https://logs.example.com/v1/ingest?x=1").ok());
  EXPECT_TRUE(ValidateHttpUrl("HTTP://[::1]:9/x").ok());
  EXPECT_TRUE(ValidateHttpUrl("http://user:pw@host/x").ok());
  for (const char* bad : {"", "localhost:8080/logs", "ftp://host/x", "file:///etc/passwd", "http://", "http:///x",
                          "http://host/a b", "http://host/\r\nX: y", "://host"}) {
    Status s = ValidateHttpUrl(bad);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << '"' << bad << '"';
  }
  EXPECT_NE(ValidateHttpUrl("ftp://host/x").message().find("ftp"), std::string::npos);
}

TEST(HttpUrl, RedactsCredentials) {
  EXPECT_EQ(RedactUrl("https://user:secret@host:1/x?q=1"), "https://host:1/x?q=1");
  EXPECT_EQ(RedactUrl("http://host/x@y"), "http://host/x@y");
  EXPECT_EQ(RedactUrl("http://host"), "http://host");
  EXPECT_EQ(RedactUrl("not a url"), "not a url");
}

TEST(HttpAuth, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(HttpAuth, AuthorizationHeaderForEachType) {
  std::string value, field;
  HttpAuthConfig auth;
  EXPECT_TRUE(AuthorizationHeader(auth, &value).ok());
  EXPECT_EQ(value, "");
  auth.type = "basic";
  auth.username = "Aladdin";
  auth.password = "open sesame";
  EXPECT_TRUE(AuthorizationHeader(auth, &value).ok());
  EXPECT_EQ(value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617's example
  auth = {};
  auth.type = "bearer";
  auth.token = "abc.def";
  EXPECT_TRUE(AuthorizationHeader(auth, &value).ok());
  EXPECT_EQ(value, "Bearer abc.def");

  auth.token.clear();
  EXPECT_FALSE(AuthorizationHeader(auth, &value, &field).ok());
  EXPECT_EQ(field, "token");
  auth = {};
  auth.type = "basic";
  EXPECT_FALSE(AuthorizationHeader(auth, &value, &field).ok());
  EXPECT_EQ(field, "username");
  auth.type = "digest";
  EXPECT_FALSE(AuthorizationHeader(auth, &value, &field).ok());
  EXPECT_EQ(field, "type");
}

}  // namespace
}  // namespace logcap
