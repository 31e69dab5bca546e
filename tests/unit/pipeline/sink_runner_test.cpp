// SinkRunner fed from memory (disk buffer off): retries, Retry-After, rejections to the DLQ or
// counted as dropped, the breaker, and giving up at the shutdown deadline.
#include "pipeline/sink_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <vector>

#include "dlq/dead_letter_queue.h"
#include "pipeline/memory_feed.h"
#include "pipeline_test_util.h"
#include "scripted_sink.h"
#include "telemetry/metrics.h"
#include "testing/batch_builder.h"

namespace logcap {
namespace {

using pipeline_test::FailTransient;
using pipeline_test::FastRetries;
using pipeline_test::MemoryRunner;
using pipeline_test::MessageOf;
using pipeline_test::MetricValue;
using pipeline_test::ParseJson;
using pipeline_test::ReadDlq;
using pipeline_test::ScriptedSink;
using pipeline_test::TempDir;
using pipeline_test::WaitFor;
using testing::AckCounter;
using testing::MakeBatch;
using testing::MakeSource;

class SinkRunnerTest : public ::testing::Test {
 protected:
  // A log call that fails to format (e.g. reads a bad string) must fail the test, not just print.
  void SetUp() override {
    spdlog::set_error_handler([](const std::string& what) { ADD_FAILURE() << "spdlog error: " << what; });
  }
  void TearDown() override {
    runner.reset();  // its thread logs too
    spdlog::set_error_handler(nullptr);
  }

  // Declared first: destroyed after the runner, whose batches hold its tokens.
  AckCounter acks;
  Metrics metrics;
  TempDir dir;
  std::shared_ptr<SourceInfo> source = MakeSource("/var/log/app.log");
  ScriptedSink* sink = nullptr;
  MemoryFeed* feed = nullptr;
  std::unique_ptr<DeadLetterQueue> dlq;
  std::unique_ptr<SinkRunner> runner;

  void Build(ScriptedSink::Script script, bool with_dlq, SinkRunnerOptions options = FastRetries()) {
    if (with_dlq) dlq = pipeline_test::OpenDlq(dir.path() + "/dlq");
    auto owned = std::make_unique<ScriptedSink>("scripted", std::move(script));
    sink = owned.get();
    runner = MemoryRunner(std::move(owned), &feed, dlq.get(), options, &metrics);
  }
  void Enqueue(const std::vector<std::string>& lines) {
    ASSERT_TRUE(feed->Enqueue(std::make_shared<const EventBatch>(MakeBatch(lines, source, &acks))));
  }
  void Stop(Nanos grace = 5 * kNanosPerSecond) {
    runner->SetShutdownDeadline(MonotonicNowNanos() + grace);
    runner->CloseAndJoin();
  }
};

TEST_F(SinkRunnerTest, RetriesOnlyTheFailedBatchesOfAGroup) {
  Build([](const EventBatch& batch, int attempt) {
    if (ScriptedSink::KeyOf(batch) == "b2" && attempt <= 2) return FailTransient();
    return SinkResult::Ok();
  }, false);
  // Queued before the runner starts, so its first Take makes them one group.
  Enqueue({"b1", "b1-more"});
  Enqueue({"b2"});
  Enqueue({"b3"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 3; }));
  Stop();

  ASSERT_FALSE(sink->group_sizes().empty());
  EXPECT_EQ(sink->group_sizes().front(), 3u);
  EXPECT_EQ(sink->attempts("b1"), 1);
  EXPECT_EQ(sink->attempts("b3"), 1);
  EXPECT_EQ(sink->attempts("b2"), 3);
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"b1", "b1-more", "b3", "b2"}));
  EXPECT_EQ(acks.delivered, 3);
  EXPECT_EQ(MetricValue(metrics, "log_capturer_logs_sent_total{sink=\"scripted\",status=\"success\"}"), 4);
  EXPECT_EQ(MetricValue(metrics, "log_capturer_logs_sent_total{sink=\"scripted\",status=\"retry\"}"), 2);
}

TEST_F(SinkRunnerTest, GroupFillWaitsForMoreBatchesUpToItsLimits) {
  Build(nullptr, false);
  sink->set_group_fill({/*min_events=*/4, /*max_wait=*/5 * kNanosPerSecond});
  ASSERT_TRUE(runner->Start().ok());
  // Batches trickle in: the runner waits for the fourth event before handing the group over.
  for (const char* line : {"t1", "t2", "t3", "t4"}) {
    Enqueue({line});
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 4; }));
  EXPECT_EQ(sink->group_sizes(), (std::vector<size_t>{4}));

  // A group that never fills goes out once max_wait has passed.
  sink->set_group_fill({/*min_events=*/1000, /*max_wait=*/100 * kNanosPerMilli});
  Enqueue({"lonely"});
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 5; }));
  Stop();
  EXPECT_EQ(sink->group_sizes().back(), 1u);
  EXPECT_EQ(acks.delivered, 5);
}

