// HttpSink against a real in-process HTTP server (server/http_server.h). Each test scripts the
// server's answer from the NDJSON lines a request carried (gunzipped when it was compressed).
#include "sinks/http/http_sink.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "codec/event_encoder.h"
#include "config/loader.h"
#include "server/http_server.h"
#include "sink_test_util.h"
#include "sinks/sink_registry.h"

namespace logcap {
namespace {

using sinks_test::BatchBuilder;
using sinks_test::MakeSource;
using sinks_test::SplitLines;
using sinks_test::Gunzip;

// The "message" of one NDJSON line (test messages contain no quotes or escapes).
std::string MessageOf(const std::string& line) {
  const std::string key = "\"message\":\"";
  const size_t at = line.find(key);
  if (at == std::string::npos) return "<no message>";
  const size_t from = at + key.size();
  return line.substr(from, line.find('"', from) - from);
}

// One request as the server saw it.
struct Seen {
  HttpRequest request;
  std::vector<std::string> lines;  // NDJSON lines, decoded
  int status = 0;                  // what the script answered
};

// Answers POST /logs with script(request, decoded lines); records every request and the lines of
// every 2xx one.
using Script = std::function<HttpResponse(const HttpRequest&, const std::vector<std::string>&)>;

class LogServer {
 public:
  explicit LogServer(Script script) : script_(std::move(script)) {
    HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options);
    server_->Route("POST", "/logs", [this](const HttpRequest& r) {
      const std::string* encoding = r.Header("content-encoding");
      const bool gzip = encoding != nullptr && *encoding == "gzip";
      Seen seen{r, SplitLines(gzip ? Gunzip(r.body) : r.body), 0};
      std::lock_guard lock(mu_);
      HttpResponse response = script_(r, seen.lines);
      seen.status = response.status;
      if (response.status / 100 == 2) delivered_.insert(delivered_.end(), seen.lines.begin(), seen.lines.end());
      seen_.push_back(std::move(seen));
      return response;
    });
    Status s = server_->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/logs"; }
  HttpServer& server() { return *server_; }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  // Messages of the lines in every request answered 2xx, in arrival order.
  std::vector<std::string> delivered_messages() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const std::string& line : delivered_) out.push_back(MessageOf(line));
    return out;
  }
  size_t requests() {
    std::lock_guard lock(mu_);
    return seen_.size();
  }

 private:
  std::mutex mu_;
  Script script_;
  std::vector<Seen> seen_;
  std::vector<std::string> delivered_;
  std::unique_ptr<HttpServer> server_;
};

HttpResponse Accept(const HttpRequest&, const std::vector<std::string>&) { return HttpResponse::Text(200, ""); }

// 400 for any request carrying a line whose message is in `bad`, with text naming the first.
Script RefuseMessages(std::set<std::string> bad) {
  return [bad](const HttpRequest&, const std::vector<std::string>& lines) {
    for (const std::string& line : lines) {
      if (bad.count(MessageOf(line)) != 0) return HttpResponse::Text(400, "refused " + MessageOf(line));
    }
    return HttpResponse::Text(200, "");
  };
}

Script RefuseOver(size_t max_bytes) {
  return [max_bytes](const HttpRequest&, const std::vector<std::string>& lines) {
    size_t bytes = 0;
    for (const std::string& l : lines) bytes += l.size() + 1;
    return bytes > max_bytes ? HttpResponse::Text(413, "body too large") : HttpResponse::Text(200, "");
  };
}

HttpSinkConfig ConfigFor(const std::string& url) {
  HttpSinkConfig c;
  c.enabled = true;
  c.url = url;
  c.compression = "gzip";  // the tests exercise the compressed path unless they say otherwise
  c.timeout = std::chrono::seconds(10);
  return c;
}

std::unique_ptr<HttpSink> Started(const HttpSinkConfig& config) {
  auto sink = std::make_unique<HttpSink>(config);
  Status s = sink->Start();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink;
}

