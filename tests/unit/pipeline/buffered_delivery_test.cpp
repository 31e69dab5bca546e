// The buffered path: BufferedOutput -> Wal -> one BufferFeed (cursor) per sink -> SinkRunner.
// Sources are acknowledged when the record is durable; each sink reads and commits on its own;
// cursors survive a close and reopen; a batch given up at shutdown stays for the next start.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "buffer/wal.h"
#include "pipeline/buffer_feed.h"
#include "pipeline/buffered_output.h"
#include "pipeline/sink_runner.h"
#include "pipeline_test_util.h"
#include "scripted_sink.h"
#include "telemetry/metrics.h"
#include "testing/batch_builder.h"

namespace logcap {
namespace {

using pipeline_test::FailTransient;
using pipeline_test::FastRetries;
using pipeline_test::ScriptedSink;
using pipeline_test::TempDir;
using pipeline_test::WaitFor;
using testing::AckCounter;
using testing::MakeBatch;
using testing::MakeSource;

constexpr Nanos kQuickSync = 10 * kNanosPerMilli;
constexpr Nanos kNeverSync = 3600 * kNanosPerSecond;  // only Close() syncs within a test

class BufferedDeliveryTest : public ::testing::Test {
 protected:
  // Order matters for destruction: runners (holding WalReaders) go before the Wal, the Wal (holding
  // durable callbacks, i.e. tokens) before the AckCounter.
  AckCounter acks;
  Metrics metrics;
  TempDir dir;
  std::shared_ptr<SourceInfo> source = MakeSource("/var/log/app.log");
  std::unique_ptr<Wal> wal;
  std::unique_ptr<BufferedOutput> output;
  std::vector<std::unique_ptr<SinkRunner>> runners;