TEST_F(SinkRunnerTest, ALookedAheadGroupIsHandedOverNextAsItWas) {
  Build(nullptr, false);
  sink->set_max_group_batches(2);
  sink->set_look_ahead(true);
  for (const char* line : {"b1", "b2", "b3", "b4", "b5"}) Enqueue({line});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 5; }));
  Stop();
  using Groups = std::vector<std::vector<std::string>>;
  EXPECT_EQ(sink->groups(), (Groups{{"b1", "b2"}, {"b3", "b4"}, {"b5"}}));
  // Each WriteGroup was shown the group that followed it; the last one saw nothing waiting.
  EXPECT_EQ(sink->looked_ahead(), (Groups{{"b3", "b4"}, {"b5"}, {}}));
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"b1", "b2", "b3", "b4", "b5"}));
  EXPECT_EQ(acks.delivered, 5);
}

TEST_F(SinkRunnerTest, RetriesOfAGroupComeBeforeTheGroupLookedAheadAndShowNothingMore) {
  Build([](const EventBatch& batch, int attempt) {
    if (ScriptedSink::KeyOf(batch) == "a1" && attempt == 1) return FailTransient();
    return SinkResult::Ok();
  }, false);
  sink->set_max_group_batches(1);
  sink->set_look_ahead(true);
  for (const char* line : {"a1", "a2", "a3"}) Enqueue({line});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 3; }));
  Stop();
  using Groups = std::vector<std::vector<std::string>>;
  EXPECT_EQ(sink->groups(), (Groups{{"a1"}, {"a1"}, {"a2"}, {"a3"}}));
  EXPECT_EQ(sink->looked_ahead(), (Groups{{"a2"}, {}, {"a3"}, {}})) << "one group ahead at most";
  EXPECT_EQ(acks.delivered, 3);
}

TEST_F(SinkRunnerTest, AGroupLookedAheadButNeverHandedOverIsFailedAtShutdown) {
  Build([](const EventBatch&, int) { return FailTransient("down"); }, false);
  sink->set_max_group_batches(1);
  sink->set_look_ahead(true);
  Enqueue({"first"});
  Enqueue({"ahead"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return !sink->looked_ahead().empty(); }));
  Stop(200 * kNanosPerMilli);
  EXPECT_EQ(sink->looked_ahead().front(), (std::vector<std::string>{"ahead"}));
  EXPECT_EQ(acks.failed, 2) << "neither may let its source move past it";
  EXPECT_EQ(acks.delivered, 0);
}

TEST_F(SinkRunnerTest, RetryAfterIsALowerBoundOnTheWaitEvenAboveTheMaxDelay) {
  constexpr Nanos kRetryAfter = 400 * kNanosPerMilli;
  SinkRunnerOptions options;
  options.retry_base_delay = 1 * kNanosPerMilli;
  options.retry_max_delay = 100 * kNanosPerMilli;  // the backoff alone would wait at most this
  Build([&](const EventBatch&, int attempt) {
    if (attempt == 1) return SinkResult::Retry(Status::Unavailable("HTTP 429"), kRetryAfter);
    return SinkResult::Ok();
  }, false, options);
  Enqueue({"throttled"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  Stop();

  const std::vector<Nanos> times = sink->write_times("throttled");
  ASSERT_EQ(times.size(), 2u);
  EXPECT_GE(times[1] - times[0], kRetryAfter);
  EXPECT_EQ(acks.delivered, 1);
}

TEST_F(SinkRunnerTest, RejectedEventsGoToTheDlqWithTheirDetailsAndTheRestCountDelivered) {
  const Nanos before = WallNowNanos();
  Build([](const EventBatch&, int attempt) {
    if (attempt == 1) return FailTransient("connection reset");
    SinkResult r = SinkResult::Ok();
    r.rejected.push_back({1, "bad_request", "HTTP 400: field x is invalid"});
    r.rejected.push_back({3, "too_large", "HTTP 413"});
    return r;
  }, true);
  Enqueue({"ok-0", "bad-1", "ok-2", "bad-3"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  Stop();

  EXPECT_EQ(acks.delivered, 1);  // every event is either delivered or kept in the DLQ
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"ok-0", "ok-2"}));
  const std::vector<DlqEntry> entries = ReadDlq(*dlq);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].sink, "scripted");
  EXPECT_EQ(entries[0].reason, "bad_request");
  EXPECT_EQ(entries[0].error, "HTTP 400: field x is invalid");
  EXPECT_EQ(entries[0].attempts, 2u);
  EXPECT_EQ(MessageOf(entries[0].event_json), "bad-1");
  EXPECT_EQ(entries[1].reason, "too_large");
  EXPECT_EQ(entries[1].error, "HTTP 413");
  EXPECT_EQ(MessageOf(entries[1].event_json), "bad-3");
  for (const DlqEntry& e : entries) {
    // The DLQ stores times at second precision or finer; allow a second of rounding.
    EXPECT_GE(e.first_attempt, before - kNanosPerSecond);
    EXPECT_GE(e.last_attempt, e.first_attempt);
  }

  const auto stats = ParseJson(runner->StatsJson());
  EXPECT_EQ(stats["delivered_events"].GetUint64(), 2u);
  EXPECT_EQ(stats["rejected_events"].GetUint64(), 2u);
  EXPECT_EQ(stats["dead_lettered_events"].GetUint64(), 2u);
  EXPECT_EQ(MetricValue(metrics, "log_capturer_dlq_entries_total{reason=\"bad_request\",sink=\"scripted\"}"), 1);
  EXPECT_EQ(MetricValue(metrics, "log_capturer_dlq_entries_total{reason=\"too_large\",sink=\"scripted\"}"), 1);
  EXPECT_EQ(MetricValue(metrics, "log_capturer_logs_sent_total{sink=\"scripted\",status=\"success\"}"), 2);
  EXPECT_EQ(MetricValue(metrics, "log_capturer_logs_dropped_total{reason=\"rejected\",stage=\"sink\"}"), 0);
}

