// Container log decoding, the per-line hot path of the container source: Docker json-file records
// (DockerJsonDecoder: its fast path for Docker's own layout, simdjson for the rest) and CRI lines
// (ParseCriLine), each followed by the PartialJoiner (which returns complete records without
// copying them).
//
// Input: 10,000 lines of ~200 bytes each (a JSON application log and an access log, alternating,
// stdout and stderr), every 50th line written as 2 parts (10,200 records). items_per_second
// counts records; ns per record = 1e9 / items_per_second.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "sources/container/cri_line.h"
#include "sources/container/docker_json_record.h"
#include "sources/container/partial_joiner.h"
#include "sources/container/time_parse_cache.h"

namespace logcap {
namespace {

constexpr size_t kLines = 10000;

// ~150-byte messages; with the record's framing ~200 bytes a line.
std::vector<std::string> Messages() {
  std::mt19937_64 rng(42);
  std::vector<std::string> out;
  for (size_t i = 0; i < kLines; ++i) {
    if (i % 2 == 0) {
      out.push_back(R"({"level":"info","service":"checkout","msg":"order placed","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","user_id":)" +
                    std::to_string(rng() % 100000) + ",\"seq\":" + std::to_string(i) + "}");
    } else {
      out.push_back("10.0.0." + std::to_string(rng() % 256) +
                    R"x( - - [24/Nov/2026:07:00:00 +0000] "GET /api/v1/items/42 HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64)" seq=)x" +
                    std::to_string(i));
    }
  }
  return out;
}

std::string JsonEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::vector<std::string> DockerLines() {
  std::vector<std::string> out;
  size_t i = 0;
  for (const std::string& m : Messages()) {
    const std::string stream = i % 3 == 0 ? "stderr" : "stdout";
    const std::string time = "\",\"stream\":\"" + stream + "\",\"time\":\"2026-11-24T07:00:00." +
                             std::to_string(100000000 + i) + "Z\"}";
    if (i % 50 == 0) {  // a long line cut in two (Docker does it at 16 KiB)
      out.push_back("{\"log\":\"" + JsonEscape(m.substr(0, 60)) + time);
      out.push_back("{\"log\":\"" + JsonEscape(m.substr(60)) + "\\n" + time);
    } else {
      out.push_back("{\"log\":\"" + JsonEscape(m) + "\\n" + time);
    }
    ++i;
  }
  return out;
}

std::vector<std::string> CriLines() {
  std::vector<std::string> out;
  size_t i = 0;
  for (const std::string& m : Messages()) {
    const std::string prefix = "2026-11-24T07:00:00." + std::to_string(100000000 + i) + "Z " +
                               (i % 3 == 0 ? "stderr" : "stdout");
    if (i % 50 == 0) {
      out.push_back(prefix + " P " + m.substr(0, 60));
      out.push_back(prefix + " F " + m.substr(60));
    } else {
      out.push_back(prefix + " F " + m);
    }
    ++i;
  }
  return out;
}

int64_t TotalBytes(const std::vector<std::string>& lines) {
  int64_t n = 0;
  for (const std::string& l : lines) n += static_cast<int64_t>(l.size()) + 1;
  return n;
}

void BM_DockerJsonDecode(benchmark::State& state) {
  const std::vector<std::string> lines = DockerLines();
  DockerJsonDecoder decoder;
  PartialJoiner joiner(1 << 20);
  for (auto _ : state) {
    for (const std::string& line : lines) {
      DockerJsonRecord r;
      if (!decoder.Decode(line, &r).ok()) state.SkipWithError("decode failed");
      auto joined = joiner.Add(r.stream, r.log, r.time, !r.partial);
      if (joined) benchmark::DoNotOptimize(joined->text.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.SetBytesProcessed(state.iterations() * TotalBytes(lines));
}
BENCHMARK(BM_DockerJsonDecode)->Unit(benchmark::kMicrosecond);

// The decoder alone: no joiner.
void BM_DockerJsonDecodeOnly(benchmark::State& state) {
  const std::vector<std::string> lines = DockerLines();
  DockerJsonDecoder decoder;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      DockerJsonRecord r;
      if (!decoder.Decode(line, &r).ok()) state.SkipWithError("decode failed");
      benchmark::DoNotOptimize(r.log.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.SetBytesProcessed(state.iterations() * TotalBytes(lines));
}
BENCHMARK(BM_DockerJsonDecodeOnly)->Unit(benchmark::kMicrosecond);

// The decoder alone, general path only (simdjson, no fast path): what the fast path saves.
void BM_DockerJsonDecodeGeneralOnly(benchmark::State& state) {
  const std::vector<std::string> lines = DockerLines();
  DockerJsonDecoder decoder;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      DockerJsonRecord r;
      if (!decoder.DecodeGeneral(line, &r).ok()) state.SkipWithError("decode failed");
      benchmark::DoNotOptimize(r.log.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.SetBytesProcessed(state.iterations() * TotalBytes(lines));
}
BENCHMARK(BM_DockerJsonDecodeGeneralOnly)->Unit(benchmark::kMicrosecond);

void BM_CriDecode(benchmark::State& state) {
  const std::vector<std::string> lines = CriLines();
  PartialJoiner joiner(1 << 20);
  TimeParseCache times;
  const bool cached = state.range(0) != 0;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      CriLine l;
      if (!ParseCriLine(line, &l, cached ? &times : nullptr).ok()) state.SkipWithError("parse failed");
      auto joined = joiner.Add(l.stream, l.message, l.time, !l.partial);
      if (joined) benchmark::DoNotOptimize(joined->text.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.SetBytesProcessed(state.iterations() * TotalBytes(lines));
}
// Arg: 1 = with a TimeParseCache (as the source will run it), 0 = a full time parse per line.
BENCHMARK(BM_CriDecode)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace logcap
