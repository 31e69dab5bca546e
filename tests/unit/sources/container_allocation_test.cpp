// The container decoders' per-line path does not allocate once warm: Docker json-file records
// (DockerJsonDecoder: its fast path, with and without escapes, and simdjson's), CRI lines
// (ParseCriLine) and the PartialJoiner, complete records and joined parts alike. Counts calls to
// the global operator new (testing/allocation_counter.h replaces it for this test binary).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sources/container/cri_line.h"
#include "sources/container/docker_json_record.h"
#include "sources/container/partial_joiner.h"
#include "testing/allocation_counter.h"

namespace logcap {
namespace {

TEST(ContainerAllocationTest, TheCounterCountsAllocations) {
  static char* volatile escaped = nullptr;  // volatile: the compiler may not elide the new
  testing::AllocationCounter allocations;
  escaped = new char[64];
  delete[] escaped;
  allocations.Stop();
  EXPECT_EQ(allocations.count(), 1u);
}

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
    } else if (i % 10 == 3) {  // attrs: not the fast path's layout, simdjson's
      docker.push_back("{\"log\":\"GET /api/items/" + n + " 200\\n\",\"stream\":\"" + stream +
                       "\",\"attrs\":{\"tag\":\"web\"},\"time\":\"" + time + "\"}");
      cri.push_back(time + " " + stream + " F GET /api/items/" + n + " 200");
    } else if (i % 2 == 0) {  // escapes: unescaped into the decoder's buffer
      docker.push_back("{\"log\":\"GET /api/items/" + n + " 200 \\u003cok\\u003e\\n" + tail);
      cri.push_back(time + " " + stream + " F GET /api/items/" + n + " 200");
    } else {  // none but the newline: a view into the line (the fast path)
      docker.push_back("{\"log\":\"GET /api/items/" + n + " 200 ok\\n" + tail);
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
  testing::AllocationCounter allocations;
  bool ok = true;
  for (int round = 0; round < 10; ++round) ok &= run();
  allocations.Stop();
  ASSERT_TRUE(ok);
  EXPECT_EQ(allocations.count(), 0u);
  EXPECT_EQ(lines, 11u * 200u);
}

}  // namespace
}  // namespace logcap