std::string Msg(int batch, int line) { return "b" + std::to_string(batch) + "-line-" + std::to_string(line); }

EventBatch MakeBatch(int batch, int lines, size_t pad = 0) {
  static const auto source = MakeSource("file", "/var/log/app.log", "app.log", Labels{{"job", "varlogs"}});
  BatchBuilder b;
  for (int i = 0; i < lines; ++i) b.Add(source, Msg(batch, i) + std::string(pad, 'x'));
  return b.Take();
}

std::vector<std::string> Messages(int batch, int lines) {
  std::vector<std::string> out;
  for (int i = 0; i < lines; ++i) out.push_back(Msg(batch, i));
  return out;
}

// The lines AppendEventJson makes for batch: what the server must receive.
std::vector<std::string> ExpectedLines(const EventBatch& batch) {
  TimestampFormatter ts;
  std::string out;
  for (const Event& e : batch.events()) AppendEventJson(batch, e, ts, out);
  return SplitLines(out);
}

std::string HeaderOr(const HttpRequest& r, std::string_view name) {
  const std::string* v = r.Header(name);
  return v != nullptr ? *v : "<none>";
}

void SendGroup(HttpSink& sink, const std::vector<EventBatch>& batches, std::vector<SinkResult>& results) {
  std::vector<const EventBatch*> group;
  for (const EventBatch& b : batches) group.push_back(&b);
  results.assign(batches.size(), SinkResult::Retry(Status::Aborted("unset")));
  sink.WriteGroup(group, results);
}

TEST(HttpSink, DeliversAGroupConcurrentlyKeepingEachBatchInOrder) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return HttpResponse::Text(200, "");
  });
  HttpSinkConfig config = ConfigFor(server.url());
  config.max_in_flight = 4;
  auto sink = Started(config);
  std::vector<EventBatch> batches;
  for (int b = 0; b < 8; ++b) batches.push_back(MakeBatch(b, 100));
  std::vector<SinkResult> results;
  SendGroup(*sink, batches, results);
  for (const SinkResult& r : results) {
    EXPECT_TRUE(r.ok()) << r.status.ToString();
    EXPECT_TRUE(r.rejected.empty());
  }
  // One request per batch, each carrying exactly that batch's lines in order.
  std::vector<Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 8u);
  std::set<int> batches_seen;
  for (const Seen& s : seen) {
    ASSERT_FALSE(s.lines.empty());
    const std::string first = MessageOf(s.lines[0]);
    const int b = std::stoi(first.substr(1, first.find('-') - 1));
    batches_seen.insert(b);
    std::vector<std::string> messages;
    for (const std::string& line : s.lines) messages.push_back(MessageOf(line));
    EXPECT_EQ(messages, Messages(b, 100));
  }
  EXPECT_EQ(batches_seen.size(), 8u);
  // Several requests were on the wire at once (each on its own connection), never more than 4.
  const uint64_t connections = server.server().Stats().connections_accepted;
  EXPECT_GE(connections, 2u);
  EXPECT_LE(connections, 4u);
}

TEST(HttpSink, GzipBodyIsExactlyTheNdjsonLines) {
  LogServer server(Accept);
  auto sink = Started(ConfigFor(server.url()));  // gzip
  static const auto other = MakeSource("docker", "abc123", "web", Labels{{"team", "a\"b"}});
  BatchBuilder builder;
  builder.Add(other, "with \"quotes\" and \\ and \xff invalid utf-8");
  builder.AddWithAttributes(other, "with fields", Labels{{"level", "x"}}, R"({"k":1})");
  builder.Add(other, "");
  EventBatch batch = builder.Take();
  SinkResult r = sink->Write(batch);
  ASSERT_TRUE(r.ok()) << r.status.ToString();
  std::vector<Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(HeaderOr(seen[0].request, "content-encoding"), "gzip");
  EXPECT_EQ(HeaderOr(seen[0].request, "content-type"), "application/x-ndjson");
  EXPECT_EQ(HeaderOr(seen[0].request, "user-agent"), "log-capturer/" LOGCAP_VERSION);
  EXPECT_NE(seen[0].request.body.substr(0, 2), "{\"");  // really compressed
  EXPECT_EQ(seen[0].lines, ExpectedLines(batch));
  EXPECT_EQ(Gunzip(seen[0].request.body).back(), '\n');
}