  void OpenWal(Nanos sync_interval = kQuickSync, uint64_t max_total_size = 1ull << 30) {
    WalOptions options;
    options.directory = dir.path() + "/buffer";
    options.max_total_size = max_total_size;
    options.max_segment_size = std::min<uint64_t>(options.max_segment_size, max_total_size);
    options.sync_interval = sync_interval;
    options.cursor_save_interval = 20 * kNanosPerMilli;
    Status s = Wal::Open(options, &wal, nullptr);
    ASSERT_TRUE(s.ok()) << s.ToString();
    output = std::make_unique<BufferedOutput>(wal.get(), &metrics);
  }
  // Opens the sink's reader now (a new reader starts at the current end); starts it if asked. The
  // sink lives as long as its runner: read what it recorded before CloseAll().
  ScriptedSink* AddSink(const std::string& name, ScriptedSink::Script script, bool start = true) {
    std::unique_ptr<WalReader> reader;
    Status s = wal->OpenReader(name, &reader);
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto feed = std::make_unique<BufferFeed>(std::move(reader), wal.get(), &metrics);
    auto sink = std::make_unique<ScriptedSink>(name, std::move(script));
    ScriptedSink* raw = sink.get();
    runners.push_back(std::make_unique<SinkRunner>(std::move(sink), std::move(feed), nullptr, FastRetries(), &metrics));
    if (start) {
      EXPECT_TRUE(runners.back()->Start().ok());
    }
    return raw;
  }
  // What the dispatcher does with a processed batch: Prepare, then Deliver.
  void Deliver(const std::vector<std::string>& lines) {
    PreparedBatch prepared;
    prepared.batch = MakeBatch(lines, source, &acks);
    output->Prepare(prepared);
    output->Deliver(std::move(prepared));
  }
  int64_t PendingRecords(const std::string& reader) const {
    for (const WalReaderStats& r : wal->Stats().readers) {
      if (r.name == reader) return static_cast<int64_t>(r.pending_records);
    }
    return -1;
  }
  void StopRunners(Nanos grace = 5 * kNanosPerSecond) {
    const Nanos deadline = MonotonicNowNanos() + grace;
    for (auto& r : runners) r->SetShutdownDeadline(deadline);
    for (auto& r : runners) r->CloseAndJoin();
  }
  // The agent's order at shutdown: runners, then the Wal (sync, cursors saved).
  void CloseAll(Nanos grace = 5 * kNanosPerSecond) {
    StopRunners(grace);
    runners.clear();
    output.reset();
    wal->Close();
    wal.reset();
  }
};

TEST_F(BufferedDeliveryTest, ABatchTooBigForTheWholeBufferIsSplitAndEveryEventDelivered) {
  OpenWal(kQuickSync, 256 * 1024);
  ScriptedSink* sink = AddSink("a", nullptr);
  // ~600 KiB in one batch: more than the whole buffer may hold, so it is stored in parts.
  std::vector<std::string> lines;
  for (int i = 0; i < 60; ++i) lines.push_back(std::to_string(i) + std::string(10 * 1024, 'x'));
  Deliver(lines);
  ASSERT_TRUE(WaitFor([&] { return sink->delivered_count() == lines.size(); }));
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  EXPECT_EQ(acks.delivered, 1);
  const std::vector<std::string> got = sink->delivered();
  ASSERT_EQ(got.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(got[i], lines[i]) << i;  // in order
  CloseAll();
}

TEST_F(BufferedDeliveryTest, ASingleEventThatCanNeverFitIsDroppedCountedAndAcknowledgedDropped) {
  OpenWal(kQuickSync, 128 * 1024);
  AddSink("a", nullptr);
  Deliver({std::string(200 * 1024, 'y')});
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  EXPECT_EQ(acks.dropped, 1);
  EXPECT_NE(metrics.Serialize().find("log_capturer_logs_dropped_total{reason=\"too_large\",stage=\"buffer\"} 1"),
            std::string::npos);
  CloseAll();
}

TEST_F(BufferedDeliveryTest, SourceAcksWaitForTheRecordToBeDurableNotForTheSink) {
  OpenWal(kNeverSync);
  ScriptedSink* sink = AddSink("a", nullptr);
  Deliver({"d1", "d2"});
  EXPECT_EQ(acks.total(), 0);
  // The record is visible to the sink before it is synced; its delivery does not acknowledge it.
  ASSERT_TRUE(WaitFor([&] { return sink->delivered_count() == 2 && PendingRecords("a") == 0; }));
  EXPECT_EQ(acks.total(), 0);
  StopRunners();
  EXPECT_EQ(acks.total(), 0);
  wal->Close();  // syncs: now the record is durable
  EXPECT_EQ(acks.delivered, 1);
  EXPECT_EQ(acks.total(), 1);
}

TEST_F(BufferedDeliveryTest, TheBackgroundSyncReleasesAcksEvenWhileTheSinkFails) {
  OpenWal(kQuickSync);
  ScriptedSink* sink = AddSink("down", [](const EventBatch&, int) { return FailTransient("far side down"); });
  Deliver({"kept"});
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  EXPECT_EQ(acks.delivered, 1);  // safe on disk: the source may move on
  EXPECT_TRUE(sink->delivered().empty());
  EXPECT_EQ(PendingRecords("down"), 1);
  CloseAll(0);
}

TEST_F(BufferedDeliveryTest, EachSinkReadsThroughItsOwnCursorAndAFailingOneIsRetriedAlone) {
  OpenWal();
  std::atomic<bool> b_down{true};
  ScriptedSink* a = AddSink("a", nullptr);
  ScriptedSink* b = AddSink("b", [&](const EventBatch&, int) { return b_down ? FailTransient() : SinkResult::Ok(); });
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    const std::string key = "m" + std::to_string(i);
    Deliver({key, key + "-x"});
    expected.push_back(key);
    expected.push_back(key + "-x");
  }
  // The healthy sink is done, and its cursor moved, while the other still fails.
  ASSERT_TRUE(WaitFor([&] { return a->delivered_count() == 10 && PendingRecords("a") == 0; }));
  ASSERT_TRUE(WaitFor([&] { return b->attempts("m0") >= 2; }));
  EXPECT_TRUE(b->delivered().empty());
  EXPECT_EQ(PendingRecords("b"), 5);
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 5; }));  // durable: acknowledged regardless of b

  b_down = false;
  ASSERT_TRUE(WaitFor([&] { return b->delivered_count() == 10 && PendingRecords("b") == 0; }));
  StopRunners();
  EXPECT_EQ(a->delivered(), expected);
  EXPECT_EQ(b->delivered(), expected);
  for (int i = 0; i < 5; ++i) {
    const std::string key = "m" + std::to_string(i);
    EXPECT_EQ(a->attempts(key), 1) << key;  // never retried because of b
    EXPECT_EQ(b->accepted(key), 1) << key;
  }
  EXPECT_EQ(acks.delivered, 5);
}

