// SinkRunner::SubmitReplay: DLQ replays go ahead of the feed, and what the sink refuses again is
// reported back to the caller instead of being written to the DLQ a second time.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "dlq/dead_letter_queue.h"
#include "pipeline/memory_feed.h"
#include "pipeline/sink_runner.h"
#include "pipeline_test_util.h"
#include "scripted_sink.h"
#include "telemetry/metrics.h"
#include "testing/batch_builder.h"

namespace logcap {
namespace {

using pipeline_test::FastRetries;
using pipeline_test::MemoryRunner;
using pipeline_test::ReadDlq;
using pipeline_test::ScriptedSink;
using pipeline_test::TempDir;
using pipeline_test::WaitFor;
using testing::AckCounter;
using testing::MakeBatch;
using testing::MakeSource;

class SinkRunnerReplayTest : public ::testing::Test {
 protected:
  AckCounter acks;
  Metrics metrics;
  TempDir dir;
  std::shared_ptr<SourceInfo> source = MakeSource("/var/log/app.log");
  std::unique_ptr<DeadLetterQueue> dlq = pipeline_test::OpenDlq(dir.path() + "/dlq");
  ScriptedSink* sink = nullptr;
  MemoryFeed* feed = nullptr;
  std::unique_ptr<SinkRunner> runner;

  void Build(ScriptedSink::Script script) {
    auto owned = std::make_unique<ScriptedSink>("scripted", std::move(script));
    sink = owned.get();
    runner = MemoryRunner(std::move(owned), &feed, dlq.get(), FastRetries(), &metrics);
  }
  SharedBatch ReplayBatch(const std::vector<std::string>& lines) {
    return std::make_shared<const EventBatch>(MakeBatch(lines, source));  // replays carry no tokens
  }
  // Submits a replay; the future gets its final verdict.
  std::future<SinkResult> Submit(const std::vector<std::string>& lines) {
    auto promise = std::make_shared<std::promise<SinkResult>>();
    std::future<SinkResult> future = promise->get_future();
    EXPECT_TRUE(runner->SubmitReplay(ReplayBatch(lines), [promise](const SinkResult& r) { promise->set_value(r); }));
    return future;
  }
  void Stop() {
    runner->SetShutdownDeadline(MonotonicNowNanos() + 5 * kNanosPerSecond);
    runner->CloseAndJoin();
  }
};

TEST_F(SinkRunnerReplayTest, ReplayIsDeliveredAheadOfWhatTheFeedHolds) {
  Build(nullptr);
  // Both wait before the runner starts: the replay must still go first.
  ASSERT_TRUE(feed->Enqueue(std::make_shared<const EventBatch>(MakeBatch({"feed-1", "feed-2"}, source, &acks))));
  std::future<SinkResult> done = Submit({"replay-1"});
  ASSERT_TRUE(runner->Start().ok());
  const SinkResult result = done.get();
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(result.rejected.empty());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  Stop();
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"replay-1", "feed-1", "feed-2"}));
  EXPECT_EQ(acks.delivered, 1);
}

TEST_F(SinkRunnerReplayTest, EventsRejectedAgainAreReportedBackNotWrittenToTheDlq) {
  Build([](const EventBatch&, int) {
    SinkResult r = SinkResult::Ok();
    r.rejected.push_back({1, "bad_request", "still bad"});
    return r;
  });
  ASSERT_TRUE(runner->Start().ok());
  const SinkResult result = Submit({"fine", "still-bad", "fine-too"}).get();
  Stop();
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.rejected.size(), 1u);
  EXPECT_EQ(result.rejected[0].index, 1u);
  EXPECT_EQ(result.rejected[0].error, "still bad");
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"fine", "fine-too"}));
  EXPECT_TRUE(ReadDlq(*dlq).empty());
  EXPECT_EQ(dlq->Stats().written_total, 0u);
}

TEST_F(SinkRunnerReplayTest, WholeReplayRejectedAgainIsReportedBackNotWrittenToTheDlq) {
  Build([](const EventBatch&, int) { return SinkResult::Reject(Status::InvalidArgument("nope"), "bad_request"); });
  ASSERT_TRUE(runner->Start().ok());
  const SinkResult result = Submit({"a", "b"}).get();
  Stop();
  EXPECT_EQ(result.verdict, SinkVerdict::kReject);
  EXPECT_EQ(result.reason, "bad_request");
  EXPECT_TRUE(ReadDlq(*dlq).empty());
}

TEST_F(SinkRunnerReplayTest, TransientFailuresOfAReplayAreRetried) {
  Build([](const EventBatch&, int attempt) { return attempt <= 2 ? pipeline_test::FailTransient() : SinkResult::Ok(); });
  ASSERT_TRUE(runner->Start().ok());
  const SinkResult result = Submit({"again"}).get();
  Stop();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(sink->attempts("again"), 3);
}

TEST_F(SinkRunnerReplayTest, ReplayIsRefusedOnceShuttingDown) {
  Build(nullptr);
  ASSERT_TRUE(runner->Start().ok());
  runner->SetShutdownDeadline(MonotonicNowNanos() + 5 * kNanosPerSecond);
  bool called = false;
  EXPECT_FALSE(runner->SubmitReplay(ReplayBatch({"late"}), [&](const SinkResult&) { called = true; }));
  runner->CloseAndJoin();
  EXPECT_FALSE(called);
}

TEST_F(SinkRunnerReplayTest, ReplayStillQueuedWhenTheRunnerStopsIsAnsweredGaveUp) {
  Build(nullptr);
  // Never started: CloseAndJoin must still answer the waiting replay, or its caller waits forever.
  std::future<SinkResult> done = Submit({"orphan"});
  runner->CloseAndJoin();
  const SinkResult result = done.get();
  EXPECT_EQ(result.verdict, SinkVerdict::kRetry);
  EXPECT_EQ(sink->total_writes(), 0);
}

}  // namespace
}  // namespace logcap
