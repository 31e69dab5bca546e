// Loki push encoders: our hand-written protobuf (EncodeLokiProtobuf) against libprotobuf's
// generated classes (built on an Arena, then SerializeToString), the JSON body (EncodeLokiJson),
// and the compression each body gets on the wire (snappy block for protobuf, gzip -1 for JSON).
//
// Input: one push of 1000 entries of ~200-byte log lines (a mix of JSON app logs, access logs and
// Java-style lines), in 1 or in 20 streams (labels host/job/level), with 0 or 3 structured
// metadata pairs per entry. Arguments are {streams, metadata pairs}. bytes/s counts the log lines'
// bytes (not the body's), so every row compares with the others and with source read rates;
// items/s counts entries; the counter body_bytes is the size of the body the row produces.
//
// Run: build-enc/loki_encoder_bench --benchmark_min_time=0.5 --benchmark_repetitions=3
//        --benchmark_report_aggregates_only=true
// Medians of 3 runs on the 2-core build machine (Release, g++ 12.2, protobuf 3.21.12), CPU us per
// push of 1000 entries (216 KB of lines); see loki_protobuf_encoder.h for what they decided:
//   {streams, metadata}          {1,0}   {20,0}   {1,3}   {20,3}   body
//   EncodeLokiProtobuf            24.4     26.7    77.2     82.4   192-270 KB
//   libprotobuf, Arena + Ser.    118.3    119.3   386.9    410.9   (the same bytes)
//   ours / libprotobuf            0.21     0.22    0.20     0.20
//   EncodeLokiJson (metadata)     63.0     62.6   106.5    118.5   211-292 KB
//   snappy of the protobuf        78.4     75.9    98.3     96.9    44-56 KB
//   gzip -1 of the JSON          700.6    677.4   916.4    946.1    30-38 KB
// So protobuf + snappy costs ~0.1-0.18 ms a push where JSON + gzip costs ~0.75-1.05 ms.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "sinks/common/gzip_compressor.h"
#include "sinks/common/snappy_compressor.h"
#include "sinks/loki/loki_json_encoder.h"
#include "sinks/loki/loki_labels.h"
#include "sinks/loki/loki_protobuf_encoder.h"
#include "sinks/loki/loki_push.h"

#if defined(LOGCAP_HAVE_LOKI_PROTO)
#include <google/protobuf/arena.h>

#include "loki_push.pb.h"
#endif

namespace logcap {
namespace {

constexpr size_t kEntries = 1000;
constexpr Nanos kBase = 1795428000LL * kNanosPerSecond;

std::vector<std::string> MakeLines(size_t n) {
  std::mt19937 rng(2026);
  auto r = [&rng](unsigned m) { return static_cast<unsigned>(rng() % m); };
  const char* paths[] = {"/api/v1/users", "/healthz", "/static/js/app.3f9a1c.js", "/api/v1/orders/12345/items"};
  const char* levels[] = {"info", "debug", "warn", "error"};
  std::vector<std::string> lines;
  char buf[512];
  for (size_t i = 0; i < n; ++i) {
    switch (i % 3) {
      case 0:
        snprintf(buf, sizeof(buf),
                 "{\"level\":\"%s\",\"ts\":\"2026-11-23T10:00:%02zu.%03uZ\",\"logger\":\"http.server\",\"msg\":"
                 "\"request completed\",\"method\":\"GET\",\"path\":\"%s\",\"status\":200,\"duration_ms\":%u,"
                 "\"user_id\":%u}",
                 levels[r(4)], i % 60, r(1000), paths[r(4)], r(500), r(100000));
        break;
      case 1:
        snprintf(buf, sizeof(buf),
                 "10.0.%u.%u - - [23/Nov/2026:10:00:%02zu +0000] \"GET %s HTTP/1.1\" 200 %u \"-\" "
                 "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\"",
                 r(256), r(256), i % 60, paths[r(4)], r(50000));
        break;
      default:
        snprintf(buf, sizeof(buf),
                 "2026-11-23 10:00:%02zu,%03u INFO  [worker-%u] com.example.orders.OrderService - processed order "
                 "%u for customer %u in %u ms (cache hit ratio 0.%02u, retries 0)",
                 i % 60, r(1000), r(16), static_cast<unsigned>(rng()), r(100000), r(900), r(100));
        break;
    }
    lines.emplace_back(buf);
  }
  return lines;
}

// One push as the sink would hand it to the encoders: entries round-robin over the streams.
struct Fixture {
  std::vector<std::string> lines;
  std::vector<std::string> metadata_values;
  std::vector<std::vector<LokiLabelPair>> label_pairs;
  std::vector<std::string> label_strings;
  std::vector<std::vector<LokiEntry>> entries;
  std::vector<LokiLabelPair> metadata;
  std::vector<LokiStreamView> streams;
  LokiPushView view;
  size_t line_bytes = 0;