TEST_F(BufferedDeliveryTest, AfterReopenOnlyTheSinkThatHadNotFinishedGetsTheBatchesAgain) {
  OpenWal();
  ScriptedSink* a = AddSink("a", nullptr);
  ScriptedSink* b = AddSink("b", [](const EventBatch&, int) { return FailTransient(); });
  Deliver({"r1"});
  Deliver({"r2"});
  Deliver({"r3"});
  ASSERT_TRUE(WaitFor([&] { return a->delivered_count() == 3 && PendingRecords("a") == 0; }));
  ASSERT_TRUE(WaitFor([&] { return b->total_writes() >= 1; }));
  CloseAll(20 * kNanosPerMilli);  // b gives up at the deadline; the cursors are saved at Close

  OpenWal();
  ScriptedSink* a2 = AddSink("a", nullptr);
  ScriptedSink* b2 = AddSink("b", nullptr);
  ASSERT_TRUE(WaitFor([&] { return b2->delivered_count() == 3; }));
  EXPECT_EQ(b2->delivered(), (std::vector<std::string>{"r1", "r2", "r3"}));
  // a reads in order: once it has a new record, it would have had any older one first.
  Deliver({"fresh"});
  ASSERT_TRUE(WaitFor([&] { return a2->delivered_count() >= 1 && b2->delivered_count() == 4; }));
  StopRunners();
  EXPECT_EQ(a2->delivered(), (std::vector<std::string>{"fresh"}));
}

TEST_F(BufferedDeliveryTest, ABatchGivenUpAtShutdownKeepsTheCursorBeforeIt) {
  OpenWal();
  // Queued before the runner starts, so r1..r3 form one group: r1 and r3 succeed, r2 never does.
  ScriptedSink* sink = AddSink("s", [](const EventBatch& batch, int) {
    return ScriptedSink::KeyOf(batch) == "r2" ? FailTransient() : SinkResult::Ok();
  }, /*start=*/false);
  Deliver({"r1"});
  Deliver({"r2"});
  Deliver({"r3"});
  ASSERT_TRUE(runners.back()->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sink->attempts("r2") >= 2; }));
  StopRunners(20 * kNanosPerMilli);
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"r1", "r3"}));
  // r1 committed; r2 failed and r3, after it, stays uncommitted too.
  EXPECT_EQ(PendingRecords("s"), 2);
  CloseAll();

  OpenWal();
  ScriptedSink* again = AddSink("s", nullptr);
  ASSERT_TRUE(WaitFor([&] { return again->delivered_count() == 2 && PendingRecords("s") == 0; }));
  StopRunners();
  EXPECT_EQ(again->delivered(), (std::vector<std::string>{"r2", "r3"}));  // r3 twice in all: at-least-once
}

TEST_F(BufferedDeliveryTest, FeedStatsReportWhatIsPendingForTheSink) {
  OpenWal();
  AddSink("s", [](const EventBatch&, int) { return FailTransient(); });
  Deliver({"p1", "p2"});
  EXPECT_GT(runners.back()->feed().PendingBytes(), 0u);
  const auto stats = pipeline_test::ParseJson(runners.back()->feed().StatsJson());
  EXPECT_STREQ(stats["kind"].GetString(), "disk_buffer");
  EXPECT_EQ(stats["pending_records"].GetUint64(), 1u);
  EXPECT_EQ(stats["pending_events"].GetUint64(), 2u);
  EXPECT_EQ(stats["committed_batches"].GetUint64(), 0u);
  CloseAll(0);
}

}  // namespace
}  // namespace logcap
