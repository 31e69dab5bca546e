// SinkRunner: owns one Sink, its feed and its thread (Fluent Bit's per-route task).
//
// The runner takes up to kMaxGroupBatches waiting batches from its feed (memory queue or disk
// buffer reader), hands them to Sink::WriteGroup, and gives each batch a final verdict:
//   - delivered: finished on the feed (acknowledged to the sources, or the buffer cursor moves);
//   - rejected for good (the whole batch, or single events of it): written to the DLQ with the
//     sink, the reason, the far side's error text and the number of attempts, then finished. With
//     the DLQ off (or failing) they are counted in log_capturer_logs_dropped_total{stage="sink"};
//   - transient failure: only the failed batches are retried, on this sink alone, with
//     exponential backoff and jitter (dispatcher.retry_base_delay .. retry_max_delay, at least a
//     server's Retry-After), for as long as it takes. Meanwhile the feed fills and backpressure
//     reaches the sources (memory), or the disk buffer grows (buffer).
// A CircuitBreaker tracks consecutive failures (see circuit_breaker.h). A "misconfigured" failure
// (401/403, ...) opens it at once, is logged as an error naming the problem, and is retried at
// the slowest pace: the data is kept until a person fixes the far side.
//
// DLQ replay (POST /api/v1/dlq/replay) hands batches in through SubmitReplay; they are delivered
// between feed groups, and events rejected again are reported back, not written to the DLQ twice.
//
// Shutdown: SetShutdownDeadline(deadline) lets the runner deliver until the deadline; after it,
// retries stop, undelivered batches are finished kFailed (memory: the sources keep their positions
// before them; buffer: they stay on disk) and the runner stops taking work. CloseAndJoin closes the
// feed, waits for the thread and stops the sink.
//
// Thread-safety: SetShutdownDeadline, SubmitReplay, Healthy, circuit_state and StatsJson may be
// called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "codec/event_encoder.h"
#include "core/event_batch.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/circuit_breaker.h"
#include "pipeline/sink.h"
#include "pipeline/shutdown_deadline.h"
#include "pipeline/sink_feed.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace logcap {

class DeadLetterQueue;
class Metrics;

struct SinkRunnerOptions {
  Nanos retry_base_delay = 200 * kNanosPerMilli;
  Nanos retry_max_delay = 30 * kNanosPerSecond;
  uint64_t breaker_threshold = 5;
};

class SinkRunner {
 public:
  static constexpr size_t kMaxGroupBatches = 64;
  using ReplayDone = std::function<void(const SinkResult&)>;

  // dlq may be null (DLQ disabled); it and metrics must outlive the runner.
  SinkRunner(std::unique_ptr<Sink> sink, std::unique_ptr<SinkFeed> feed, DeadLetterQueue* dlq,
             const SinkRunnerOptions& options, Metrics* metrics);
  ~SinkRunner();
  SinkRunner(const SinkRunner&) = delete;
  SinkRunner& operator=(const SinkRunner&) = delete;

  // Starts the sink and the runner thread.
  Status Start();
  SinkFeed& feed() { return *feed_; }
  // From now on, give up retrying and stop taking work at the monotonic deadline.
  void SetShutdownDeadline(Nanos deadline);
  // No more batches will come: deliver what the feed holds (until the deadline), then stop the
  // sink and join the thread.
  void CloseAndJoin();
  // Delivers a batch read back from the DLQ; done(result) runs on the runner thread with the final
  // verdict (kOk with the events rejected again listed, kReject, or kRetry = gave up at shutdown).
  // Returns false (done not called) when the runner is shutting down.
  bool SubmitReplay(SharedBatch batch, ReplayDone done);

  const std::string& name() const { return sink_->name(); }
  // False while the last attempt failed and the sink is being retried.
  bool Healthy() const { return !failing_.load(std::memory_order_relaxed); }
  // The sink's own view of its far side (e.g. Kafka brokers reachable), for GET /health.
  ComponentHealth SinkHealth() const { return sink_->Health(); }
  CircuitState circuit_state() const { return breaker_.state(); }
  std::string last_error() const;
  std::string StatsJson() const;

 private:
  struct Replay {
    SharedBatch batch;
    ReplayDone done;
  };
  // The final result of each batch after retries, and the attempts made for each: a batch stops
  // counting once it has its verdict, so a DLQ entry reports its own attempts, not its group's.
  void DeliverWithRetries(const std::vector<const EventBatch*>& batches, std::vector<SinkResult>& final_results,
                          std::vector<uint32_t>* attempts);
  // Takes more batches into items while the sink's group_fill() asks for a fuller group.
  void FillGroup(std::vector<FeedItem>& items, size_t group);
  void DeliverFeedGroup(std::vector<FeedItem>& items);
  // Sink::LookAhead: takes the next group from the feed without waiting, into ahead_.
  std::span<const EventBatch* const> TakeAhead();
  void DeliverReplays();
  // Writes rejected events to the DLQ (or counts them dropped). Returns kDelivered when every one
  // is in the DLQ, else kDropped.
  DeliveryOutcome DeadLetter(const EventBatch& batch, const SinkResult& result, uint32_t attempts, Nanos first_attempt);
  void Run();
  void SetLastError(std::string text);

  std::unique_ptr<Sink> sink_;
  std::unique_ptr<SinkFeed> feed_;
  DeadLetterQueue* dlq_;
  const SinkRunnerOptions options_;
  Metrics* metrics_;
  CircuitBreaker breaker_;
  BoundedQueue<Replay> replays_{4};
  std::thread thread_;
  bool started_ = false;  // control thread only
  bool closed_ = false;   // control thread only
  ShutdownDeadline deadline_;
  Nanos last_failure_log_ = 0;
  size_t group_batches_ = 1;             // batches per group, from the sink
  std::vector<FeedItem> ahead_;          // the next group, taken early for Sink::LookAhead
  std::vector<const EventBatch*> ahead_batches_;
  TimestampFormatter dlq_timestamps_;  // runner thread only
  std::string dlq_scratch_;
  std::atomic<bool> failing_{false};
  mutable std::mutex error_mu_;
  std::string last_error_;
  std::atomic<uint64_t> delivered_events_{0};
  std::atomic<uint64_t> failed_events_{0};
  std::atomic<uint64_t> rejected_events_{0};
  std::atomic<uint64_t> dead_lettered_events_{0};
  std::atomic<uint64_t> retries_{0};
  prometheus::Counter* sent_success_;
  prometheus::Counter* sent_retry_;
  prometheus::Counter* sent_failed_;
  prometheus::Counter* dropped_rejected_;
  prometheus::Counter* dropped_dlq_failed_;
  prometheus::Histogram* send_duration_;
  prometheus::Histogram* e2e_latency_;
  prometheus::Histogram* deliver_stage_;
};

}  // namespace logcap