TEST(HttpSink, WithoutCompressionTheBodyIsPlainNdjson) {
  LogServer server(Accept);
  HttpSinkConfig config = ConfigFor(server.url());
  config.compression = "none";
  auto sink = Started(config);
  EventBatch batch = MakeBatch(1, 5);
  ASSERT_TRUE(sink->Write(batch).ok());
  std::vector<Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(HeaderOr(seen[0].request, "content-encoding"), "<none>");
  std::string expected;
  for (const std::string& line : ExpectedLines(batch)) expected += line + "\n";
  EXPECT_EQ(seen[0].request.body, expected);
}

TEST(HttpSink, ConfiguredHeadersAndBasicAuthArrive) {
  LogServer server(Accept);
  HttpSinkConfig config = ConfigFor(server.url());
  config.headers = {{"X-Tenant", "team-a"}, {"Content-Type", "application/json"}};
  config.auth.type = "basic";
  config.auth.username = "Aladdin";
  config.auth.password = "open sesame";
  auto sink = Started(config);
  EventBatch batch = MakeBatch(0, 2);
  ASSERT_TRUE(sink->Write(batch).ok());
  std::vector<Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  const HttpRequest& r = seen[0].request;
  EXPECT_EQ(HeaderOr(r, "x-tenant"), "team-a");
  EXPECT_EQ(HeaderOr(r, "authorization"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  // A configured Content-Type replaces ours rather than being sent twice.
  EXPECT_EQ(HeaderOr(r, "content-type"), "application/json");
  EXPECT_EQ(std::count_if(r.headers.begin(), r.headers.end(), [](const auto& h) { return h.first == "content-type"; }),
            1);
}

TEST(HttpSink, BearerAuthArrives) {
  LogServer server(Accept);
  HttpSinkConfig config = ConfigFor(server.url());
  config.auth.type = "bearer";
  config.auth.token = "s3cr3t-token";
  auto sink = Started(config);
  EventBatch batch = MakeBatch(0, 1);
  ASSERT_TRUE(sink->Write(batch).ok());
  EXPECT_EQ(HeaderOr(server.seen().at(0).request, "authorization"), "Bearer s3cr3t-token");
}

TEST(HttpSink, ServerErrorIsRetryWithTheServerText) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>&) {
    return HttpResponse::Text(500, "database is down");
  });
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 10);
  SinkResult r = sink->Write(batch);
  EXPECT_EQ(r.verdict, SinkVerdict::kRetry);
  EXPECT_FALSE(r.misconfigured);
  EXPECT_EQ(r.retry_after, 0);
  EXPECT_NE(r.status.message().find("HTTP 500 from " + server.url() + ": database is down"), std::string::npos)
      << r.status.message();
  EXPECT_EQ(server.requests(), 1u);  // 5xx is never split
}

TEST(HttpSink, TooManyRequestsHonoursRetryAfterSeconds) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>&) {
    HttpResponse r = HttpResponse::Text(429, "slow down");
    r.headers.emplace_back("Retry-After", "3");
    return r;
  });
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 10);
  SinkResult r = sink->Write(batch);
  EXPECT_EQ(r.verdict, SinkVerdict::kRetry);
  EXPECT_EQ(r.retry_after, 3 * kNanosPerSecond);
  EXPECT_NE(r.status.message().find("HTTP 429"), std::string::npos);
}

