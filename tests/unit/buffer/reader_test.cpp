// Readers and space: cursors, segment deletion, kBlock and kDropOldest.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "buffer/file_util.h"
#include "wal_test_util.h"

namespace logcap {
namespace {

using namespace logcap::testing;

class ReaderTest : public ::testing::Test {
 protected:
  TempDir dir_;
  WalOptions options_ = TestOptions(dir_.path());

  std::unique_ptr<WalReader> Reader(Wal* wal, const std::string& name) {
    std::unique_ptr<WalReader> r;
    Status s = wal->OpenReader(name, &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }

  // Small segments so that a few records span several of them.
  void SmallSegments() {
    options_.max_total_size = 4ull << 20;
    options_.max_segment_size = 64 << 10;
  }
};

TEST_F(ReaderTest, TwoReadersAtDifferentSpeedsEachSeeEveryRecordInOrder) {
  auto wal = OpenWal(options_);
  auto fast = Reader(wal.get(), "fast");
  auto slow = Reader(wal.get(), "slow");
  std::vector<std::string> expected;
  for (int i = 0; i < 100; ++i) {
    expected.push_back(Numbered(i, 50 + static_cast<size_t>(i) * 37));
    ASSERT_TRUE(AppendNoWait(wal.get(), expected.back(), static_cast<uint32_t>(i)).ok());
  }
  std::vector<std::string> slow_got;
  ReadRecord r;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(slow->Next(&r.payload, &r.id, &r.events, 0));
    EXPECT_EQ(r.events, static_cast<uint32_t>(i));
    slow_got.push_back(r.payload);
  }
  EXPECT_EQ(Payloads(ReadAvailable(fast.get())), expected);
  for (const auto& rec : ReadAvailable(slow.get())) slow_got.push_back(rec.payload);
  EXPECT_EQ(slow_got, expected);
  WalStats st = wal->Stats();
  EXPECT_EQ(st.records_appended, 100u);
  EXPECT_EQ(st.events_appended, 4950u);
  ASSERT_EQ(st.readers.size(), 2u);
  EXPECT_EQ(st.readers[0].pending_records, 100u) << "nothing committed yet";
  EXPECT_EQ(st.readers[0].pending_events, 4950u);
}

TEST_F(ReaderTest, NewReaderStartsAtTheEnd) {
  auto wal = OpenWal(options_);
  ASSERT_TRUE(AppendNoWait(wal.get(), "old").ok());
  auto reader = Reader(wal.get(), "late");
  EXPECT_TRUE(ReadAvailable(reader.get()).empty());
  ASSERT_TRUE(AppendNoWait(wal.get(), "new").ok());
  EXPECT_EQ(Payloads(ReadAvailable(reader.get())), std::vector<std::string>{"new"});
}

TEST_F(ReaderTest, AnyReaderNameMapsToASafeCursorFile) {
  const std::string name = "../loki sink/ü%2F.";
  {
    auto wal = OpenWal(options_);
    auto reader = Reader(wal.get(), name);
    ASSERT_TRUE(AppendNoWait(wal.get(), "a").ok());
    ASSERT_TRUE(AppendNoWait(wal.get(), "b").ok());
    auto got = ReadAvailable(reader.get());
    reader->Commit(got[0].id);
    reader.reset();
    wal->Close();
  }
  std::vector<std::string> files;
  ASSERT_TRUE(fileutil::ListDir(walfiles::ReadersDir(dir_.path()), &files).ok());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].find('/'), std::string::npos);
  EXPECT_NE(files[0][0], '.');
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), name);
  EXPECT_EQ(Payloads(ReadAvailable(reader.get())), std::vector<std::string>{"b"});
  EXPECT_EQ(wal->Stats().readers[0].name, name);
  std::unique_ptr<WalReader> too_long;
  EXPECT_EQ(wal->OpenReader(std::string(100, '/'), &too_long).code(), Status::Code::kInvalidArgument);
}

TEST_F(ReaderTest, OpeningTheSameNameTwiceIsAnError) {
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), "sink");
  std::unique_ptr<WalReader> again;
  EXPECT_EQ(wal->OpenReader("sink", &again).code(), Status::Code::kInvalidArgument);
  reader.reset();
  EXPECT_TRUE(wal->OpenReader("sink", &again).ok()) << "allowed again once the first is destroyed";
}

