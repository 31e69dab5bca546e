// Parsing steps, single thread: json_parse (+ 2 labels + level), regex_extract (nginx combined,
// 10 named groups), log_level_extract (default word scan) and logfmt_parse.
//
// Two views of each:
//   BM_Pipeline_*  the whole RunPipelines over a batch of 1000 events (load the records, run the
//                  step, write messages, labels and fields back into the batch): what a worker pays.
//   BM_Step_*      the step's Run alone over 1000 loaded records: the step's own cost.
// items_per_second = lines/s; ns_per_record is the same figure inverted; allocs_per_record counts
// operator new calls inside the timed region (this binary replaces operator new to count them).
#include <benchmark/benchmark.h>

#include <yaml-cpp/yaml.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

// The counter replaces operator new/delete with malloc/free on purpose; once inlined, GCC flags
// the pairs it cannot see through.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include "../tests/testing/allocation_counter.h"
#include "config/config_tree_yaml.h"
#include "config/load_context.h"
#include "processing/pipeline_processor.h"
#include "processing/pipeline_set.h"
#include "telemetry/metrics.h"

namespace logcap {
namespace {

constexpr size_t kBatch = 1000;

std::shared_ptr<const PipelineSet> CompileSteps(const std::string& steps, Metrics& metrics) {
  const std::string yaml = "pipelines:\n  - name: default\n    steps:\n" + steps;
  LoadContext ctx("bench.yaml");
  ConfigTree tree = ConfigTreeFromYaml(YAML::Load(yaml), ProcessEnvLookup(), "pipelines file", ctx);
  PipelineDefinitions definitions;
  definitions.file = "bench.yaml";
  definitions.pipelines = *tree.Find("pipelines");
  std::vector<ConfigError> errors = ctx.TakeErrors();
  auto set = PipelineSet::Compile(definitions, {}, metrics, errors);
  if (!set) {
    for (const auto& e : errors) fprintf(stderr, "%s\n", e.ToString().c_str());
    std::abort();
  }
  return set;
}

// ~200-byte JSON application logs.
std::vector<std::string> JsonLines() {
  std::mt19937_64 rng(7);
  const char* levels[] = {"info", "info", "info", "warn", "error", "debug"};
  const char* services[] = {"checkout", "cart", "payments", "search"};
  std::vector<std::string> out;
  for (size_t i = 0; i < kBatch; ++i) {
    out.push_back(R"({"time":"2026-11-24T07:00:)" + std::to_string(10 + i % 50) + R"(.123456Z","level":")" +
                  levels[rng() % 6] + R"(","service":")" + services[rng() % 4] +
                  R"(","env":"prod","msg":"order placed for customer","user_id":)" + std::to_string(rng() % 100000) +
                  R"(,"duration_ms":)" + std::to_string(rng() % 1000) + R"(.25,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","cached":false})");
  }
  return out;
}

std::vector<std::string> AccessLines() {
  std::mt19937_64 rng(8);
  const char* paths[] = {"/api/v1/items/42", "/api/v1/cart?session=9f8e7d", "/static/app.3f9a.js", "/healthz"};
  std::vector<std::string> out;
  for (size_t i = 0; i < kBatch; ++i) {
    out.push_back("10.0." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) +
                  " - - [24/Nov/2026:07:00:00 +0000] \"GET " + paths[rng() % 4] + " HTTP/1.1\" " +
                  (rng() % 10 == 0 ? "404" : "200") + " " + std::to_string(rng() % 50000) +
                  " \"https://shop.example.com/\" \"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\"");
  }
  return out;
}

std::vector<std::string> PlainLines() {
  std::mt19937_64 rng(9);
  const char* levels[] = {"INFO", "INFO", "WARN", "ERROR", "DEBUG"};
  std::vector<std::string> out;
  for (size_t i = 0; i < kBatch; ++i) {
    out.push_back("2026-11-24 07:00:00.123 [worker-" + std::to_string(rng() % 16) + "] " + levels[rng() % 5] +
                  " com.example.orders.OrderService - order " + std::to_string(rng() % 1000000) +
                  " placed for customer " + std::to_string(rng() % 100000) + " in 12 ms");
  }
  return out;
}

std::vector<std::string> LogfmtLines() {
  std::mt19937_64 rng(10);
  const char* levels[] = {"info", "info", "warn", "error", "debug"};
  std::vector<std::string> out;
  for (size_t i = 0; i < kBatch; ++i) {
    out.push_back("ts=2026-11-24T07:00:00.123Z level=" + std::string(levels[rng() % 5]) +
                  " msg=\"order placed for \\\"customer\\\"\" service=checkout user_id=" +
                  std::to_string(rng() % 100000) + " duration=" + std::to_string(rng() % 1000) +
                  "ms path=/api/v1/cart status=200 cached");
  }
  return out;
}

// A batch as a file source makes it: one block, one SourceInfo.
EventBatch MakeBatch(const std::vector<std::string>& lines, const std::shared_ptr<const SourceInfo>& source) {
  size_t total = 0;
  for (const auto& l : lines) total += l.size();
  auto block = ByteBlock::Create(total + 1);
  EventBatch batch;
  const SourceInfo* src = batch.RetainSource(source);
  size_t offset = 0;
  for (const auto& l : lines) {
    std::memcpy(block->data() + offset, l.data(), l.size());
    Event e;
    e.message = std::string_view(block->data() + offset, l.size());
    e.read_time = 1;
    e.source = src;
    offset += l.size();
    batch.Add(e);
  }
  block->set_size(offset);
  batch.RetainBlock(block);
  return batch;
}

