// Encoder throughput: AppendEventJson / AppendEventText over a realistic mix of log lines, and the
// JSON string escaper alone on plain ASCII (the hot path's best case) and on JSON-in-JSON.
//
// Bytes per second count message bytes in (not output bytes), so the figures compare directly
// with source read rates.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/event_batch.h"
#include "codec/event_encoder.h"
#include "codec/json_escape.h"

namespace logcap {
namespace {

constexpr size_t kEventsPerBatch = 1000;
constexpr Nanos kBase = 1795428000LL * kNanosPerSecond;

// Half JSON application logs (~200 bytes, many quotes), half plain text lines (nginx access log,
// app log with a stack-trace-ish tail), like a mixed host.
std::vector<std::string> MakeLines(size_t n) {
  std::mt19937 rng(42);
  auto R = [&rng] { return static_cast<unsigned>(rng()); };
  const char* paths[] = {"/api/v1/users", "/healthz", "/static/app.js", "/api/v1/orders/12345/items"};
  const char* levels[] = {"info", "debug", "warn", "error"};
  std::vector<std::string> lines;
  char buf[512];
  for (size_t i = 0; i < n; ++i) {
    switch (i % 4) {
      case 0:
      case 2:
        snprintf(buf, sizeof(buf),
                 "{\"level\":\"%s\",\"ts\":\"2026-11-23T10:00:%02zu.%03uZ\",\"logger\":\"http.server\",\"msg\":"
                 "\"request completed\",\"method\":\"GET\",\"path\":\"%s\",\"status\":200,\"duration_ms\":%u,"
                 "\"user_id\":%u}",
                 levels[R() % 4], i % 60, R() % 1000, paths[R() % 4], R() % 500, R() % 100000);
        break;
      case 1:
        snprintf(buf, sizeof(buf),
                 "10.0.%u.%u - - [23/Nov/2026:10:00:%02zu +0000] \"GET %s HTTP/1.1\" 200 %u \"-\" "
                 "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\"",
                 R() % 256, R() % 256, i % 60, paths[R() % 4], R() % 50000);
        break;
      default:
        snprintf(buf, sizeof(buf),
                 "2026-11-23 10:00:%02zu,%03u INFO  [worker-%u] com.example.OrderService - processed order "
                 "%u for customer %u in %u ms (cache hit ratio 0.%02u)",
                 i % 60, R() % 1000, R() % 16, R(), R() % 100000, R() % 900, R() % 100);
        break;
    }
    lines.emplace_back(buf);
  }
  return lines;
}

struct Fixture {
  EventBatch batch;
  size_t message_bytes = 0;
};

Fixture MakeFixture() {
  Fixture f;
  const std::vector<std::string> lines = MakeLines(kEventsPerBatch);
  size_t total = 0;
  for (const auto& l : lines) total += l.size();
  auto block = ByteBlock::Create(total);
  auto source = std::make_shared<SourceInfo>();
  source->type = "file";
  source->id = "/var/log/app/service.log";
  source->name = "service.log";
  source->labels.Set("job", "varlogs");
  source->labels.Set("host", "node-1");
  const SourceInfo* src = f.batch.RetainSource(source);
  size_t offset = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::memcpy(block->data() + offset, lines[i].data(), lines[i].size());
    Event e;
    e.message = std::string_view(block->data() + offset, lines[i].size());
    e.read_time = kBase + static_cast<Nanos>(i) * 1000;
    e.source = src;
    f.batch.Add(e);
    offset += lines[i].size();
  }
  block->set_size(offset);
  f.batch.RetainBlock(block);
  f.message_bytes = offset;
  return f;
}

// Encodes the fixture batch with encode(batch, formatter, out) once per iteration.
template <typename EncodeBatch>
void RunEncoder(benchmark::State& state, EncodeBatch encode) {
  Fixture f = MakeFixture();
  TimestampFormatter ts;
  std::string out;
  for (auto _ : state) {
    out.clear();
    encode(f.batch, ts, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEventsPerBatch));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.message_bytes));
}

// As the sinks encode a batch: one JsonSourceCache per batch.
void BM_AppendEventJson(benchmark::State& state) {
  RunEncoder(state, [](const EventBatch& batch, TimestampFormatter& ts, std::string& out) {
    JsonSourceCache sources;
    for (const Event& e : batch.events()) AppendEventJson(batch, e, ts, out, &sources);
  });
}
BENCHMARK(BM_AppendEventJson);

// Without the per-batch cache: the source part is escaped for every event.
void BM_AppendEventJsonNoCache(benchmark::State& state) {
  RunEncoder(state, [](const EventBatch& batch, TimestampFormatter& ts, std::string& out) {
    for (const Event& e : batch.events()) AppendEventJson(batch, e, ts, out);
  });
}
BENCHMARK(BM_AppendEventJsonNoCache);

void BM_AppendEventText(benchmark::State& state) {
  RunEncoder(state, [](const EventBatch& batch, TimestampFormatter& ts, std::string& out) {
    for (const Event& e : batch.events()) AppendEventText(batch, e, ts, out);
  });
}
BENCHMARK(BM_AppendEventText);

// The escaper alone on plain ASCII text of the given length.
void BM_JsonEscapePlainAscii(benchmark::State& state) {
  std::string in;
  while (in.size() < static_cast<size_t>(state.range(0))) in += "GET /api/v1/users?page=2 200 1532 0.004 ";
  in.resize(static_cast<size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendJsonEscaped(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_JsonEscapePlainAscii)->Arg(200)->Arg(4096);

// The escaper on a JSON log line (a quote every ~8 bytes) and on UTF-8 text (Cyrillic).
void BM_JsonEscapeJsonLine(benchmark::State& state) {
  const std::string in = MakeLines(1)[0];
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendJsonEscaped(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_JsonEscapeJsonLine);

void BM_JsonEscapeUtf8Text(benchmark::State& state) {
  std::string in;
  while (in.size() < 200) in += "\xD0\x97\xD0\xB0\xD0\xBA\xD0\xB0\xD0\xB7 \xD0\xBE\xD0\xB1\xD1\x80\xD0\xB0\xD0\xB1\xD0\xBE\xD1\x82\xD0\xB0\xD0\xBD ";
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendJsonEscaped(in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_JsonEscapeUtf8Text);

}  // namespace
}  // namespace logcap
