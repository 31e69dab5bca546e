// Disk buffer (Wal) throughput: appends of ~100 KiB records (1,000 log lines, a dispatcher
// batch) with compression off and on and sync_interval 100 ms, read-back, and both at once as a
// pipeline would run them. Also CRC32C alone.
//
// Bytes per second count payload bytes (the lines), so the figures compare directly with source
// read rates. "cpu_per_GB" is the CPU-seconds of the whole process (appending, reading and sync
// threads) per GB of payload; "core_at_150MBps" is the share of one core the buffer would take in
// a pipeline doing 150 MB/s (~1 M lines/s).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "buffer/crc32c.h"
#include "buffer/record_codec.h"
#include "buffer/wal.h"

namespace logcap {
namespace {

constexpr size_t kLinesPerRecord = 1000;
constexpr size_t kDistinctRecords = 16;

// Log-like text: JSON application lines, nginx access lines and Java-style lines with varying
// numbers, ids and paths (the shape of bench/loggen's output).
std::vector<std::string> MakeRecords() {
  std::mt19937 rng(42);
  auto R = [&rng] { return static_cast<unsigned>(rng()); };
  const char* paths[] = {"/api/v1/users", "/healthz", "/static/app.js", "/api/v1/orders/12345/items", "/login"};
  const char* levels[] = {"info", "debug", "warn", "error"};
  std::vector<std::string> records;
  char line[600];
  for (size_t r = 0; r < kDistinctRecords; ++r) {
    std::string rec;
    for (size_t i = 0; i < kLinesPerRecord; ++i) {
      switch (R() % 3) {
        case 0:
          snprintf(line, sizeof(line),
                   "{\"ts\":\"2026-11-23T10:%02u:%02u.%03uZ\",\"level\":\"%s\",\"service\":\"checkout\",\"msg\":"
                   "\"request completed\",\"trace_id\":\"%08x%08x\",\"user_id\":%u,\"path\":\"%s\",\"latency_ms\":%u}\n",
                   R() % 60, R() % 60, R() % 1000, levels[R() % 4], R(), R(), R() % 100000, paths[R() % 5], R() % 900);
          break;
        case 1:
          snprintf(line, sizeof(line),
                   "10.%u.%u.%u - - [23/Nov/2026:10:%02u:%02u +0000] \"GET %s?page=%u HTTP/1.1\" %u %u \"-\" "
                   "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0\"\n",
                   R() % 256, R() % 256, R() % 256, R() % 60, R() % 60, paths[R() % 5], R() % 50, 200 + (R() % 4) * 100,
                   R() % 50000);
          break;
        default:
          snprintf(line, sizeof(line),
                   "2026-11-23 10:%02u:%02u,%03u INFO  [worker-%u] com.example.OrderService - processed order %u for "
                   "customer %u in %u ms (cache hit ratio 0.%02u)\n",
                   R() % 60, R() % 60, R() % 1000, R() % 16, R(), R() % 100000, R() % 900, R() % 100);
          break;
      }
      rec += line;
    }
    records.push_back(std::move(rec));
  }
  return records;
}

const std::vector<std::string>& Records() {
  static const std::vector<std::string> records = MakeRecords();
  return records;
}

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

class TempWalDir {
 public:
  TempWalDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "wal-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempWalDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

WalOptions BenchOptions(const std::string& dir, bool compress) {
  WalOptions o;
  o.directory = dir;
  o.max_total_size = 2ull << 30;
  o.sync_interval = 100 * kNanosPerMilli;
  o.compress = compress;
  return o;
}

std::unique_ptr<Wal> OpenOrDie(const WalOptions& o) {
  std::unique_ptr<Wal> wal;
  Status s = Wal::Open(o, &wal, nullptr);
  if (!s.ok()) {
    fprintf(stderr, "open: %s\n", s.ToString().c_str());
    std::abort();
  }
  return wal;
}

void Report(benchmark::State& state, uint64_t bytes, uint64_t records, double cpu) {
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(records * kLinesPerRecord), benchmark::Counter::kIsRate);
  const double cpu_per_byte = bytes > 0 ? cpu / static_cast<double>(bytes) : 0;
  state.counters["cpu_per_GB"] = cpu_per_byte * 1e9;
  state.counters["core_at_150MBps"] = cpu_per_byte * 150e6;
}

// Appends alone. No reader is registered, so synced segments are deleted and the disk stays
// small; the fdatasync every 100 ms and the deletions are part of the cost.
void BM_WalAppend(benchmark::State& state) {
  const bool compress = state.range(0) != 0;
  TempWalDir dir;
  auto wal = OpenOrDie(BenchOptions(dir.path(), compress));
  const auto& records = Records();
  uint64_t bytes = 0, n = 0;
  const double cpu0 = ProcessCpuSeconds();
  for (auto _ : state) {
    const std::string& r = records[n % records.size()];
    Status s = wal->Append(r, kLinesPerRecord, 0, nullptr);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    bytes += r.size();
    ++n;
  }
  wal->Close();  // the last sync belongs to the cost
  Report(state, bytes, n, ProcessCpuSeconds() - cpu0);
}
BENCHMARK(BM_WalAppend)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Reads back what was appended (from the page cache, as a sink keeping up would), committing
// every record. Appending each batch is excluded from the time.
void BM_WalRead(benchmark::State& state) {
  const bool compress = state.range(0) != 0;
  TempWalDir dir;
  auto wal = OpenOrDie(BenchOptions(dir.path(), compress));
  std::unique_ptr<WalReader> reader;
  if (!wal->OpenReader("sink", &reader).ok()) std::abort();
  const auto& records = Records();
  constexpr int kBatch = 64;
  uint64_t bytes = 0, n = 0;
  double cpu = 0;
  std::string payload;
  WalRecordId id;
  uint32_t events;
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < kBatch; ++i) {
      if (!wal->Append(records[i % records.size()], kLinesPerRecord, 0, nullptr).ok()) std::abort();
    }
    const double cpu0 = ProcessCpuSeconds();
    state.ResumeTiming();
    for (int i = 0; i < kBatch; ++i) {
      if (!reader->Next(&payload, &id, &events, 0)) state.SkipWithError("missing record");
      bytes += payload.size();
      reader->Commit(id);
    }
    benchmark::DoNotOptimize(payload.data());
    cpu += ProcessCpuSeconds() - cpu0;
    n += kBatch;
  }
  reader.reset();
  wal->Close();
  Report(state, bytes, n, cpu);
}
BENCHMARK(BM_WalRead)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// The pipeline shape: one thread appends, one sink thread reads and commits, cursors are saved
// every second and segments deleted behind the reader. Time and CPU cover both.
void BM_WalAppendAndRead(benchmark::State& state) {
  const bool compress = state.range(0) != 0;
  TempWalDir dir;
  WalOptions o = BenchOptions(dir.path(), compress);
  o.max_total_size = 256ull << 20;  // a slow reader would block the writer, as in production
  auto wal = OpenOrDie(o);
  std::unique_ptr<WalReader> reader;
  if (!wal->OpenReader("sink", &reader).ok()) std::abort();
  const auto& records = Records();
  constexpr int kBatch = 64;
  uint64_t bytes = 0, n = 0;
  const double cpu0 = ProcessCpuSeconds();
  for (auto _ : state) {
    std::thread sink([&] {
      std::string payload;
      WalRecordId id;
      uint32_t events;
      for (int i = 0; i < kBatch; ++i) {
        if (!reader->Next(&payload, &id, &events, MonotonicNowNanos() + 10 * kNanosPerSecond)) std::abort();
        reader->Commit(id);
      }
    });
    for (int i = 0; i < kBatch; ++i) {
      const std::string& r = records[(n + static_cast<uint64_t>(i)) % records.size()];
      if (!wal->Append(r, kLinesPerRecord, 0, nullptr).ok()) std::abort();
      bytes += r.size();
    }
    sink.join();
    n += kBatch;
  }
  reader.reset();
  wal->Close();
  Report(state, bytes, n, ProcessCpuSeconds() - cpu0);
}
BENCHMARK(BM_WalAppendAndRead)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// The record framing alone, with zstd level 1: its speed and the ratio on log text.
void BM_RecordCompress(benchmark::State& state) {
  RecordEncoder encoder;
  const auto& records = Records();
  uint64_t in = 0, out = 0, n = 0;
  for (auto _ : state) {
    std::string_view head, body;
    const std::string& r = records[n++ % records.size()];
    encoder.Encode(r, kLinesPerRecord, /*compress=*/true, &head, &body);
    in += r.size();
    out += head.size() + body.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(in));
  state.counters["ratio"] = out > 0 ? static_cast<double>(in) / static_cast<double>(out) : 0;
}
BENCHMARK(BM_RecordCompress);

void BM_Crc32c(benchmark::State& state) {
  const std::string& data = Records()[0];
  const bool hardware = state.range(0) != 0;
  if (hardware && !crc32c::internal::HardwareAvailable()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(hardware ? crc32c::internal::ExtendHardware(0, data.data(), data.size())
                                      : crc32c::internal::ExtendPortable(0, data.data(), data.size()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Crc32c)->Arg(0)->Arg(1);

}  // namespace
}  // namespace logcap
