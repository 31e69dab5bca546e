// Codec throughput: the disk buffer's binary batch codec (EncodeBatch / DecodeBatch) and the JSON
// event decoder (what the DLQ replay and the Kafka source read).
//
// Batches of 1000 events with 100-byte messages from one source (the target is >= 5 M events/s
// each way). "Rich" batches add per-event labels, fields and a trace context to every fourth event.
// Bytes per second count message bytes. The decode figures include copying the payload string
// (DecodeBatch takes ownership of its input, so every round needs a fresh one).
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "codec/batch_codec.h"
#include "codec/event_encoder.h"
#include "codec/event_json_decoder.h"
#include "core/event_batch.h"

namespace logcap {
namespace {

constexpr size_t kEvents = 1000;
constexpr size_t kMessageSize = 100;
constexpr Nanos kBase = 1795428000LL * kNanosPerSecond;

EventBatch MakeBatch(bool rich) {
  std::mt19937 rng(42);
  auto block = ByteBlock::Create(kEvents * kMessageSize);
  auto source = std::make_shared<SourceInfo>();
  source->type = "file";
  source->id = "/var/log/app/service.log";
  source->name = "service.log";
  source->component = "file_monitor";
  source->labels.Set("job", "varlogs");
  source->labels.Set("host", "node-1");
  EventBatch batch;
  const SourceInfo* src = batch.RetainSource(source);
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 =:/.-_";
  for (size_t i = 0; i < kEvents; ++i) {
    char* dst = block->data() + i * kMessageSize;
    for (size_t j = 0; j < kMessageSize; ++j) dst[j] = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    Event e;
    e.message = std::string_view(dst, kMessageSize);
    e.read_time = kBase + static_cast<Nanos>(i) * 20000;
    e.source_time = e.read_time - 1500000 - static_cast<Nanos>(rng() % 1000);
    e.source = src;
    e.level = static_cast<Level>(1 + i % 6);
    if (rich && i % 4 == 0) {
      e.attributes = batch.AddAttributes(
          EventAttributes{{{"pod", "web-" + std::to_string(i % 7)}}, R"({"user":"ann","status":200,"ms":12})"});
      e.trace.trace_id[0] = static_cast<uint8_t>(i);
      e.trace.trace_id[15] = 1;
      e.trace.span_id[7] = 2;
      e.trace.sampled = true;
    }
    batch.Add(e);
  }
  block->set_size(kEvents * kMessageSize);
  batch.RetainBlock(block);
  return batch;
}

void Encode(benchmark::State& state, bool rich) {
  EventBatch batch = MakeBatch(rich);
  std::string out;
  for (auto _ : state) {
    out.clear();
    EncodeBatch(batch, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEvents));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kEvents * kMessageSize));
  state.counters["payload_bytes_per_event"] = static_cast<double>(out.size()) / kEvents;
}

void Decode(benchmark::State& state, bool rich) {
  std::string payload;
  EncodeBatch(MakeBatch(rich), &payload);
  for (auto _ : state) {
    EventBatch out;
    Status s = DecodeBatch(payload, &out);  // copies payload: DecodeBatch owns its input
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(out.events().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEvents));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kEvents * kMessageSize));
}

void BM_EncodeBatch(benchmark::State& state) { Encode(state, false); }
void BM_EncodeBatchRich(benchmark::State& state) { Encode(state, true); }
void BM_DecodeBatch(benchmark::State& state) { Decode(state, false); }
void BM_DecodeBatchRich(benchmark::State& state) { Decode(state, true); }

// JSON lines as the sinks write them, decoded back, all in one DecodeLines call per batch.
void BM_EventJsonDecodeLines(benchmark::State& state) {
  EventBatch batch = MakeBatch(state.range(0) != 0);
  TimestampFormatter ts;
  std::string text;
  std::vector<size_t> ends;
  for (const Event& e : batch.events()) {
    AppendEventJson(batch, e, ts, text);
    ends.push_back(text.size());
  }
  std::vector<std::string_view> lines;
  size_t begin = 0;
  for (size_t end : ends) {
    lines.emplace_back(text.data() + begin, end - begin);
    begin = end;
  }
  EventJsonDecoder decoder("bench");
  for (auto _ : state) {
    EventBatch out;
    Status s = decoder.DecodeLines(lines, &out);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(out.events().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEvents));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

BENCHMARK(BM_EncodeBatch);
BENCHMARK(BM_EncodeBatchRich);
BENCHMARK(BM_DecodeBatch);
BENCHMARK(BM_DecodeBatchRich);
BENCHMARK(BM_EventJsonDecodeLines)->Arg(0)->Arg(1);

}  // namespace
}  // namespace logcap