std::shared_ptr<const SourceInfo> Source() {
  auto source = std::make_shared<SourceInfo>();
  source->type = "file";
  source->id = source->name = "/var/log/app.log";
  return source;
}

void Report(benchmark::State& state, uint64_t allocations) {
  const double records = static_cast<double>(state.iterations() * kBatch);
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.counters["ns_per_record"] =
      benchmark::Counter(records, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_record"] = static_cast<double>(allocations) / records;
}

void RunThroughPipelines(benchmark::State& state, const std::string& steps, const std::vector<std::string>& lines) {
  Metrics metrics;
  auto set = CompileSteps(steps, metrics);
  auto source = Source();
  {  // warm the thread's scratch
    EventBatch batch = MakeBatch(lines, source);
    RunPipelines(*set, batch);
  }
  uint64_t allocations = 0;
  for (auto _ : state) {
    state.PauseTiming();
    EventBatch batch = MakeBatch(lines, source);
    state.ResumeTiming();
    testing::AllocationCounter counter;
    RunPipelines(*set, batch);
    counter.Stop();
    allocations += counter.count();
    benchmark::DoNotOptimize(batch);
    state.PauseTiming();
    { EventBatch gone = std::move(batch); }
    state.ResumeTiming();
  }
  Report(state, allocations);
}

// The step alone: records loaded once per iteration (outside the timing), then Step::Run.
void RunStepOnly(benchmark::State& state, const std::string& steps, const std::vector<std::string>& lines) {
  Metrics metrics;
  auto set = CompileSteps(steps, metrics);
  const Step& step = *set->pipelines()[0]->steps()[0];
  auto source = Source();
  EventBatch batch = MakeBatch(lines, source);
  std::vector<EventRecord> records(kBatch);
  std::vector<EventRecord*> pointers;
  for (auto& r : records) pointers.push_back(&r);
  std::vector<Event> original = batch.events();
  auto reload = [&] {
    for (size_t i = 0; i < kBatch; ++i) {
      batch.mutable_events()[i] = original[i];
      records[i].Reset(&batch.mutable_events()[i]);
    }
  };
  StepContext ctx;
  reload();
  step.Run(pointers, ctx);  // warm
  uint64_t allocations = 0;
  for (auto _ : state) {
    state.PauseTiming();
    reload();
    state.ResumeTiming();
    testing::AllocationCounter counter;
    step.Run(pointers, ctx);
    counter.Stop();
    allocations += counter.count();
  }
  if (ctx.errors != 0) state.SkipWithError("the step failed records");
  Report(state, allocations);
}

const std::string kJsonStep = R"(
      - type: json_parse
        config: {labels: [service, env]}
)";
const std::string kNginxStep = R"yaml(
      - type: regex_extract
        config:
          pattern: '^(?<remote_addr>\S+) - (?<remote_user>\S+) \[(?<time_local>[^\]]+)\] "(?<method>\S+) (?<path>\S+) (?<protocol>[^"]+)" (?<status>\d{3}) (?<body_bytes_sent>\d+) "(?<referer>[^"]*)" "(?<user_agent>[^"]*)"'
)yaml";
const std::string kLevelStep = R"(
      - type: log_level_extract
)";
const std::string kLogfmtStep = R"(
      - type: logfmt_parse
)";

void BM_Pipeline_JsonParse(benchmark::State& state) { RunThroughPipelines(state, kJsonStep, JsonLines()); }
void BM_Pipeline_RegexNginx(benchmark::State& state) { RunThroughPipelines(state, kNginxStep, AccessLines()); }
void BM_Pipeline_LogLevelExtract(benchmark::State& state) { RunThroughPipelines(state, kLevelStep, PlainLines()); }
void BM_Pipeline_LogfmtParse(benchmark::State& state) { RunThroughPipelines(state, kLogfmtStep, LogfmtLines()); }
void BM_Step_JsonParse(benchmark::State& state) { RunStepOnly(state, kJsonStep, JsonLines()); }
void BM_Step_RegexNginx(benchmark::State& state) { RunStepOnly(state, kNginxStep, AccessLines()); }
void BM_Step_LogLevelExtract(benchmark::State& state) { RunStepOnly(state, kLevelStep, PlainLines()); }
void BM_Step_LogfmtParse(benchmark::State& state) { RunStepOnly(state, kLogfmtStep, LogfmtLines()); }

BENCHMARK(BM_Pipeline_JsonParse);
BENCHMARK(BM_Pipeline_RegexNginx);
BENCHMARK(BM_Pipeline_LogLevelExtract);
BENCHMARK(BM_Pipeline_LogfmtParse);
BENCHMARK(BM_Step_JsonParse);
BENCHMARK(BM_Step_RegexNginx);
BENCHMARK(BM_Step_LogLevelExtract);
BENCHMARK(BM_Step_LogfmtParse);

}  // namespace
}  // namespace logcap