TEST_F(SinkRunnerTest, DlqAttemptsAreThoseOfTheRejectedBatchNotOfItsWholeGroup) {
  Build([](const EventBatch& batch, int attempt) {
    if (ScriptedSink::KeyOf(batch) == "refused") return SinkResult::Reject(Status::InvalidArgument("bad"));
    if (attempt <= 3) return FailTransient();  // "slow" needs four attempts
    return SinkResult::Ok();
  }, true);
  Enqueue({"refused"});
  Enqueue({"slow"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 2; }));
  Stop();

  ASSERT_EQ(sink->group_sizes().front(), 2u);
  EXPECT_EQ(sink->attempts("refused"), 1);
  const std::vector<DlqEntry> entries = ReadDlq(*dlq);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].attempts, 1u);  // refused at once, whatever happened to "slow" afterwards
}

TEST_F(SinkRunnerTest, WholeBatchRejectPutsEveryEventInTheDlq) {
  Build([](const EventBatch&, int) { return SinkResult::Reject(Status::InvalidArgument("schema mismatch"), "bad_request"); },
        true);
  Enqueue({"r0", "r1", "r2"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  Stop();

  EXPECT_EQ(acks.delivered, 1);
  EXPECT_TRUE(sink->delivered().empty());
  const std::vector<DlqEntry> entries = ReadDlq(*dlq);
  ASSERT_EQ(entries.size(), 3u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(MessageOf(entries[i].event_json), "r" + std::to_string(i));
    EXPECT_EQ(entries[i].sink, "scripted");
    EXPECT_EQ(entries[i].reason, "bad_request");
    EXPECT_NE(entries[i].error.find("schema mismatch"), std::string::npos) << entries[i].error;
    EXPECT_EQ(entries[i].attempts, 1u);
  }
  EXPECT_EQ(MetricValue(metrics, "log_capturer_dlq_entries_total{reason=\"bad_request\",sink=\"scripted\"}"), 3);
  EXPECT_EQ(MetricValue(metrics, "log_capturer_logs_sent_total{sink=\"scripted\",status=\"failed\"}"), 3);
}

TEST_F(SinkRunnerTest, WithoutADlqRejectedEventsAreCountedDroppedAndAcknowledgedDropped) {
  Build([](const EventBatch& batch, int) {
    if (ScriptedSink::KeyOf(batch) == "whole") return SinkResult::Reject(Status::InvalidArgument("no"));
    SinkResult r = SinkResult::Ok();
    r.rejected.push_back({1, "bad_request", "HTTP 400"});
    return r;
  }, false);
  Enqueue({"part", "part-bad", "part-ok"});
  Enqueue({"whole", "whole-2"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 2; }));
  Stop();

  EXPECT_EQ(acks.dropped, 2);
  EXPECT_EQ(acks.delivered, 0);
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"part", "part-ok"}));
  EXPECT_EQ(MetricValue(metrics, "log_capturer_logs_dropped_total{reason=\"rejected\",stage=\"sink\"}"), 3);
  // The DLQ is off, not failing: nothing is counted as a DLQ write failure.
  EXPECT_EQ(MetricValue(metrics, "log_capturer_logs_dropped_total{reason=\"dlq_write_failed\",stage=\"dlq\"}"), 0);
}

