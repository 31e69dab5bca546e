// Line splitting, the file source's per-line hot path: bytes read into blocks, lines reported as
// views into them. Input: a mix like loggen's (~216 bytes a line), fed in 256 KiB reads.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>

#include "sources/file/line_splitter.h"

namespace logcap {
namespace {

std::string MakeInput(size_t bytes) {
  std::mt19937_64 rng(42);
  std::string out;
  uint64_t seq = 0;
  while (out.size() < bytes) {
    if (rng() % 2 == 0) {
      out += R"({"ts":"2026-11-23T10:00:00.123456Z","level":"info","service":"checkout","msg":"order placed",)";
      out += R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","user_id":)" + std::to_string(rng() % 100000);
      out += ",\"seq\":" + std::to_string(seq++) + "}\n";
    } else {
      out += "10.0.0." + std::to_string(rng() % 256) +
             R"x( - - [23/Nov/2026:10:00:00 +0000] "GET /api/v1/items/42 HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)" seq=)x" +
             std::to_string(seq++) + "\n";
    }
  }
  return out;
}

void BM_LineSplitter(benchmark::State& state) {
  const size_t read_size = static_cast<size_t>(state.range(0));
  const std::string input = MakeInput(16 << 20);
  size_t lines = 0;
  for (auto _ : state) {
    LineSplitter splitter(1 << 20, 0);
    for (size_t pos = 0; pos < input.size();) {
      auto span = splitter.PrepareRead(read_size);
      const size_t n = std::min(span.size(), input.size() - pos);
      std::memcpy(span.data(), input.data() + pos, n);  // stands in for pread()
      pos += n;
      splitter.Commit(n, [&](const LineSplitter::Line& line) {
        benchmark::DoNotOptimize(line.text.data());
        ++lines;
      });
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.SetItemsProcessed(static_cast<int64_t>(lines));
}
BENCHMARK(BM_LineSplitter)->Arg(64 << 10)->Arg(256 << 10)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace logcap