TEST(HttpSink, RetryAfterAsAnHttpDate) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>&) {
    const std::time_t at = std::time(nullptr) + 120;
    std::tm tm{};
    gmtime_r(&at, &tm);
    char date[64];
    std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    HttpResponse r = HttpResponse::Text(503, "maintenance");
    r.headers.emplace_back("Retry-After", date);
    return r;
  });
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 1);
  SinkResult r = sink->Write(batch);
  EXPECT_EQ(r.verdict, SinkVerdict::kRetry);
  EXPECT_GT(r.retry_after, 110 * kNanosPerSecond);
  EXPECT_LE(r.retry_after, 121 * kNanosPerSecond);
}

TEST(HttpSink, NonsenseRetryAfterIsIgnored) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>&) {
    HttpResponse r = HttpResponse::Text(503, "");
    r.headers.emplace_back("Retry-After", "soon");
    return r;
  });
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 1);
  SinkResult r = sink->Write(batch);
  EXPECT_EQ(r.verdict, SinkVerdict::kRetry);
  EXPECT_EQ(r.retry_after, 0);
}

TEST(HttpSink, ConnectionRefusedIsRetryWithAClearMessage) {
  std::string url;
  {
    LogServer server(Accept);
    url = server.url();
  }  // stopped
  auto sink = Started(ConfigFor(url));
  EventBatch batch = MakeBatch(0, 10);
  SinkResult r = sink->Write(batch);
  EXPECT_EQ(r.verdict, SinkVerdict::kRetry);
  EXPECT_FALSE(r.misconfigured);
  EXPECT_NE(r.status.message().find("POST " + url + " failed: "), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find("onnect"), std::string::npos) << r.status.message();
  EXPECT_NE(sink->StatsJson().find("\"transport_errors\":1"), std::string::npos) << sink->StatsJson();
}

TEST(HttpSink, SlowServerTimesOutAsRetry) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    return HttpResponse::Text(200, "");
  });
  HttpSinkConfig config = ConfigFor(server.url());
  config.timeout = std::chrono::milliseconds(300);
  auto sink = Started(config);
  EventBatch batch = MakeBatch(0, 10);
  const auto start = std::chrono::steady_clock::now();
  SinkResult r = sink->Write(batch);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(r.verdict, SinkVerdict::kRetry);
  EXPECT_NE(r.status.message().find("timed out after 300 ms"), std::string::npos) << r.status.message();
  EXPECT_NE(sink->StatsJson().find("\"timeouts\":1"), std::string::npos) << sink->StatsJson();
}

TEST(HttpSink, UnauthorizedIsMisconfiguredAndKeepsTheData) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>&) {
    return HttpResponse::Text(401, "invalid api key");
  });
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 10);
  SinkResult r = sink->Write(batch);
  EXPECT_EQ(r.verdict, SinkVerdict::kRetry);
  EXPECT_TRUE(r.misconfigured);
  EXPECT_TRUE(r.rejected.empty());
  const std::string& m = r.status.message();
  EXPECT_NE(m.find("HTTP 401 from " + server.url()), std::string::npos) << m;
  EXPECT_NE(m.find("invalid api key"), std::string::npos) << m;
  EXPECT_EQ(server.requests(), 1u);
}

TEST(HttpSink, RedirectIsMisconfiguredAndNotFollowed) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>&) {
    HttpResponse r = HttpResponse::Text(308, "");
    r.headers.emplace_back("Location", "https://new.example.com/logs");
    return r;
  });
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 3);
  SinkResult r = sink->Write(batch);
  EXPECT_EQ(r.verdict, SinkVerdict::kRetry);
  EXPECT_TRUE(r.misconfigured);
  EXPECT_NE(r.status.message().find("redirects are not followed; fix the url"), std::string::npos);
  EXPECT_NE(r.status.message().find("https://new.example.com/logs"), std::string::npos) << r.status.message();
  EXPECT_EQ(server.requests(), 1u);
}

