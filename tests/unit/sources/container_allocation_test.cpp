// The container decoders' per-line path does not allocate once warm: Docker json-file records
// (DockerJsonDecoder), CRI lines (ParseCriLine) and the PartialJoiner, complete records and joined
// parts alike. Counts calls to the global operator new, replaced for this test binary (it counts
// only while a test of this file enables it; every other test is unaffected).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "sources/container/cri_line.h"
#include "sources/container/docker_json_record.h"
#include "sources/container/partial_joiner.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// The array and nothrow forms too (libsimdjson allocates with them): every form of delete frees
// with free, so every form of new must come from malloc, or ASan reports a mismatch.
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](size_t n, const std::nothrow_t& tag) noexcept { return operator new(n, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void* operator new[](size_t n) { return operator new(n); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace logcap {
namespace {

TEST(ContainerAllocationTest, DecodingAndJoiningDoNotAllocatePerLine) {
  std::vector<std::string> docker, cri;
  for (int i = 0; i < 100; ++i) {
    const std::string n = std::to_string(i);
    const std::string stream = i % 3 == 0 ? "stderr" : "stdout";
    const std::string time = "2026-11-24T07:00:00." + std::to_string(100000000 + i) + "Z";
    const std::string tail = "\",\"stream\":\"" + stream + "\",\"time\":\"" + time + "\"}";
    if (i % 10 == 0) {  // a line in two parts
      docker.push_back("{\"log\":\"part one of " + n + " caf\\u00e9 \\\"q\\\" " + tail);
      docker.push_back("{\"log\":\"part two\\n" + tail);
      cri.push_back(time + " " + stream + " P part one of " + n);
      cri.push_back(time + " " + stream + " F part two");
    } else {
      docker.push_back("{\"log\":\"GET /api/items/" + n + " 200 \\u003cok\\u003e\\n" + tail);
      cri.push_back(time + " " + stream + " F GET /api/items/" + n + " 200");
    }
  }
  DockerJsonDecoder decoder;
  PartialJoiner joiner(1 << 20);
  size_t lines = 0;
  auto run = [&] {
    bool ok = true;
    for (const std::string& line : docker) {
      DockerJsonRecord r;
      ok &= decoder.Decode(line, &r).ok();
      if (auto joined = joiner.Add(r.stream, r.log, r.time, !r.partial)) lines += joined->text.size() > 0;
    }
    for (const std::string& line : cri) {
      CriLine l;
      ok &= ParseCriLine(line, &l).ok();
      if (auto joined = joiner.Add(l.stream, l.message, l.time, !l.partial)) lines += joined->text.size() > 0;
    }
    return ok;
  };
  ASSERT_TRUE(run());  // warm up: the decoder's buffers and the joiner's reach their sizes
  g_allocations = 0;
  g_counting = true;
  bool ok = true;
  for (int round = 0; round < 10; ++round) ok &= run();
  g_counting = false;
  ASSERT_TRUE(ok);
  EXPECT_EQ(g_allocations.load(), 0u);
  EXPECT_EQ(lines, 11u * 200u);
}

}  // namespace
}  // namespace logcap
