// LokiSink against a real in-process HTTP server that decodes what it receives with the code
// protoc generates from Loki's push format (proto/loki_push.proto) and snappy, or RapidJSON and
// zlib for the JSON format. A small Loki model in the server (FakeLoki) keeps the newest time of
// every stream and answers as Loki does: ordered mode refuses older entries with the ingester's
// text and stores the rest of the push.
#include "sinks/loki/loki_sink.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <snappy.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "loki_push.pb.h"
#include "server/http_server.h"
#include "sink_test_util.h"
#include "sinks/loki/loki_labels.h"
#include "telemetry/metrics.h"

namespace logcap {
namespace {

using sinks_test::BatchBuilder;
using sinks_test::Gunzip;
using sinks_test::kTime;
using sinks_test::MakeSource;
using sinks_test::SendGroup;

struct Entry {
  std::string labels;
  Nanos ts = 0;
  std::string line;
  std::map<std::string, std::string> metadata;
};

struct Push {
  HttpRequest request;
  std::vector<Entry> entries;  // in push order
  std::vector<std::string> streams;
  std::string error;  // decoding problem, "" when fine
};

// Go's time.Time.String() for UTC, as Loki prints times.
std::string GoTime(Nanos ns) {
  const time_t secs = static_cast<time_t>(ns / kNanosPerSecond);
  const int64_t frac = ns % kNanosPerSecond;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09lld", static_cast<long long>(frac));
    std::string fs = f;
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  return out + " +0000 UTC";
}

Push Decode(const HttpRequest& r) {
  Push push{r, {}, {}, ""};
  const std::string* type = r.Header("content-type");
  if (type != nullptr && *type == "application/x-protobuf") {
    std::string raw;
    if (!snappy::Uncompress(r.body.data(), r.body.size(), &raw)) {
      push.error = "not snappy";
      return push;
    }
    lokipb::PushRequest req;
    if (!req.ParseFromString(raw)) {
      push.error = "not a PushRequest";
      return push;
    }
    for (const auto& s : req.streams()) {
      push.streams.push_back(s.labels());
      for (const auto& e : s.entries()) {
        Entry entry{s.labels(), e.timestamp().seconds() * kNanosPerSecond + e.timestamp().nanos(), e.line(), {}};
        for (const auto& m : e.structuredmetadata()) entry.metadata[m.name()] = m.value();
        push.entries.push_back(std::move(entry));
      }
    }
    return push;
  }
  const std::string json = Gunzip(r.body);
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("streams")) {
    push.error = "bad JSON: " + json.substr(0, 100);
    return push;
  }
  for (const auto& s : doc["streams"].GetArray()) {
    std::vector<LokiLabelPair> pairs;
    for (const auto& m : s["stream"].GetObject()) pairs.push_back({m.name.GetString(), m.value.GetString()});
    std::string labels;
    AppendLokiLabelString(pairs, labels);
    push.streams.push_back(labels);
    for (const auto& v : s["values"].GetArray()) {
      Entry entry{labels, std::stoll(v[0].GetString()), v[1].GetString(), {}};
      if (v.Size() > 2) {
        for (const auto& m : v[2].GetObject()) entry.metadata[m.name.GetString()] = m.value.GetString();
      }
      push.entries.push_back(std::move(entry));
    }
  }
  return push;
}

// A Loki model: refuses entries older than the stream's newest (ordered mode) and, with max_age,
// entries older than now - max_age; refuses lines containing `poison` (a non-timestamp 400);
// stores the rest. `script` may answer first (429, 401, 413...).
class FakeLoki {
 public:
  using Script = std::function<std::optional<HttpResponse>(const Push&)>;

  explicit FakeLoki(Script script = nullptr) : script_(std::move(script)) {
    HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options);
    server_->Route("POST", "/loki/api/v1/push", [this](const HttpRequest& r) { return Handle(r); });
    Status s = server_->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  void set_ordered(bool on) { ordered_ = on; }
  void set_poison(std::string text) { poison_ = std::move(text); }
  void set_max_age(Nanos age) { max_age_ = age; }