TEST(HttpSink, OneBadLineAmongAThousandIsTheOnlyRejection) {
  const std::string bad = Msg(0, 417);
  LogServer server(RefuseMessages({bad}));
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 1000);
  SinkResult r = sink->Write(batch);
  ASSERT_EQ(r.verdict, SinkVerdict::kOk) << r.status.ToString();
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 417u);
  EXPECT_EQ(r.rejected[0].reason, "bad_request");
  EXPECT_EQ(r.rejected[0].error, "refused " + bad);

  std::vector<std::string> delivered = server.delivered_messages();
  std::vector<std::string> expected = Messages(0, 1000);
  expected.erase(expected.begin() + 417);
  std::sort(delivered.begin(), delivered.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(delivered, expected);  // the other 999, each exactly once
  // log2(1000) rounds of two requests, plus the first.
  EXPECT_LE(server.requests(), 1u + 2 * 10);
  EXPECT_NE(sink->StatsJson().find("\"rejected_events\":1,"), std::string::npos) << sink->StatsJson();
  EXPECT_NE(sink->StatsJson().find("\"delivered_events\":999,"), std::string::npos) << sink->StatsJson();
}

TEST(HttpSink, ThreeBadLinesAreRejectedAndTheRestDelivered) {
  LogServer server(RefuseMessages({Msg(0, 0), Msg(0, 500), Msg(0, 999)}));
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 1000);
  SinkResult r = sink->Write(batch);
  ASSERT_EQ(r.verdict, SinkVerdict::kOk) << r.status.ToString();
  ASSERT_EQ(r.rejected.size(), 3u);
  EXPECT_EQ(r.rejected[0].index, 0u);
  EXPECT_EQ(r.rejected[1].index, 500u);
  EXPECT_EQ(r.rejected[2].index, 999u);
  EXPECT_EQ(r.rejected[1].error, "refused " + Msg(0, 500));
  EXPECT_EQ(server.delivered_messages().size(), 997u);
}

TEST(HttpSink, BadLinesInSeveralBatchesOfAGroup) {
  LogServer server(RefuseMessages({Msg(1, 3), Msg(2, 0)}));
  auto sink = Started(ConfigFor(server.url()));
  std::vector<EventBatch> batches;
  for (int b = 0; b < 3; ++b) batches.push_back(MakeBatch(b, 50));
  std::vector<SinkResult> results;
  SendGroup(*sink, batches, results);
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[0].rejected.empty());
  ASSERT_TRUE(results[1].ok());
  ASSERT_EQ(results[1].rejected.size(), 1u);
  EXPECT_EQ(results[1].rejected[0].index, 3u);
  ASSERT_TRUE(results[2].ok());
  ASSERT_EQ(results[2].rejected.size(), 1u);
  EXPECT_EQ(results[2].rejected[0].index, 0u);
  EXPECT_EQ(server.delivered_messages().size(), 148u);
}

TEST(HttpSink, TooLargeRequestsAreSplitUntilAccepted) {
  LogServer server(RefuseOver(20000));
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 400, 100);  // about 90 KB of NDJSON
  SinkResult r = sink->Write(batch);
  ASSERT_EQ(r.verdict, SinkVerdict::kOk) << r.status.ToString();
  EXPECT_TRUE(r.rejected.empty());
  std::vector<std::string> delivered = server.delivered_messages();
  ASSERT_EQ(delivered.size(), 400u);
  std::set<std::string> unique(delivered.begin(), delivered.end());
  EXPECT_EQ(unique.size(), 400u);
  EXPECT_NE(sink->StatsJson().find("\"bisections\":"), std::string::npos);
  EXPECT_EQ(sink->StatsJson().find("\"bisections\":0,"), std::string::npos) << sink->StatsJson();
}