TEST_F(ReaderTest, AReaderOpenedAgainGetsWhatItsPredecessorReadButDidNotCommit) {
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), "sink");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(AppendNoWait(wal.get(), Numbered(i)).ok());
  auto got = ReadAvailable(reader.get());
  ASSERT_EQ(got.size(), 4u);
  reader->Commit(got[0].id);
  reader.reset();  // e.g. the sink is re-created by a configuration reload
  reader = Reader(wal.get(), "sink");
  EXPECT_EQ(Payloads(ReadAvailable(reader.get())), (std::vector<std::string>{Numbered(1), Numbered(2), Numbered(3)}));
}

TEST_F(ReaderTest, ResumesAfterTheCheckpointedCursor) {
  {
    auto wal = OpenWal(options_);
    auto reader = Reader(wal.get(), "sink");
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(AppendNoWait(wal.get(), Numbered(i)).ok());
    auto got = ReadAvailable(reader.get());
    ASSERT_EQ(got.size(), 10u);
    reader->Commit(got[4].id);
    ASSERT_TRUE(reader->Checkpoint().ok());
    reader.reset();
    wal->CrashForTesting();
  }
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), "sink");
  auto got = ReadAvailable(reader.get());
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].payload, Numbered(5));
}

TEST_F(ReaderTest, UncheckpointedCommitsAreReadAgainAfterACrash) {
  options_.cursor_save_interval = 3600 * kNanosPerSecond;
  {
    auto wal = OpenWal(options_);
    auto reader = Reader(wal.get(), "sink");
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(AppendNoWait(wal.get(), Numbered(i)).ok());
    auto got = ReadAvailable(reader.get());
    reader->Commit(got[1].id);
    ASSERT_TRUE(reader->Checkpoint().ok());
    reader->Commit(got[4].id);  // not persisted before the crash
    reader.reset();
    wal->CrashForTesting();
  }
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), "sink");
  auto got = ReadAvailable(reader.get());
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].payload, Numbered(2));
}

TEST_F(ReaderTest, CloseSavesCommittedCursors) {
  options_.cursor_save_interval = 3600 * kNanosPerSecond;
  {
    auto wal = OpenWal(options_);
    auto reader = Reader(wal.get(), "sink");
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(AppendNoWait(wal.get(), Numbered(i)).ok());
    auto got = ReadAvailable(reader.get());
    reader->Commit(got[1].id);
    reader.reset();
    wal->Close();
  }
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), "sink");
  EXPECT_EQ(Payloads(ReadAvailable(reader.get())), std::vector<std::string>{Numbered(2)});
}

TEST_F(ReaderTest, SegmentsAreDeletedOnlyAfterEveryPersistedCursorPassesThem) {
  SmallSegments();
  options_.cursor_save_interval = 3600 * kNanosPerSecond;  // only Checkpoint persists
  auto wal = OpenWal(options_);
  auto a = Reader(wal.get(), "a");
  auto b = Reader(wal.get(), "b");
  for (int i = 0; i < 40; ++i) AppendDurable(wal.get(), Numbered(i, 10000));
  const size_t segments = wal->Stats().segments;
  ASSERT_GE(segments, 5u);

  auto got_a = ReadAvailable(a.get());
  a->Commit(got_a.back().id);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(wal->Stats().segments, segments) << "a's commit is not persisted yet";
  ASSERT_TRUE(a->Checkpoint().ok());
  EXPECT_EQ(wal->Stats().segments, segments) << "b still needs them";

  auto got_b = ReadAvailable(b.get());
  b->Commit(got_b[19].id);
  ASSERT_TRUE(b->Checkpoint().ok());
  const size_t after_half = wal->Stats().segments;
  EXPECT_LT(after_half, segments);
  EXPECT_GT(after_half, 1u);
  EXPECT_EQ(SegmentFiles(dir_.path()).size(), after_half);

  b->Commit(got_b.back().id);
  ASSERT_TRUE(b->Checkpoint().ok());
  EXPECT_EQ(wal->Stats().segments, 1u) << "only the segment being written remains";
  EXPECT_EQ(SegmentFiles(dir_.path()).size(), 1u);
}

