// The hot path does not allocate per record: a steady stream of Append and Next reuses buffers.
// Counts calls to the global operator new (testing/allocation_counter.h replaces it for this test
// binary).
#include <gtest/gtest.h>

#include "testing/allocation_counter.h"
#include "wal_test_util.h"

namespace logcap {
namespace {

using namespace logcap::testing;

TEST(AllocationTest, SteadyAppendAndNextDoNotAllocatePerRecord) {
  TempDir dir;
  WalOptions o = TestOptions(dir.path());
  o.max_total_size = 1ull << 30;
  o.max_segment_size = 64ull << 20;  // no rollover in the measured window
  o.sync_interval = 3600 * kNanosPerSecond;
  for (bool compress : {false, true}) {
    o.compress = compress;
    auto wal = OpenWal(o);
    std::unique_ptr<WalReader> reader;
    ASSERT_TRUE(wal->OpenReader("r", &reader).ok());
    const std::string record = Numbered(1, 100000);
    std::string payload;
    WalRecordId id;
    uint32_t events = 0;
    constexpr int kRecords = 200;
    // Warm up: buffers reach their sizes, vectors their capacities.
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(wal->Append(record, 1000, 0, nullptr).ok());
      ASSERT_TRUE(reader->Next(&payload, &id, &events, 0));
    }
    logcap::testing::AllocationCounter allocations;
    bool ok = true;
    for (int i = 0; i < kRecords; ++i) {
      ok &= wal->Append(record, 1000, 0, nullptr).ok();
      ok &= reader->Next(&payload, &id, &events, 0);
    }
    allocations.Stop();
    ASSERT_TRUE(ok);
    // Index and pending-callback vectors still double now and then: a handful, not one a record.
    EXPECT_LE(allocations.count(), 12u) << "compress=" << compress;
    reader.reset();
  }
}

}  // namespace
}  // namespace logcap