  std::vector<Push> pushes() {
    std::lock_guard lock(mu_);
    return pushes_;
  }
  std::vector<Entry> stored() {
    std::lock_guard lock(mu_);
    return stored_;
  }
  std::vector<std::string> stored_lines() {
    std::vector<std::string> out;
    for (const Entry& e : stored()) out.push_back(e.line);
    return out;
  }

 private:
  HttpResponse Handle(const HttpRequest& r) {
    Push push = Decode(r);
    std::lock_guard lock(mu_);
    pushes_.push_back(push);
    if (!push.error.empty()) return HttpResponse::Text(400, push.error);
    if (script_) {
      if (auto answer = script_(push)) return *answer;
    }
    std::string distributor, ingester;
    std::map<std::string, std::pair<size_t, size_t>> ignored;  // stream -> (ignored, total)
    std::map<std::string, std::string> entry_lines;
    const Nanos now = WallNowNanos();
    for (const Entry& e : push.entries) {
      if (max_age_ > 0 && e.ts < now - max_age_) {
        distributor = "entry for stream '" + e.labels + "' has timestamp too old: " + GoTime(e.ts) +
                      ", oldest acceptable timestamp is: " + GoTime(now - max_age_);
        continue;
      }
      if (!poison_.empty() && e.line.find(poison_) != std::string::npos) {
        distributor = "Max entry size '10' bytes exceeded for stream '" + e.labels + "' while adding an entry";
        continue;
      }
      auto& [count, total] = ignored[e.labels];
      ++total;
      auto last = newest_.find(e.labels);
      if (ordered_ && last != newest_.end() && e.ts < last->second) {
        ++count;
        if (count <= 10) {
          entry_lines[e.labels] += "entry with timestamp " + GoTime(e.ts) + " ignored, reason: 'entry out of order',\n";
        }
        continue;
      }
      newest_[e.labels] = std::max(last == newest_.end() ? e.ts : last->second, e.ts);
      stored_.push_back(e);
    }
    // Like Loki, only the last stream with refused entries is reported.
    for (const auto& [labels, counts] : ignored) {
      if (counts.first == 0) continue;
      ingester = entry_lines[labels] + "user 'fake', total ignored: " + std::to_string(counts.first) + " out of " +
                 std::to_string(counts.second) + " for stream: " + labels;
    }
    if (!ingester.empty()) return HttpResponse::Text(400, ingester + "\n");
    if (!distributor.empty()) return HttpResponse::Text(400, distributor + "\n");
    return HttpResponse::Text(204, "");
  }