TEST(HttpSink, ASingleEventStillTooLargeIsRejectedAsTooLarge) {
  LogServer server(RefuseOver(20000));
  auto sink = Started(ConfigFor(server.url()));
  static const auto source = MakeSource("file", "/x.log");
  BatchBuilder b;
  for (int i = 0; i < 10; ++i) b.Add(source, i == 4 ? std::string(30000, 'h') : Msg(0, i));
  EventBatch batch = b.Take();
  SinkResult r = sink->Write(batch);
  ASSERT_EQ(r.verdict, SinkVerdict::kOk) << r.status.ToString();
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].index, 4u);
  EXPECT_EQ(r.rejected[0].reason, "too_large");
  EXPECT_EQ(r.rejected[0].error, "body too large");
  EXPECT_EQ(server.delivered_messages().size(), 9u);
}

TEST(HttpSink, EveryEventRefusedRejectsTheBatch) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>&) {
    return HttpResponse::Text(400, "unknown format");
  });
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 4);
  SinkResult r = sink->Write(batch);
  EXPECT_EQ(r.verdict, SinkVerdict::kReject);
  EXPECT_EQ(r.reason, "bad_request");
  EXPECT_NE(r.status.message().find("unknown format"), std::string::npos) << r.status.message();
  EXPECT_EQ(server.requests(), 7u);  // 2N-1: the whole tree
  EXPECT_TRUE(server.delivered_messages().empty());

  EventBatch single = MakeBatch(1, 1);
  r = sink->Write(single);
  EXPECT_EQ(r.verdict, SinkVerdict::kReject);
  EXPECT_EQ(server.requests(), 8u);
}

TEST(HttpSink, ARetryableAnswerDuringASplitRetriesTheWholeBatch) {
  LogServer server([](const HttpRequest&, const std::vector<std::string>& lines) {
    for (const std::string& l : lines) {
      if (MessageOf(l) == Msg(0, 10)) return HttpResponse::Text(400, "bad line");
    }
    return HttpResponse::Text(503, "overloaded");
  });
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 100);
  SinkResult r = sink->Write(batch);
  EXPECT_EQ(r.verdict, SinkVerdict::kRetry);
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_NE(r.status.message().find("HTTP 503"), std::string::npos) << r.status.message();
  // The first split's halves were the last requests: one 400, one 503.
  EXPECT_EQ(server.requests(), 3u);
}

TEST(HttpSink, ManyRequestsReuseFewConnections) {
  LogServer server(Accept);
  HttpSinkConfig config = ConfigFor(server.url());
  config.max_in_flight = 4;
  auto sink = Started(config);
  for (int i = 0; i < 100; ++i) {
    EventBatch batch = MakeBatch(i, 10);
    ASSERT_TRUE(sink->Write(batch).ok());
  }
  for (int g = 0; g < 20; ++g) {
    std::vector<EventBatch> batches;
    for (int b = 0; b < 4; ++b) batches.push_back(MakeBatch(b, 10));
    std::vector<SinkResult> results;
    SendGroup(*sink, batches, results);
    for (const SinkResult& r : results) ASSERT_TRUE(r.ok());
  }
  const HttpServerStats stats = server.server().Stats();
  EXPECT_EQ(stats.requests, 180u);
  EXPECT_LE(stats.connections_accepted, 4u);
  EXPECT_NE(sink->StatsJson().find("\"requests\":180,"), std::string::npos) << sink->StatsJson();
}

TEST(HttpSink, EmptyBatchSendsNothingAndFlushIsOk) {
  LogServer server(Accept);
  auto sink = Started(ConfigFor(server.url()));
  EventBatch empty;
  EXPECT_TRUE(sink->Write(empty).ok());
  EXPECT_TRUE(sink->Flush().ok());
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_EQ(sink->name(), "http");
}

TEST(HttpSink, NotStartedOrStoppedIsRetryNotACrash) {
  HttpSink sink(ConfigFor("http://127.0.0.1:9/logs"));
  EventBatch batch = MakeBatch(0, 1);
  EXPECT_EQ(sink.Write(batch).verdict, SinkVerdict::kRetry);
  ASSERT_TRUE(sink.Start().ok());
  sink.Stop();
  sink.Stop();
  EXPECT_EQ(sink.Write(batch).verdict, SinkVerdict::kRetry);
}

