#include "pipeline/dispatcher.h"

#include <gtest/gtest.h>

#include "pipeline/direct_output.h"
#include "pipeline/memory_feed.h"
#include "pipeline/sink_runner.h"

#include <chrono>
#include <mutex>
#include <thread>

#include "telemetry/metrics.h"
#include "testing/batch_builder.h"

namespace logcap {
namespace {

using testing::AckCounter;
using testing::MakeBatch;
using testing::MakeSource;

// A sink that records messages; can be told to fail a number of times, or to block.
class RecordingSink : public Sink {
 public:
  explicit RecordingSink(std::string name = "recording") : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  Status Start() override { return Status::Ok(); }
  SinkResult Write(const EventBatch& batch) override {
    std::lock_guard lock(mu_);
    if (fail_writes_ > 0) {
      --fail_writes_;
      return SinkResult::Retry(Status::IoError("injected"));
    }
    if (reject_all_) return SinkResult::Reject(Status::InvalidArgument("bad data"));
    for (const Event& e : batch.events()) messages_.emplace_back(e.message);
    return SinkResult::Ok();
  }
  SinkResult Flush() override {
    std::lock_guard lock(mu_);
    if (fail_flushes_always_) return SinkResult::Retry(Status::IoError("disk gone"));
    ++flushes_;
    return SinkResult::Ok();
  }
  void Stop() override {}

  std::vector<std::string> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  void FailNextWrites(int n) {
    std::lock_guard lock(mu_);
    fail_writes_ = n;
  }
  void RejectAll() {
    std::lock_guard lock(mu_);
    reject_all_ = true;
  }
  void FailFlushesForever() {
    std::lock_guard lock(mu_);
    fail_flushes_always_ = true;
  }