  std::mutex mu_;
  Script script_;
  bool ordered_ = true;
  std::string poison_;
  Nanos max_age_ = 0;
  std::map<std::string, Nanos> newest_;
  std::vector<Push> pushes_;
  std::vector<Entry> stored_;
  std::unique_ptr<HttpServer> server_;
};

LokiSinkConfig ConfigFor(const std::string& url) {
  LokiSinkConfig c;
  c.enabled = true;
  c.url = url;
  c.timeout = std::chrono::seconds(10);
  return c;
}

std::unique_ptr<LokiSink> Started(const LokiSinkConfig& config, Metrics* metrics = nullptr) {
  auto sink = std::make_unique<LokiSink>(config, metrics);
  Status s = sink->Start();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink;
}

const auto kApp = MakeSource("file", "/var/log/app.log", "app.log", Labels{{"job", "app"}, {"team", "core"}});
const auto kDb = MakeSource("file", "/var/log/db.log", "db.log", Labels{{"job", "db"}});

// Events "<prefix>-<i>" at kTime + times[i] seconds from kApp.
EventBatch Batch(const std::string& prefix, const std::vector<int>& times,
                 const std::shared_ptr<const SourceInfo>& source = kApp) {
  BatchBuilder b;
  for (size_t i = 0; i < times.size(); ++i) {
    b.Add(source, prefix + "-" + std::to_string(i), kTime + times[i] * kNanosPerSecond);
  }
  return b.Take();
}

std::vector<int> Range(int from, int to) {
  std::vector<int> out;
  for (int i = from; i < to; ++i) out.push_back(i);
  return out;
}

TEST(LokiSink, ProtobufPushHasOneSortedStreamPerLabelSetWithMetadata) {
  FakeLoki loki;
  LokiSinkConfig config = ConfigFor(loki.url());
  config.tenant_id = "team-a";
  config.labels = {{"cluster", "eu1"}};
  config.auth.type = "basic";
  config.auth.username = "u";
  config.auth.password = "p";
  auto sink = Started(config);

  BatchBuilder b;
  b.Add(kApp, "late", kTime + 5 * kNanosPerSecond).level = Level::kError;
  b.Add(kApp, "early", kTime + 1 * kNanosPerSecond).level = Level::kError;
  b.Add(kDb, "db line", kTime + 2 * kNanosPerSecond);
  Event& traced = b.AddWithAttributes(kApp, "traced", Labels{{"request_id", "r-17"}}, "", kTime + 3 * kNanosPerSecond);
  traced.level = Level::kError;
  traced.trace.trace_id[15] = 0xab;
  traced.trace.span_id[7] = 0x01;
  std::vector<EventBatch> batches;
  batches.push_back(b.Take());
  auto results = SendGroup(*sink, batches);
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();

  auto pushes = loki.pushes();
  ASSERT_EQ(pushes.size(), 1u);
  const Push& push = pushes[0];
  EXPECT_EQ(*push.request.Header("content-type"), "application/x-protobuf");
  EXPECT_EQ(push.request.Header("content-encoding"), nullptr);
  EXPECT_EQ(*push.request.Header("x-scope-orgid"), "team-a");
  EXPECT_EQ(*push.request.Header("authorization"), "Basic dTpw");
  std::vector<std::string> streams = push.streams;
  std::sort(streams.begin(), streams.end());
  EXPECT_EQ(streams, (std::vector<std::string>{R"({cluster="eu1", job="app", level="error", source_type="file"})",
                                               R"({cluster="eu1", job="db", source_type="file"})"}));
  std::vector<std::string> app_lines;
  for (const Entry& e : push.entries) {
    if (e.labels.find("job=\"app\"") != std::string::npos) app_lines.push_back(e.line);
    if (e.line == "traced") {
      EXPECT_EQ(e.metadata.at("request_id"), "r-17");
      EXPECT_EQ(e.metadata.at("team"), "core");
      EXPECT_EQ(e.metadata.at("trace_id"), "000000000000000000000000000000ab");
      EXPECT_EQ(e.metadata.at("span_id"), "0000000000000001");
      EXPECT_EQ(e.metadata.count("level"), 0u) << "level is a stream label here";
    }
    if (e.line == "db line") {
      EXPECT_TRUE(e.metadata.empty());
    }
  }
  EXPECT_EQ(app_lines, (std::vector<std::string>{"early", "traced", "late"}));
}

TEST(LokiSink, JsonPushIsGzippedAndLeavesMetadataOutUnlessAsked) {
  for (const std::string mode : {"auto", "always"}) {
    FakeLoki loki;
    LokiSinkConfig config = ConfigFor(loki.url());
    config.format = "json";
    config.structured_metadata = mode;
    auto sink = Started(config);
    std::vector<EventBatch> batches;
    batches.push_back(Batch("j", {2, 1, 3}));
    auto results = SendGroup(*sink, batches);
    ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
    auto pushes = loki.pushes();
    ASSERT_EQ(pushes.size(), 1u);
    EXPECT_EQ(*pushes[0].request.Header("content-type"), "application/json");
    EXPECT_EQ(*pushes[0].request.Header("content-encoding"), "gzip");
    ASSERT_TRUE(pushes[0].error.empty()) << pushes[0].error;
    ASSERT_EQ(pushes[0].entries.size(), 3u);
    EXPECT_EQ(pushes[0].entries[0].line, "j-1");
    EXPECT_EQ(pushes[0].entries[2].line, "j-2");
    EXPECT_EQ(pushes[0].entries[0].metadata.empty(), mode == "auto") << mode;
    if (mode == "always") {
      EXPECT_EQ(pushes[0].entries[0].metadata.at("team"), "core");
    }
  }
}

TEST(LokiSink, LongStreamsGoInOrderedChunksAndStreamsArePacked) {
  FakeLoki loki;  // ordered: any overtaking chunk would be refused
  LokiSinkConfig config = ConfigFor(loki.url());
  config.batch_size = 10;
  config.max_in_flight = 4;
  auto sink = Started(config);
  std::vector<EventBatch> batches;
  batches.push_back(Batch("a", Range(0, 20)));
  batches.push_back(Batch("b", Range(20, 35)));
  for (int s = 0; s < 6; ++s) {
    auto source = MakeSource("file", "/s" + std::to_string(s), "", Labels{{"job", "small" + std::to_string(s)}});
    batches.push_back(Batch("s" + std::to_string(s), {1, 2}, source));
  }
  auto results = SendGroup(*sink, batches);
  for (const SinkResult& r : results) EXPECT_TRUE(r.ok() && r.rejected.empty()) << r.status.ToString();
  EXPECT_EQ(loki.stored().size(), 35u + 12u);
  for (const Push& p : loki.pushes()) {
    EXPECT_LE(p.entries.size(), 10u);
    std::set<std::string> unique(p.streams.begin(), p.streams.end());
    EXPECT_EQ(unique.size(), p.streams.size()) << "a label set twice in one push";
  }
  // 35 entries of job=app in 4 chunks, each after the previous one: no refusal, in time order.
  std::vector<Nanos> app_times;
  for (const Entry& e : loki.stored()) {
    if (e.labels.find("job=\"app\"") != std::string::npos) app_times.push_back(e.ts);
  }
  ASSERT_EQ(app_times.size(), 35u);
  EXPECT_TRUE(std::is_sorted(app_times.begin(), app_times.end()));
}

TEST(LokiSink, RateLimitIsRetriedWithRetryAfterAndNothingIsLost) {
  int answered = 0;
  FakeLoki loki([&](const Push&) -> std::optional<HttpResponse> {
    if (answered++ > 0) return std::nullopt;
    HttpResponse r = HttpResponse::Text(429, "Ingestion rate limit exceeded");
    r.headers.emplace_back("Retry-After", "3");
    return r;
  });
  auto sink = Started(ConfigFor(loki.url()));
  std::vector<EventBatch> batches;
  batches.push_back(Batch("r", Range(0, 5)));
  auto results = SendGroup(*sink, batches);
  ASSERT_EQ(results[0].verdict, SinkVerdict::kRetry);
  EXPECT_FALSE(results[0].misconfigured);
  EXPECT_GE(results[0].retry_after, 2 * kNanosPerSecond);
  EXPECT_NE(results[0].status.message().find("429"), std::string::npos) << results[0].status.message();
  results = SendGroup(*sink, batches);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(loki.stored().size(), 5u);
}

TEST(LokiSink, UnauthorizedIsMisconfiguredAndStopsTheGroup) {
  FakeLoki loki([](const Push&) -> std::optional<HttpResponse> { return HttpResponse::Text(401, "no org id"); });
  LokiSinkConfig config = ConfigFor(loki.url());
  config.batch_size = 5;
  config.max_in_flight = 1;
  auto sink = Started(config);
  std::vector<EventBatch> batches;
  batches.push_back(Batch("u", Range(0, 20)));
  auto results = SendGroup(*sink, batches);
  ASSERT_EQ(results[0].verdict, SinkVerdict::kRetry);
  EXPECT_TRUE(results[0].misconfigured);
  EXPECT_NE(results[0].status.message().find("sinks.loki.auth"), std::string::npos) << results[0].status.message();
  EXPECT_EQ(loki.pushes().size(), 1u) << "nothing more is sent once Loki says the credentials are wrong";
}

// First batch t=100..109 is stored; the second has t=50..59 (out of order) and t=110..119.
void SendOutOfOrder(LokiSink& sink, std::vector<SinkResult>* second) {
  std::vector<EventBatch> first;
  first.push_back(Batch("new", Range(100, 110)));
  auto results = SendGroup(sink, first);
  ASSERT_TRUE(results[0].ok());
  std::vector<int> times = Range(50, 60);
  for (int t : Range(110, 120)) times.push_back(t);
  std::vector<EventBatch> later;
  later.push_back(Batch("mixed", times));
  *second = SendGroup(sink, later);
}

TEST(LokiSink, OutOfOrderEntriesGoToTheDlqAndTheRestIsStored) {
  FakeLoki loki;
  Metrics metrics;
  auto sink = Started(ConfigFor(loki.url()), &metrics);
  std::vector<SinkResult> results;
  SendOutOfOrder(*sink, &results);
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
  ASSERT_EQ(results[0].rejected.size(), 10u);
  for (uint32_t i = 0; i < 10; ++i) {
    EXPECT_EQ(results[0].rejected[i].index, i);
    EXPECT_EQ(results[0].rejected[i].reason, "out_of_order");
    EXPECT_NE(results[0].rejected[i].error.find("entry out of order"), std::string::npos);
  }
  EXPECT_EQ(loki.stored().size(), 20u);
  EXPECT_EQ(loki.pushes().size(), 2u) << "the answer named every refused entry: nothing was sent twice";
  EXPECT_NE(metrics.Serialize().find(
                R"(log_capturer_sink_refused_entries_total{action="dlq",reason="out_of_order",sink="loki"} 10)"),
            std::string::npos);
}

TEST(LokiSink, OutOfOrderDropCountsAndDiscards) {
  FakeLoki loki;
  Metrics metrics;
  LokiSinkConfig config = ConfigFor(loki.url());
  config.out_of_order_action = "drop";
  auto sink = Started(config, &metrics);
  std::vector<SinkResult> results;
  SendOutOfOrder(*sink, &results);
  ASSERT_TRUE(results[0].ok());
  EXPECT_TRUE(results[0].rejected.empty());
  EXPECT_EQ(loki.stored().size(), 20u);
  EXPECT_NE(metrics.Serialize().find(R"(log_capturer_logs_dropped_total{reason="out_of_order",stage="sink"} 10)"),
            std::string::npos);
}

TEST(LokiSink, RewriteTimestampSendsRefusedEntriesAgainStampedNow) {
  FakeLoki loki;
  LokiSinkConfig config = ConfigFor(loki.url());
  config.out_of_order_action = "rewrite_timestamp";
  auto sink = Started(config);
  std::vector<SinkResult> results;
  const Nanos before = WallNowNanos();
  SendOutOfOrder(*sink, &results);
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
  EXPECT_TRUE(results[0].rejected.empty());
  auto stored = loki.stored();
  ASSERT_EQ(stored.size(), 30u);
  std::set<std::string> lines;
  for (const Entry& e : stored) lines.insert(e.line);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(lines.count("mixed-" + std::to_string(i)), 1u);
  for (size_t i = 20; i < 30; ++i) EXPECT_GE(stored[i].ts, before) << stored[i].line;
}

TEST(LokiSink, TooOldEntriesAreFoundFromTheOldestAcceptableTime) {
  FakeLoki loki;
  loki.set_ordered(false);
  loki.set_max_age(3600 * kNanosPerSecond);
  auto sink = Started(ConfigFor(loki.url()));
  const Nanos now = WallNowNanos();
  BatchBuilder b;
  for (int i = 0; i < 6; ++i) b.Add(kApp, "old-" + std::to_string(i), now - (7200 - i) * kNanosPerSecond);
  for (int i = 0; i < 4; ++i) b.Add(kApp, "fresh-" + std::to_string(i), now - (60 - i) * kNanosPerSecond);
  std::vector<EventBatch> batches;
  batches.push_back(b.Take());
  auto results = SendGroup(*sink, batches);
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
  ASSERT_EQ(results[0].rejected.size(), 6u);
  for (const RejectedEvent& r : results[0].rejected) EXPECT_EQ(r.reason, "too_old");
  EXPECT_EQ(loki.stored_lines(), (std::vector<std::string>{"fresh-0", "fresh-1", "fresh-2", "fresh-3"}));
}

TEST(LokiSink, OtherBadRequestsAreNarrowedToTheRefusedEntries) {
  FakeLoki loki;
  loki.set_ordered(false);
  loki.set_poison("POISON");
  auto sink = Started(ConfigFor(loki.url()));
  BatchBuilder b;
  for (int i = 0; i < 40; ++i) b.Add(kApp, (i == 7 || i == 30 ? "POISON-" : "ok-") + std::to_string(i), kTime + i);
  std::vector<EventBatch> batches;
  batches.push_back(b.Take());
  auto results = SendGroup(*sink, batches);
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
  ASSERT_EQ(results[0].rejected.size(), 2u);
  EXPECT_EQ(results[0].rejected[0].index, 7u);
  EXPECT_EQ(results[0].rejected[1].index, 30u);
  EXPECT_EQ(results[0].rejected[0].reason, "bad_request");
  EXPECT_NE(results[0].rejected[0].error.find("Max entry size"), std::string::npos);
  std::set<std::string> stored;
  for (const std::string& l : loki.stored_lines()) stored.insert(l);
  EXPECT_EQ(stored.size(), 38u) << "every good line arrived (some twice: Loki keeps the rest of a refused push)";
}

TEST(LokiSink, TooLargeIsSplitAndASingleHugeEntryIsRejected) {
  FakeLoki loki([](const Push& p) -> std::optional<HttpResponse> {
    size_t bytes = 0;
    for (const Entry& e : p.entries) bytes += e.line.size();
    if (bytes > 2000) return HttpResponse::Text(413, "request body too large");
    return std::nullopt;
  });
  loki.set_ordered(false);
  auto sink = Started(ConfigFor(loki.url()));
  BatchBuilder b;
  for (int i = 0; i < 30; ++i) b.Add(kApp, std::string(i == 12 ? 3000 : 150, 'x') + std::to_string(i), kTime + i);
  std::vector<EventBatch> batches;
  batches.push_back(b.Take());
  auto results = SendGroup(*sink, batches);
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
  ASSERT_EQ(results[0].rejected.size(), 1u);
  EXPECT_EQ(results[0].rejected[0].index, 12u);
  EXPECT_EQ(results[0].rejected[0].reason, "too_large");
  std::set<std::string> stored;
  for (const std::string& l : loki.stored_lines()) stored.insert(l);
  EXPECT_EQ(stored.size(), 29u);
}

TEST(LokiSink, ARefusalInAPushOfSeveralStreamsIsResolvedStreamByStream) {
  FakeLoki loki;  // ordered; reports only the last stream with refused entries
  auto sink = Started(ConfigFor(loki.url()));
  std::vector<EventBatch> first;
  first.push_back(Batch("app", Range(100, 105)));
  first.push_back(Batch("db", Range(100, 105), kDb));
  ASSERT_TRUE(SendGroup(*sink, first)[0].ok());
  std::vector<EventBatch> second;
  second.push_back(Batch("app-late", {1, 2, 200}));
  second.push_back(Batch("db-late", {3, 201}, kDb));
  auto results = SendGroup(*sink, second);
  ASSERT_TRUE(results[0].ok() && results[1].ok());
  EXPECT_EQ(results[0].rejected.size(), 2u);
  EXPECT_EQ(results[1].rejected.size(), 1u);
  std::set<std::string> stored;
  for (const std::string& l : loki.stored_lines()) stored.insert(l);
  EXPECT_EQ(stored.count("app-late-2"), 1u);
  EXPECT_EQ(stored.count("db-late-1"), 1u);
  // The answer named db (the last stream with refusals): only app was sent again.
  const auto pushes = loki.pushes();
  ASSERT_EQ(pushes.size(), 3u);  // the first group, the second, app again
  EXPECT_EQ(pushes[2].streams, (std::vector<std::string>{R"({job="app", source_type="file"})"}));
}

TEST(LokiSink, TooOldInAPushOfSeveralStreamsIsResolvedWithoutSendingAgain) {
  FakeLoki loki;
  loki.set_ordered(false);
  loki.set_max_age(3600 * kNanosPerSecond);
  auto sink = Started(ConfigFor(loki.url()));
  const Nanos now = WallNowNanos();
  BatchBuilder app, db;
  for (int i = 0; i < 3; ++i) app.Add(kApp, "app-old-" + std::to_string(i), now - (7200 - i) * kNanosPerSecond);
  for (int i = 0; i < 3; ++i) app.Add(kApp, "app-new-" + std::to_string(i), now - (60 - i) * kNanosPerSecond);
  for (int i = 0; i < 2; ++i) db.Add(kDb, "db-new-" + std::to_string(i), now - (30 - i) * kNanosPerSecond);
  std::vector<EventBatch> batches;
  batches.push_back(app.Take());
  batches.push_back(db.Take());
  auto results = SendGroup(*sink, batches);
  ASSERT_TRUE(results[0].ok() && results[1].ok());
  EXPECT_EQ(results[0].rejected.size(), 3u);
  EXPECT_TRUE(results[1].rejected.empty());
  EXPECT_EQ(loki.pushes().size(), 1u) << "the distributor's rule covers every stream of the push";
  EXPECT_EQ(loki.stored().size(), 5u);
}

TEST(LokiSink, LabelCapsMoveLabelsToMetadataAndAreCounted) {
  FakeLoki loki;
  Metrics metrics;
  LokiSinkConfig config = ConfigFor(loki.url());
  config.label_keys = {"job", "k8s.app", "zone", "rack"};
  config.max_labels_per_stream = 2;
  config.max_streams_per_push = 2;
  config.labels = {{"env", "prod"}};
  auto sink = Started(config, &metrics);
  std::vector<EventBatch> batches;
  for (int s = 0; s < 4; ++s) {
    auto source = MakeSource("file", "/x" + std::to_string(s), "",
                             Labels{{"job", "j" + std::to_string(s)}, {"k8s.app", "web"}, {"zone", "z1"}});
    batches.push_back(Batch("x" + std::to_string(s), {1}, source));
  }
  auto results = SendGroup(*sink, batches);
  for (const SinkResult& r : results) ASSERT_TRUE(r.ok()) << r.status.ToString();
  auto stored = loki.stored();
  ASSERT_EQ(stored.size(), 4u);
  std::set<std::string> streams;
  for (const Entry& e : stored) streams.insert(e.labels);
  // Two streams of {env, job} (k8s_app and zone moved to metadata), then the static stream.
  EXPECT_EQ(streams, (std::set<std::string>{R"({env="prod", job="j0"})", R"({env="prod", job="j1"})",
                                            R"({env="prod"})"}));
  for (const Entry& e : stored) {
    EXPECT_EQ(e.metadata.at("k8s_app"), "web") << e.line;
    if (e.labels == R"({env="prod"})") {
      EXPECT_EQ(e.metadata.count("job"), 1u);
    }
  }
  const std::string text = metrics.Serialize();
  EXPECT_NE(text.find(R"(log_capturer_sink_labels_cut_total{reason="streams_per_push",sink="loki"} 2)"),
            std::string::npos)
      << text;
}

TEST(LokiSink, ConfigurationProblemsNameTheirKey) {
  LokiSinkConfig config = ConfigFor("http://127.0.0.1:1");
  config.labels = {{"bad-name", "x"}};
  config.push_endpoint = "loki/api/v1/push";
  config.tenant_id = "t";
  config.headers = {{"X-Scope-OrgID", "other"}, {"Content-Type", "text/plain"}};
  std::set<std::string> keys;
  for (const SinkConfigError& e : CheckLokiSinkConfig(config)) keys.insert(e.key);
  EXPECT_EQ(keys, (std::set<std::string>{"sinks.loki.labels.bad-name", "sinks.loki.push_endpoint",
                                         "sinks.loki.headers.X-Scope-OrgID", "sinks.loki.headers.Content-Type"}));
  LokiSink sink(config, nullptr);
  EXPECT_EQ(sink.Start().code(), Status::Code::kInvalidArgument);
}

TEST(LokiSink, ANotStartedOrUnreachableLokiIsATransientFailure) {
  LokiSinkConfig config = ConfigFor("http://127.0.0.1:1");
  config.timeout = std::chrono::seconds(2);
  auto sink = Started(config);
  std::vector<EventBatch> batches;
  batches.push_back(Batch("x", {1}));
  auto results = SendGroup(*sink, batches);
  EXPECT_EQ(results[0].verdict, SinkVerdict::kRetry);
  EXPECT_FALSE(results[0].misconfigured);
}

}  // namespace
}  // namespace logcap