TEST(HttpSink, StatsCountRequestsBytesAndClasses) {
  LogServer server(Accept);
  auto sink = Started(ConfigFor(server.url()));
  EventBatch batch = MakeBatch(0, 1000);
  ASSERT_TRUE(sink->Write(batch).ok());
  const std::string stats = sink->StatsJson();
  size_t raw = 0;
  for (const std::string& line : ExpectedLines(batch)) raw += line.size() + 1;
  const size_t wire = server.seen().at(0).request.body.size();
  EXPECT_NE(stats.find("\"requests\":1,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"responses_2xx\":1,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"bytes_raw\":" + std::to_string(raw) + ","), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"bytes_sent\":" + std::to_string(wire) + ","), std::string::npos) << stats;
  EXPECT_LT(wire, raw / 3);  // repetitive log lines compress well
  EXPECT_NE(stats.find("\"connections_opened\":1"), std::string::npos) << stats;
}

TEST(HttpSink, InvalidSettingsFailStart) {
  struct Case {
    std::string url;
    std::string key;
  };
  for (const Case& c : std::vector<Case>{{"ftp://host/logs", "sinks.http.url"},
                                         {"localhost:8080/logs", "sinks.http.url"},
                                         {"http://", "sinks.http.url"},
                                         {"", "sinks.http.url"}}) {
    HttpSink sink(ConfigFor(c.url));
    Status s = sink.Start();
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.url;
    EXPECT_EQ(s.message().rfind(c.key + ":", 0), 0u) << s.message();
  }
  HttpSinkConfig bearer = ConfigFor("http://localhost/logs");
  bearer.auth.type = "bearer";
  Status s = HttpSink(bearer).Start();
  EXPECT_EQ(s.message().rfind("sinks.http.auth.token:", 0), 0u) << s.message();

  HttpSinkConfig reserved = ConfigFor("http://localhost/logs");
  reserved.headers = {{"content-encoding", "br"}};
  s = HttpSink(reserved).Start();
  EXPECT_EQ(s.message().rfind("sinks.http.headers.content-encoding:", 0), 0u) << s.message();

  HttpSinkConfig ca = ConfigFor("https://localhost/logs");
  ca.tls.ca_file = "/nonexistent/ca.pem";
  s = HttpSink(ca).Start();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("/nonexistent/ca.pem"), std::string::npos) << s.message();
}

TEST(HttpSink, RegistryCheckReportsAnInvalidUrlAtItsKey) {
  ConfigLoadResult result;
  result.file = "agent.yaml";
  result.key_locations["sinks.http.url"] = {12, 8};
  Config config;
  config.sinks.http.enabled = true;
  config.sinks.http.url = "ftp://logs.example.com/in";
  CheckEnabledSinks(config, result);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 12);
  EXPECT_EQ(result.errors[0].column, 8);
  EXPECT_NE(result.errors[0].message.find("sinks.http.url"), std::string::npos) << result.errors[0].message;
  EXPECT_NE(result.errors[0].message.find("ftp"), std::string::npos) << result.errors[0].message;

  // A valid sink, or a disabled one, has nothing to report.
  ConfigLoadResult fine;
  config.sinks.http.url = "https://logs.example.com/in";
  CheckEnabledSinks(config, fine);
  EXPECT_TRUE(fine.errors.empty());
  config.sinks.http.enabled = false;
  config.sinks.http.url = "nonsense";
  CheckEnabledSinks(config, fine);
  EXPECT_TRUE(fine.errors.empty());
}

TEST(HttpSink, RegistryBuildsTheHttpSink) {
  Config config;
  config.sinks.http.enabled = true;
  Status error;
  auto sinks = BuildEnabledSinks(config, nullptr, &error);
  ASSERT_TRUE(error.ok()) << error.ToString();
  ASSERT_EQ(sinks.size(), 1u);
  EXPECT_EQ(sinks[0]->name(), "http");
}

}  // namespace
}  // namespace logcap