TEST_F(ReaderTest, RetainReadersForgetsRemovedSinksAndFreesTheirSegments) {
  SmallSegments();
  auto wal = OpenWal(options_);
  Reader(wal.get(), "gone");  // known, then closed: its cursor stays at the start
  auto kept = Reader(wal.get(), "kept");
  for (int i = 0; i < 30; ++i) AppendDurable(wal.get(), Numbered(i, 10000));
  auto got = ReadAvailable(kept.get());
  kept->Commit(got.back().id);
  ASSERT_TRUE(kept->Checkpoint().ok());
  EXPECT_GT(wal->Stats().segments, 2u) << "'gone' still holds them";
  EXPECT_EQ(wal->RetainReaders({"other"}).code(), Status::Code::kInvalidArgument) << "'kept' is open";
  ASSERT_TRUE(wal->RetainReaders({"kept"}).ok());
  EXPECT_EQ(wal->Stats().segments, 1u);
  EXPECT_EQ(wal->Stats().readers.size(), 1u);
  EXPECT_FALSE(fileutil::Exists(walfiles::CursorPath(dir_.path(), "gone")));
}

TEST_F(ReaderTest, WithoutReadersSegmentsAreDeletedOnceSynced) {
  SmallSegments();
  auto wal = OpenWal(options_);
  for (int i = 0; i < 30; ++i) AppendDurable(wal.get(), Numbered(i, 10000));
  for (int i = 0; i < 100 && wal->Stats().segments > 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(wal->Stats().segments, 1u);
}

TEST_F(ReaderTest, BlockedAppendResumesWhenAReaderCommits) {
  options_.max_total_size = 256 << 10;
  options_.cursor_save_interval = 3600 * kNanosPerSecond;  // the commit must still free space promptly
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), "sink");
  int appended = 0;
  while (true) {
    Status s = wal->Append(Numbered(appended, 10000), 1, MonotonicNowNanos() + 20 * kNanosPerMilli, nullptr);
    if (!s.ok()) {
      ASSERT_TRUE(s.IsUnavailable()) << s.ToString();
      break;
    }
    ++appended;
    ASSERT_LT(appended, 100);
  }
  std::atomic<bool> done{false};
  std::thread writer([&] {
    Status s = wal->Append(Numbered(1000, 10000), 1, 0, nullptr);
    EXPECT_TRUE(s.ok()) << s.ToString();
    done = true;
  });
  for (int i = 0; i < 100 && !wal->Stats().full; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_TRUE(wal->Stats().full);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(done) << "must wait while the reader holds everything";

  auto got = ReadAvailable(reader.get());
  ASSERT_EQ(got.size(), static_cast<size_t>(appended));
  reader->Commit(got.back().id);
  writer.join();
  EXPECT_TRUE(done);
  EXPECT_FALSE(wal->Stats().full);
  EXPECT_EQ(Payloads(ReadAvailable(reader.get(), 100 * kNanosPerMilli)), std::vector<std::string>{Numbered(1000, 10000)});
}

TEST_F(ReaderTest, DeadlineOnAFullBufferReturnsUnavailableWithoutWriting) {
  options_.max_total_size = 256 << 10;
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), "sink");
  Status s;
  int appended = 0;
  while ((s = wal->Append(Numbered(appended, 10000), 1, MonotonicNowNanos() + 10 * kNanosPerMilli, nullptr)).ok()) {
    ++appended;
  }
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_EQ(s.message(), "disk buffer full");
  const Nanos start = MonotonicNowNanos();
  bool called = false;
  s = wal->Append(Numbered(999, 10000), 1, start + 50 * kNanosPerMilli, [&](const Status&) { called = true; });
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_GE(MonotonicNowNanos() - start, 45 * kNanosPerMilli);
  EXPECT_EQ(wal->Stats().records_appended, static_cast<uint64_t>(appended));
  EXPECT_EQ(ReadAvailable(reader.get()).size(), static_cast<size_t>(appended));
  wal->Close();
  EXPECT_FALSE(called) << "on_durable is not called for a refused record";
}

TEST_F(ReaderTest, DropOldestCountsLostEventsExactly) {
  options_.max_total_size = 256 << 10;
  options_.when_full = WalOptions::WhenFull::kDropOldest;
  auto wal = OpenWal(options_);
  std::atomic<uint64_t> lost{0};
  wal->SetDropCallback([&](uint64_t n) { lost += n; });
  auto reader = Reader(wal.get(), "slow");
  auto other = Reader(wal.get(), "fast");
  uint64_t events_total = 0;
  for (int i = 0; i < 200; ++i) {
    const uint32_t events = 1 + static_cast<uint32_t>(i % 7);
    events_total += events;
    ASSERT_TRUE(AppendNoWait(wal.get(), Numbered(i, 5000), events).ok());
    ReadAvailable(other.get());  // "fast" keeps up: it loses nothing, "slow" is the slowest
  }
  const WalStats st = wal->Stats();
  EXPECT_LE(st.disk_bytes, options_.max_total_size);
  EXPECT_GT(st.dropped_events, 0u);
  EXPECT_EQ(st.dropped_events, lost.load());
  uint64_t events_read = 0, records_read = 0;
  int first = -1;
  for (const auto& r : ReadAvailable(reader.get())) {
    events_read += r.events;
    ++records_read;
    if (first < 0) first = std::stoi(r.payload.substr(7));
  }
  EXPECT_EQ(events_read + st.dropped_events, events_total) << "every event is either read or counted lost";
  EXPECT_EQ(records_read + st.dropped_records, 200u);
  EXPECT_EQ(static_cast<uint64_t>(first), st.dropped_records) << "the oldest were dropped";
}

