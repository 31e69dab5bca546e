// SinkRunner: owns one Sink, its input queue and its thread (Fluent Bit's per-route task).
//
// The dispatcher hands every fanned-out batch to each runner with Enqueue(). The runner thread
// takes all waiting batches (group commit: up to kMaxGroupBatches or kMaxGroupBytes), calls
// Sink::Write for each and Sink::Flush once, and only then releases them, which acknowledges them
// to their sources. A transient failure (kRetry) is retried on this sink alone, with backoff,
// for as long as it takes: the queue fills, Enqueue blocks, and backpressure reaches the sources.
// A permanent failure (kReject) counts the events as dropped with the reason.
//
// Shutdown: BeginShutdown(deadline) lets the runner deliver what is queued until the deadline;
// after it, retries stop and undelivered batches are reported kFailed (the sources then keep
// their positions before them, so the lines are read again after a restart). Join() waits.
//
// Thread-safety: Enqueue, BeginShutdown, Healthy and StatsJson may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/event_batch.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/sink.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace logcap {

class Metrics;

class SinkRunner {
 public:
  static constexpr size_t kQueueBatches = 16;
  static constexpr size_t kMaxGroupBatches = 64;

  SinkRunner(std::unique_ptr<Sink> sink, Metrics* metrics);
  ~SinkRunner();
  SinkRunner(const SinkRunner&) = delete;
  SinkRunner& operator=(const SinkRunner&) = delete;

  // Starts the sink and the runner thread.
  Status Start();
  // Blocks while the queue is full. After the shutdown deadline it no longer waits: the batch is
  // reported kFailed and released.
  void Enqueue(SharedBatch batch);
  // From now on, give up retrying and stop waiting in Enqueue at the monotonic deadline.
  void SetShutdownDeadline(Nanos deadline);
  // No more batches will come: deliver what is queued (until the deadline), then stop the sink and
  // join the thread.
  void CloseAndJoin();

  const std::string& name() const { return sink_->name(); }
  // False while the last attempt failed and the sink is being retried.
  bool Healthy() const { return !failing_.load(std::memory_order_relaxed); }
  std::string StatsJson() const;

 private:
  void Run();
  // Calls attempt until it succeeds, is rejected, or the shutdown deadline passes.
  // Returns the final verdict (kRetry means "gave up at shutdown").
  template <typename Attempt>
  SinkVerdict WithRetries(Attempt attempt, size_t events, const char* what);
  void DeliverGroup(std::vector<SharedBatch>& group);
  bool PastDeadline() const;
  // Sleeps up to delay, waking early when the shutdown deadline is set or passes.
  void SleepForRetry(Nanos delay);

  std::unique_ptr<Sink> sink_;
  Metrics* metrics_;
  BoundedQueue<SharedBatch> queue_{kQueueBatches};
  std::thread thread_;
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  std::atomic<Nanos> deadline_{0};  // 0 = not shutting down
  Nanos last_failure_log_ = 0;
  std::atomic<bool> failing_{false};
  std::atomic<uint64_t> delivered_events_{0};
  std::atomic<uint64_t> failed_events_{0};
  std::atomic<uint64_t> rejected_events_{0};
  std::atomic<uint64_t> retries_{0};
  prometheus::Counter* sent_success_;
  prometheus::Counter* sent_retry_;
  prometheus::Counter* sent_failed_;
  prometheus::Counter* dropped_rejected_;
  prometheus::Histogram* send_duration_;
  prometheus::Histogram* e2e_latency_;
  prometheus::Histogram* deliver_stage_;
};

}  // namespace logcap