TEST_F(SinkRunnerTest, ARejectedIndexOutsideTheBatchIsIgnoredWithoutHarm) {
  // A sink bug (an index past the end) must not crash the runner or lose the batch's events.
  Build([](const EventBatch&, int) {
    SinkResult r = SinkResult::Ok();
    r.rejected.push_back({7, "bad_request", "index out of range"});
    return r;
  }, true);
  Enqueue({"only"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  Stop();
  EXPECT_EQ(acks.delivered, 1);
  EXPECT_TRUE(ReadDlq(*dlq).empty());
  const auto stats = ParseJson(runner->StatsJson());
  EXPECT_EQ(stats["delivered_events"].GetUint64(), 1u);
  EXPECT_EQ(stats["rejected_events"].GetUint64(), 0u);
}

TEST_F(SinkRunnerTest, ARepeatedRejectedIndexIsStoredOnce) {
  Build([](const EventBatch&, int) {
    SinkResult r = SinkResult::Ok();
    r.rejected.push_back({0, "bad_request", "first"});
    r.rejected.push_back({0, "bad_request", "again"});
    return r;
  }, true);
  Enqueue({"dup", "fine"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  Stop();
  const std::vector<DlqEntry> entries = ReadDlq(*dlq);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].error, "first");
  EXPECT_EQ(ParseJson(runner->StatsJson())["delivered_events"].GetUint64(), 1u);
}

TEST_F(SinkRunnerTest, MisconfiguredFailureOpensTheBreakerAtOnce) {
  SinkRunnerOptions options = FastRetries(/*breaker_threshold=*/100);
  options.retry_max_delay = 60 * kNanosPerSecond;  // misconfigured waits this long: the breaker stays open
  Build([](const EventBatch&, int) { return SinkResult::Misconfigured(Status::Unavailable("HTTP 401 Unauthorized")); },
        false, options);
  Enqueue({"secret"});
  EXPECT_EQ(runner->circuit_state(), CircuitState::kClosed);
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return runner->circuit_state() == CircuitState::kOpen; }));
  EXPECT_EQ(sink->attempts("secret"), 1);  // one failure was enough, far below the threshold
  EXPECT_FALSE(runner->Healthy());
  EXPECT_NE(runner->last_error().find("401"), std::string::npos) << runner->last_error();
  EXPECT_EQ(MetricValue(metrics, "log_capturer_sink_circuit_state{sink=\"scripted\"}"), 2);
  // The shutdown deadline wakes the long wait; the data is kept (failed), not dropped.
  Stop(0);
  EXPECT_EQ(acks.failed, 1);
  EXPECT_EQ(acks.dropped, 0);
}

TEST_F(SinkRunnerTest, StillFailingAtTheShutdownDeadlineIsReportedFailed) {
  Build([](const EventBatch&, int) { return FailTransient("disk gone"); }, false);
  Enqueue({"stuck-1"});
  Enqueue({"stuck-2"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sink->attempts("stuck-1") >= 2; }));
  Stop(20 * kNanosPerMilli);

  EXPECT_EQ(acks.failed, 2);
  EXPECT_EQ(acks.delivered, 0);
  EXPECT_TRUE(sink->stopped());
  const auto stats = ParseJson(runner->StatsJson());
  EXPECT_EQ(stats["failed_events"].GetUint64(), 2u);
  EXPECT_FALSE(stats["healthy"].GetBool());
  EXPECT_EQ(feed->PendingBytes(), 0u);
}

TEST_F(SinkRunnerTest, BatchesNeverTakenBeforeTheDeadlineAreReportedFailed) {
  Build(nullptr, false);
  Enqueue({"never-1"});
  Enqueue({"never-2"});
  runner->SetShutdownDeadline(MonotonicNowNanos());  // passed before the runner takes anything
  ASSERT_TRUE(runner->Start().ok());
  runner->CloseAndJoin();
  EXPECT_EQ(acks.failed, 2);
  EXPECT_EQ(sink->total_writes(), 0);
}

TEST_F(SinkRunnerTest, ABreakerOpenedByFailuresClosesAgainOnSuccess) {
  Build([](const EventBatch&, int attempt) { return attempt <= 3 ? FailTransient() : SinkResult::Ok(); }, false,
        FastRetries(/*breaker_threshold=*/2));
  Enqueue({"flaky"});
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  EXPECT_EQ(runner->circuit_state(), CircuitState::kClosed);
  EXPECT_TRUE(runner->Healthy());
  EXPECT_EQ(runner->last_error(), "");
  EXPECT_EQ(MetricValue(metrics, "log_capturer_sink_circuit_state{sink=\"scripted\"}"), 0);
  Stop();
  EXPECT_EQ(acks.delivered, 1);
}

}  // namespace
}  // namespace logcap