 private:
  std::string name_;
  std::mutex mu_;
  std::vector<std::string> messages_;
  int fail_writes_ = 0;
  bool reject_all_ = false;
  bool fail_flushes_always_ = false;
  int flushes_ = 0;
};

DispatcherConfig MakeConfig(uint64_t queue_size, uint64_t batch_size, uint64_t workers, std::string policy = "block") {
  DispatcherConfig c;
  c.queue_size = queue_size;
  c.batch_size = batch_size;
  c.batch_timeout = std::chrono::milliseconds(20);
  c.worker_count = workers;
  c.backpressure = std::move(policy);
  return c;
}

template <typename Pred>
bool WaitFor(Pred pred, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

SinkRunnerOptions FastRetries() {
  SinkRunnerOptions options;
  options.retry_base_delay = 5 * kNanosPerMilli;
  options.retry_max_delay = 50 * kNanosPerMilli;
  return options;
}

// A runner fed from memory, as the agent builds one when the disk buffer is off.
std::unique_ptr<SinkRunner> MemoryRunner(std::unique_ptr<Sink> sink, Metrics* metrics, MemoryFeed** feed) {
  auto owned = std::make_unique<MemoryFeed>();
  *feed = owned.get();
  return std::make_unique<SinkRunner>(std::move(sink), std::move(owned), nullptr, FastRetries(), metrics);
}

struct Pipeline {
  Metrics metrics;
  ProcessorChain processors;
  RecordingSink* sink_a;
  RecordingSink* sink_b;
  MemoryFeed* feed_a;
  MemoryFeed* feed_b;
  std::unique_ptr<SinkRunner> runner_a;
  std::unique_ptr<SinkRunner> runner_b;
  std::unique_ptr<DirectOutput> output;
  std::unique_ptr<Dispatcher> dispatcher;

  explicit Pipeline(const DispatcherConfig& config) {
    auto a = std::make_unique<RecordingSink>("a");
    auto b = std::make_unique<RecordingSink>("b");
    sink_a = a.get();
    sink_b = b.get();
    runner_a = MemoryRunner(std::move(a), &metrics, &feed_a);
    runner_b = MemoryRunner(std::move(b), &metrics, &feed_b);
    EXPECT_TRUE(runner_a->Start().ok());
    EXPECT_TRUE(runner_b->Start().ok());
    output = std::make_unique<DirectOutput>(std::vector<MemoryFeed*>{feed_a, feed_b});
    dispatcher = std::make_unique<Dispatcher>(config, &processors, output.get(), &metrics);
    dispatcher->Start();
  }
  void Shutdown(Nanos grace = 5 * kNanosPerSecond) {
    const Nanos deadline = MonotonicNowNanos() + grace;
    output->SetShutdownDeadline(deadline);
    runner_a->SetShutdownDeadline(deadline);
    runner_b->SetShutdownDeadline(deadline);
    dispatcher->CloseInput();
    dispatcher->Drain();
    runner_a->CloseAndJoin();
    runner_b->CloseAndJoin();
  }
};

TEST(Dispatcher, KeepsPerSourceOrderAcrossParallelWorkersAndFansOutToEverySink) {
  Pipeline p(MakeConfig(10000, 7, 4));
  AckCounter acks;
  auto source = MakeSource("/var/log/a.log");
  std::vector<std::string> expected;
  for (int b = 0; b < 300; ++b) {
    std::vector<std::string> lines;
    for (int i = 0; i < 3; ++i) lines.push_back("line-" + std::to_string(b * 3 + i));
    expected.insert(expected.end(), lines.begin(), lines.end());
    ASSERT_TRUE(p.dispatcher->Push(MakeBatch(lines, source, &acks)));
  }
  p.Shutdown();
  EXPECT_EQ(p.sink_a->messages(), expected);
  EXPECT_EQ(p.sink_b->messages(), expected);
  EXPECT_EQ(acks.delivered, 300);
  EXPECT_EQ(acks.total(), 300);
}

TEST(Dispatcher, RetriesAFailingSinkAloneWithoutResendingToTheOther) {
  Pipeline p(MakeConfig(1000, 10, 1));
  p.sink_b->FailNextWrites(3);
  AckCounter acks;
  auto source = MakeSource("s");
  ASSERT_TRUE(p.dispatcher->Push(MakeBatch({"x", "y"}, source, &acks)));
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  p.Shutdown();
  EXPECT_EQ(p.sink_a->messages(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(p.sink_b->messages(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(acks.delivered, 1);
}

TEST(Dispatcher, RejectedBatchIsCountedDroppedAndAcknowledgedAsDropped) {
  Pipeline p(MakeConfig(1000, 10, 1));
  p.sink_a->RejectAll();
  AckCounter acks;
  ASSERT_TRUE(p.dispatcher->Push(MakeBatch({"bad"}, MakeSource("s"), &acks)));
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  p.Shutdown();
  EXPECT_EQ(acks.dropped, 1);
  // No DLQ here: the rejected event is counted as dropped, with the reason.
  EXPECT_NE(p.metrics.Serialize().find("log_capturer_logs_dropped_total{reason=\"rejected\",stage=\"sink\"} 1"),
            std::string::npos);
}

TEST(Dispatcher, SinkStillFailingAtShutdownDeadlineReportsFailedNotDelivered) {
  Pipeline p(MakeConfig(1000, 10, 1));
  p.sink_a->FailFlushesForever();
  AckCounter acks;
  ASSERT_TRUE(p.dispatcher->Push(MakeBatch({"keep me"}, MakeSource("s"), &acks)));
  p.Shutdown(300 * kNanosPerMilli);
  EXPECT_EQ(acks.failed, 1);
  EXPECT_EQ(acks.delivered, 0);
}

TEST(Dispatcher, DropNewestCountsEveryDiscardedEvent) {
  Metrics metrics;
  ProcessorChain processors;
  // No workers started: the queue fills and stays full.
  DirectOutput nowhere({});
  Dispatcher dispatcher(MakeConfig(4, 10, 1, "drop_newest"), &processors, &nowhere, &metrics);
  AckCounter acks;
  auto source = MakeSource("s");
  EXPECT_TRUE(dispatcher.Push(MakeBatch({"1", "2", "3"}, source, &acks)));
  EXPECT_TRUE(dispatcher.Push(MakeBatch({"4", "5"}, source, &acks)));  // does not fit: dropped
  EXPECT_EQ(acks.dropped, 1);
  EXPECT_EQ(dispatcher.queued_events(), 3u);
  EXPECT_NE(metrics.Serialize().find("log_capturer_logs_dropped_total{reason=\"queue_full\",stage=\"queue\"} 2"),
            std::string::npos);
  dispatcher.CloseInput();
}

TEST(Dispatcher, DropOldestEvictsQueuedBatchesToMakeRoom) {
  Metrics metrics;
  ProcessorChain processors;
  DirectOutput nowhere({});
  Dispatcher dispatcher(MakeConfig(4, 10, 1, "drop_oldest"), &processors, &nowhere, &metrics);
  AckCounter acks;
  auto source = MakeSource("s");
  EXPECT_TRUE(dispatcher.Push(MakeBatch({"1", "2"}, source, &acks)));
  EXPECT_TRUE(dispatcher.Push(MakeBatch({"3", "4"}, source, &acks)));
  EXPECT_TRUE(dispatcher.Push(MakeBatch({"5", "6"}, source, &acks)));  // evicts {1,2}
  EXPECT_EQ(acks.dropped, 1);
  EXPECT_EQ(dispatcher.queued_events(), 4u);
  dispatcher.CloseInput();
}

TEST(Dispatcher, BlockPolicyPausesThePusherUntilThereIsRoom) {
  Metrics metrics;
  ProcessorChain processors;
  MemoryFeed* feed = nullptr;
  auto runner_owner = MemoryRunner(std::make_unique<RecordingSink>("slow"), &metrics, &feed);
  SinkRunner& runner = *runner_owner;
  DirectOutput output({feed});
  Dispatcher dispatcher(MakeConfig(2, 2, 1, "block"), &processors, &output, &metrics);
  AckCounter acks;
  auto source = MakeSource("s");
  ASSERT_TRUE(dispatcher.Push(MakeBatch({"1", "2"}, source, &acks)));
  std::atomic<bool> second_done{false};
  std::thread pusher([&] {
    EXPECT_TRUE(dispatcher.Push(MakeBatch({"3", "4"}, source, &acks)));
    second_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(second_done.load());  // the queue is full and nothing consumes yet
  ASSERT_TRUE(runner.Start().ok());
  dispatcher.Start();
  pusher.join();
  EXPECT_TRUE(second_done.load());
  runner.SetShutdownDeadline(MonotonicNowNanos() + 5 * kNanosPerSecond);
  dispatcher.CloseInput();
  dispatcher.Drain();
  runner.CloseAndJoin();
  EXPECT_EQ(acks.delivered, 2);
}

TEST(Dispatcher, CloseInputReleasesABlockedPusherWithFailed) {
  Metrics metrics;
  ProcessorChain processors;
  DirectOutput nowhere({});
  Dispatcher dispatcher(MakeConfig(1, 1, 1, "block"), &processors, &nowhere, &metrics);
  AckCounter acks;
  auto source = MakeSource("s");
  ASSERT_TRUE(dispatcher.Push(MakeBatch({"1"}, source, &acks)));
  std::thread pusher([&] { EXPECT_FALSE(dispatcher.Push(MakeBatch({"2"}, source, &acks))); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  dispatcher.CloseInput();
  pusher.join();
  EXPECT_EQ(acks.failed, 1);
}

}  // namespace
}  // namespace logcap