  Fixture(size_t stream_count, size_t metadata_per_entry) : lines(MakeLines(kEntries)) {
    static const char* kJobs[] = {"api", "web", "orders", "billing", "auth"};
    static const char* kLevels[] = {"info", "warn", "error", "debug"};
    label_pairs.resize(stream_count);
    entries.resize(stream_count);
    for (size_t s = 0; s < stream_count; ++s) {
      label_pairs[s] = {{"host", "node-1"}, {"job", kJobs[s % 5]}, {"level", kLevels[s / 5 % 4]}};
      AppendLokiLabelString(label_pairs[s], label_strings.emplace_back());
    }
    metadata_values.reserve(kEntries);
    for (size_t i = 0; i < kEntries; ++i) {
      metadata_values.push_back(std::to_string(0x4bf92f3577b34da6ULL + i * 7919));  // trace-id-like
      line_bytes += lines[i].size();
    }
    for (size_t i = 0; i < kEntries; ++i) {
      LokiEntry e;
      e.timestamp = kBase + static_cast<Nanos>(i) * 1'000'003;
      e.line = lines[i];
      e.metadata_begin = static_cast<uint32_t>(metadata.size());
      e.metadata_count = static_cast<uint32_t>(metadata_per_entry);
      const LokiLabelPair pool[] = {{"trace_id", metadata_values[i]}, {"span_id", "00f067aa0ba902b7"}, {"user", "u-4821"}};
      for (size_t m = 0; m < metadata_per_entry; ++m) metadata.push_back(pool[m]);
      entries[i % stream_count].push_back(e);
    }
    for (size_t s = 0; s < stream_count; ++s) streams.push_back({label_strings[s], label_pairs[s], entries[s]});
    view.streams = streams;
    view.metadata = metadata;
  }
};

void Report(benchmark::State& state, const Fixture& f, size_t body_bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEntries));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.line_bytes));
  state.counters["body_bytes"] = static_cast<double>(body_bytes);
}

Fixture MakeFixture(const benchmark::State& state) {
  return Fixture(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(1)));
}

void BM_LokiProtobufOurs(benchmark::State& state) {
  const Fixture f = MakeFixture(state);
  std::string out;
  for (auto _ : state) {
    EncodeLokiProtobuf(f.view, out);
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, f, out.size());
}

#if defined(LOGCAP_HAVE_LOKI_PROTO)
// The alternative: the generated classes, on an Arena whose first block holds the whole message,
// so Reset() keeps it and no iteration mallocs; SerializeToString into a reused string.
void BM_LokiProtobufLibprotobuf(benchmark::State& state) {
  const Fixture f = MakeFixture(state);
  std::vector<char> block(8 << 20);
  google::protobuf::ArenaOptions options;
  options.initial_block = block.data();
  options.initial_block_size = block.size();
  google::protobuf::Arena arena(options);
  std::string out;
  for (auto _ : state) {
    auto* req = google::protobuf::Arena::CreateMessage<lokipb::PushRequest>(&arena);
    for (const LokiStreamView& s : f.view.streams) {
      lokipb::StreamAdapter* stream = req->add_streams();
      stream->set_labels(s.labels.data(), s.labels.size());
      for (const LokiEntry& e : s.entries) {
        lokipb::EntryAdapter* entry = stream->add_entries();
        entry->mutable_timestamp()->set_seconds(e.timestamp / kNanosPerSecond);  // positive times here
        entry->mutable_timestamp()->set_nanos(static_cast<int32_t>(e.timestamp % kNanosPerSecond));
        entry->set_line(e.line.data(), e.line.size());
        for (const LokiLabelPair& m : f.view.metadata.subspan(e.metadata_begin, e.metadata_count)) {
          lokipb::LabelPairAdapter* pair = entry->add_structuredmetadata();
          pair->set_name(m.name.data(), m.name.size());
          pair->set_value(m.value.data(), m.value.size());
        }
      }
    }
    req->SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
    arena.Reset();
  }
  Report(state, f, out.size());
}
#endif

void BM_LokiJson(benchmark::State& state) {
  const Fixture f = MakeFixture(state);
  std::string out;
  for (auto _ : state) {
    EncodeLokiJson(f.view, /*with_metadata=*/true, out);
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, f, out.size());
}

void BM_SnappyOfProtobuf(benchmark::State& state) {
  const Fixture f = MakeFixture(state);
  std::string body;
  EncodeLokiProtobuf(f.view, body);
  SnappyCompressor snappy;
  std::string out;
  size_t produced = 0;
  for (auto _ : state) {
    produced = snappy.Compress(body, out).size();
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, f, produced);
}

void BM_Gzip1OfJson(benchmark::State& state) {
  const Fixture f = MakeFixture(state);
  std::string body;
  EncodeLokiJson(f.view, true, body);
  GzipCompressor gzip;
  if (!gzip.Init(1).ok()) {
    state.SkipWithError("zlib init failed");
    return;
  }
  std::string out;
  size_t produced = 0;
  for (auto _ : state) {
    produced = gzip.Compress(body, out).size();
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, f, produced);
}

void Shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"streams", "metadata"});
  for (int metadata : {0, 3}) {
    for (int streams : {1, 20}) b->Args({streams, metadata});
  }
}

BENCHMARK(BM_LokiProtobufOurs)->Apply(Shapes);
#if defined(LOGCAP_HAVE_LOKI_PROTO)
BENCHMARK(BM_LokiProtobufLibprotobuf)->Apply(Shapes);
#endif
BENCHMARK(BM_LokiJson)->Apply(Shapes);
BENCHMARK(BM_SnappyOfProtobuf)->Apply(Shapes);
BENCHMARK(BM_Gzip1OfJson)->Apply(Shapes);

}  // namespace
}  // namespace logcap