TEST_F(ReaderTest, DropOldestWhileTheReaderIsMidSegmentSkipsToTheNextSegment) {
  options_.max_total_size = 256 << 10;
  options_.when_full = WalOptions::WhenFull::kDropOldest;
  auto wal = OpenWal(options_);
  uint64_t lost = 0;
  wal->SetDropCallback([&](uint64_t n) { lost += n; });
  auto reader = Reader(wal.get(), "r");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(AppendNoWait(wal.get(), Numbered(i, 5000)).ok());
  ReadRecord r;
  ASSERT_TRUE(reader->Next(&r.payload, &r.id, &r.events, 0));
  ASSERT_TRUE(reader->Next(&r.payload, &r.id, &r.events, 0));
  for (int i = 5; i < 200; ++i) ASSERT_TRUE(AppendNoWait(wal.get(), Numbered(i, 5000)).ok());
  auto rest = ReadAvailable(reader.get());
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.size() + 2 + lost, 200u);
  EXPECT_EQ(rest.back().payload, Numbered(199, 5000));
}

TEST_F(ReaderTest, CloseWakesABlockedNextAndABlockedAppend) {
  options_.max_total_size = 256 << 10;
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), "r");
  auto idle = Reader(wal.get(), "idle");
  while (wal->Append(Numbered(0, 10000), 1, MonotonicNowNanos() + 5 * kNanosPerMilli, nullptr).ok()) {
  }
  ReadAvailable(reader.get());
  std::thread next([&] {
    std::string p;
    WalRecordId id;
    uint32_t n;
    EXPECT_FALSE(reader->Next(&p, &id, &n, MonotonicNowNanos() + 60 * kNanosPerSecond));
  });
  std::thread append([&] { EXPECT_TRUE(wal->Append(Numbered(0, 10000), 1, 0, nullptr).IsUnavailable()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  wal->Close();
  next.join();
  append.join();
}

TEST_F(ReaderTest, NextWaitsForANewRecordUntilItsDeadline) {
  auto wal = OpenWal(options_);
  auto reader = Reader(wal.get(), "r");
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_TRUE(AppendNoWait(wal.get(), "late").ok());
  });
  ReadRecord r;
  EXPECT_TRUE(reader->Next(&r.payload, &r.id, &r.events, MonotonicNowNanos() + 10 * kNanosPerSecond));
  EXPECT_EQ(r.payload, "late");
  writer.join();
  const Nanos start = MonotonicNowNanos();
  EXPECT_FALSE(reader->Next(&r.payload, &r.id, &r.events, start + 20 * kNanosPerMilli));
  EXPECT_GE(MonotonicNowNanos() - start, 19 * kNanosPerMilli);
}

TEST_F(ReaderTest, DurableCallbacksRunOnceInAppendOrder) {
  for (Nanos interval : {Nanos{0}, 2 * kNanosPerMilli}) {
    TempDir dir;
    WalOptions o = TestOptions(dir.path());
    o.sync_interval = interval;
    o.max_segment_size = 64 << 10;
    auto wal = OpenWal(o);
    std::mutex mu;
    std::vector<int> order;
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(wal->Append(Numbered(i, 5000), 1, 0, [&, i](const Status& s) {
                     EXPECT_TRUE(s.ok());
                     std::lock_guard<std::mutex> l(mu);
                     order.push_back(i);
                   }).ok());
      if (interval == 0) {
        std::lock_guard<std::mutex> l(mu);
        EXPECT_EQ(order.size(), static_cast<size_t>(i + 1)) << "synced before Append returns";
      }
    }
    wal->Close();
    std::vector<int> expected(50);
    for (int i = 0; i < 50; ++i) expected[i] = i;
    EXPECT_EQ(order, expected);
  }
}

}  // namespace
}  // namespace logcap
