// MemoryFeed: a sink's input when the disk buffer is off — a bounded queue of shared batches.
//
// The dispatcher Enqueue()s every batch (one shared, read-only copy for all sinks). Enqueue blocks
// while the queue is full, which is how a slow or failing sink pauses the dispatcher and, through
// it, the sources (backpressure, nothing lost). Finishing a batch releases this sink's reference;
// the batch's ack tokens report to the sources when the last sink lets go. kFailed is reported to
// the tokens first, so the sources keep their positions before those events.
//
// Shutdown: after SetShutdownDeadline, Enqueue stops waiting once the deadline passes (the batch is
// reported kFailed), and AbandonRemaining reports everything still queued kFailed.
//
// Thread-safety: Enqueue and SetShutdownDeadline from any thread; the rest per SinkFeed.
#pragma once

#include <atomic>

#include "pipeline/bounded_queue.h"
#include "pipeline/shutdown_deadline.h"
#include "pipeline/sink_feed.h"

namespace logcap {

class MemoryFeed : public SinkFeed {
 public:
  static constexpr size_t kQueueBatches = 16;

  MemoryFeed() = default;
  // Returns false when the batch was not queued (closed, or past the shutdown deadline); it has then
  // been reported kFailed.
  bool Enqueue(SharedBatch batch);
  void SetShutdownDeadline(Nanos deadline) { deadline_.Set(deadline); }

  size_t Take(std::vector<FeedItem>& out, size_t max_batches, Nanos deadline) override;
  void Finish(const FeedItem& item, DeliveryOutcome outcome) override;
  void Close() override { queue_.Close(); }
  void AbandonRemaining() override;
  bool Exhausted() const override { return queue_.closed() && queue_.weight() == 0; }
  uint64_t PendingBytes() const override { return pending_bytes_.load(std::memory_order_relaxed); }
  std::string StatsJson() const override;

 private:
  BoundedQueue<SharedBatch> queue_{kQueueBatches};
  std::vector<SharedBatch> scratch_;
  ShutdownDeadline deadline_;
  std::atomic<uint64_t> pending_bytes_{0};
  std::atomic<uint64_t> refused_batches_{0};
};

}  // namespace logcap
