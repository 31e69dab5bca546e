// Dispatcher: the bounded queue between sources and sinks, with batching, the processing hook,
// backpressure and fan-out (Fluent Bit's engine + router, reduced to what we need).
//
//   sources --Push(batch)--> [queue, capacity queue_size events] --workers--> merge up to
//   batch_size events or batch_timeout --> processors --> BatchOutput::Prepare (in parallel) -->
//   BatchOutput::Deliver in queue order (to every sink's memory queue, or to the disk buffer).
//
// Backpressure when the queue is full: `block` makes Push wait (sources pause; nothing is lost),
// `drop_newest` discards the incoming batch, `drop_oldest` discards the oldest queued batches.
// Every discarded event is counted in log_capturer_logs_dropped_total{stage="queue",
// reason="queue_full"} and reported kDropped to its source.
//
// Order: workers process in parallel, but fan out strictly in the order batches left the queue,
// so events of one source reach every sink in the order they were read.
//
// Thread-safety: Push may be called from any number of source threads. Start/CloseInput/Drain are
// called by the agent's control thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "pipeline/batch_output.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/processor.h"
#include "pipeline/source.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace logcap {

enum class BackpressurePolicy { kBlock, kDropNewest, kDropOldest };
BackpressurePolicy ParseBackpressurePolicy(const std::string& name);  // block | drop_newest | drop_oldest

class Metrics;

class Dispatcher : public BatchConsumer {
 public:
  // processors, output and metrics must outlive the dispatcher.
  Dispatcher(const DispatcherConfig& config, ProcessorChain* processors, BatchOutput* output, Metrics* metrics);
  ~Dispatcher() override;

  void Start();
  bool Push(EventBatch&& batch) override;
  Offer TryPush(EventBatch&& batch) override;
  // Refuses further batches; wakes sources blocked in Push (their batch is reported kFailed).
  void CloseInput();
  // After CloseInput: processes and delivers everything still queued, then joins the workers.
  void Drain();

  size_t queued_events() const { return queue_.weight(); }
  size_t capacity() const { return queue_.capacity(); }
  size_t worker_count() const { return worker_count_; }
  std::string StatsJson() const;

 private:
  void WorkerLoop();
  void DeliverInOrder(uint64_t sequence, PreparedBatch&& prepared);
  prometheus::Counter& CapturedCounter(const EventBatch& batch);
  void CountDropped(const EventBatch& batch);
  prometheus::Gauge& PausedGauge(const EventBatch& batch);

  const size_t batch_size_;
  const Nanos batch_timeout_;
  const size_t worker_count_;
  const BackpressurePolicy policy_;
  ProcessorChain* processors_;
  BatchOutput* output_;
  Metrics* metrics_;
  BoundedQueue<EventBatch> queue_;
  std::vector<std::thread> workers_;

  std::mutex pop_mu_;  // taking from the queue and numbering happen together
  uint64_t next_sequence_ = 0;
  std::mutex order_mu_;
  std::condition_variable order_cv_;
  uint64_t next_fanout_ = 0;

  std::mutex counters_mu_;  // guards the maps below (touched once per batch, never per line)
  std::map<std::pair<std::string, std::string>, prometheus::Counter*> captured_by_source_;
  std::map<std::string, prometheus::Gauge*> paused_by_source_;
  prometheus::Counter* dropped_queue_full_;
  prometheus::Histogram* capture_stage_;
  prometheus::Histogram* queue_stage_;
  prometheus::Histogram* process_stage_;
  prometheus::Gauge* queue_gauge_;
  std::atomic<uint64_t> accepted_events_{0};
  std::atomic<uint64_t> dropped_events_{0};
  std::atomic<uint64_t> refused_events_{0};
};

}  // namespace logcap
