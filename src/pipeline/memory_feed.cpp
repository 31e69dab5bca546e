#include "pipeline/memory_feed.h"

#include <algorithm>

#include "core/json_object.h"

namespace logcap {

namespace {
// Waits are sliced so that a shutdown deadline set while we wait is noticed.
constexpr Nanos kWaitSlice = 100 * kNanosPerMilli;
}  // namespace

bool MemoryFeed::Enqueue(SharedBatch batch) {
  const uint64_t bytes = batch->message_bytes();
  pending_bytes_ += bytes;  // counted before the push: a runner may finish it at once
  for (;;) {
    const Nanos wait_until = deadline_.Clamp(kWaitSlice);
    // Push moves from batch only when it succeeds.
    auto result = queue_.Push(std::move(batch), 1, wait_until);
    if (result == BoundedQueue<SharedBatch>::PushResult::kOk) return true;
    if (result == BoundedQueue<SharedBatch>::PushResult::kClosed ||
        deadline_.Passed()) {
      pending_bytes_ -= bytes;
      batch->ReportOutcome(DeliveryOutcome::kFailed);
      ++refused_batches_;
      return false;
    }
  }
}

size_t MemoryFeed::Take(std::vector<FeedItem>& out, size_t max_batches, Nanos deadline) {
  scratch_.clear();
  const size_t n = queue_.PopUntil(scratch_, max_batches, deadline);
  for (SharedBatch& batch : scratch_) out.push_back(FeedItem{std::move(batch), 0});
  return n;
}

void MemoryFeed::Finish(const FeedItem& item, DeliveryOutcome outcome) {
  pending_bytes_ -= item.batch->message_bytes();
  if (outcome != DeliveryOutcome::kDelivered) item.batch->ReportOutcome(outcome);
  // The caller drops its reference next; the last one to go finalises the tokens.
}

void MemoryFeed::AbandonRemaining() {
  queue_.Close();
  std::vector<SharedBatch> left;
  while (queue_.PopUntil(left, SIZE_MAX, MonotonicNowNanos()) != 0) {
  }
  for (const SharedBatch& batch : left) {
    pending_bytes_ -= batch->message_bytes();
    batch->ReportOutcome(DeliveryOutcome::kFailed);
  }
}

std::string MemoryFeed::StatsJson() const {
  return JsonObject()
      .AddString("kind", "memory")
      .Add("queued_batches", queue_.weight())
      .Add("pending_bytes", pending_bytes_.load())
      .Add("refused_batches", refused_batches_.load())
      .Take();
}

}  // namespace logcap
