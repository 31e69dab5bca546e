#include "sources/common/ack_tracker.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace logcap {
namespace {

TEST(AckTracker, OutOfOrderAcksCommitOnlyTheContiguousPrefix) {
  AckTracker t(7, 100);
  const uint64_t a = t.Register(110), b = t.Register(120), c = t.Register(130);
  EXPECT_EQ(t.committed_offset(), 100u);
  t.Finalize(c, DeliveryOutcome::kDelivered);
  EXPECT_EQ(t.committed_offset(), 100u);
  t.Finalize(b, DeliveryOutcome::kDelivered);
  EXPECT_EQ(t.committed_offset(), 100u);
  t.Finalize(a, DeliveryOutcome::kDelivered);
  EXPECT_EQ(t.committed_offset(), 130u);
  EXPECT_EQ(t.pending(), 0u);
}

TEST(AckTracker, FailedBatchIsAHoleThePositionNeverPasses) {
  AckTracker t(1, 0);
  const uint64_t a = t.Register(10), b = t.Register(20), c = t.Register(30);
  t.Finalize(a, DeliveryOutcome::kDelivered);
  t.Finalize(b, DeliveryOutcome::kFailed);
  t.Finalize(c, DeliveryOutcome::kDelivered);
  EXPECT_EQ(t.committed_offset(), 10u);
  EXPECT_TRUE(t.has_failed());
  // Later batches never move it either, and a repeated ack cannot fill the hole.
  t.Finalize(b, DeliveryOutcome::kDelivered);
  const uint64_t d = t.Register(40);
  t.Finalize(d, DeliveryOutcome::kDelivered);
  EXPECT_EQ(t.committed_offset(), 10u);
}

TEST(AckTracker, DroppedBatchesMayBePassed) {
  AckTracker t(1, 0);
  const uint64_t a = t.Register(10), b = t.Register(20);
  t.Finalize(b, DeliveryOutcome::kDropped);
  t.Finalize(a, DeliveryOutcome::kDelivered);
  EXPECT_EQ(t.committed_offset(), 20u);
}

TEST(AckTracker, UnknownTicketsAreIgnored) {
  AckTracker t(1, 5);
  t.Finalize(42, DeliveryOutcome::kDelivered);
  const uint64_t a = t.Register(10);
  t.Finalize(a, DeliveryOutcome::kDelivered);
  t.Finalize(a, DeliveryOutcome::kFailed);  // already committed
  EXPECT_EQ(t.committed_offset(), 10u);
  EXPECT_FALSE(t.has_failed());
}

TEST(AckTracker, TokenReportsWorstOutcomeWhenReleasedEvenAfterOwnerIsGone) {
  AckTokenPtr t1, t2;
  std::weak_ptr<AckTracker> weak;
  {
    auto tracker = std::make_shared<AckTracker>(3, 0);
    weak = tracker;
    t1 = AckTracker::MakeToken(tracker, 10);
    t2 = AckTracker::MakeToken(tracker, 20);
  }
  ASSERT_FALSE(weak.expired());  // the tokens keep it alive
  t2->Report(DeliveryOutcome::kDelivered);
  t2.reset();
  EXPECT_EQ(weak.lock()->committed_offset(), 0u);
  t1->Report(DeliveryOutcome::kDropped);
  t1.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(AckTracker, ConcurrentAcksFromManyThreadsCommitEverything) {
  auto tracker = std::make_shared<AckTracker>(1, 0);
  constexpr int kBatches = 4000;
  std::vector<AckTokenPtr> tokens;
  for (int i = 1; i <= kBatches; ++i) tokens.push_back(AckTracker::MakeToken(tracker, static_cast<uint64_t>(i) * 10));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&tokens, t] {
      // Each thread releases every 4th token, from the back: acks arrive out of order.
      for (int i = kBatches - 1 - t; i >= 0; i -= 4) tokens[static_cast<size_t>(i)].reset();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(tracker->committed_offset(), static_cast<uint64_t>(kBatches) * 10);
  EXPECT_EQ(tracker->pending(), 0u);
}

}  // namespace
}  // namespace logcap
