#include "pipeline/dispatcher.h"
#include "core/thread_name.h"
#include "core/json_object.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "telemetry/metrics.h"

namespace logcap {

BackpressurePolicy ParseBackpressurePolicy(const std::string& name) {
  if (name == "drop_newest") return BackpressurePolicy::kDropNewest;
  if (name == "drop_oldest") return BackpressurePolicy::kDropOldest;
  return BackpressurePolicy::kBlock;
}

namespace {
size_t WorkerCount(uint64_t configured) {
  if (configured != 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}
double Seconds(Nanos n) { return static_cast<double>(std::max<Nanos>(0, n)) / kNanosPerSecond; }
}  // namespace

Dispatcher::Dispatcher(const DispatcherConfig& config, ProcessorChain* processors, BatchOutput* output,
                       Metrics* metrics)
    : batch_size_(config.batch_size),
      batch_timeout_(std::chrono::duration_cast<std::chrono::nanoseconds>(config.batch_timeout).count()),
      worker_count_(WorkerCount(config.worker_count)),
      policy_(ParseBackpressurePolicy(config.backpressure)),
      processors_(processors),
      output_(output),
      metrics_(metrics),
      queue_(config.queue_size) {
  dropped_queue_full_ = &metrics_->LogsDropped("queue", "queue_full");
  capture_stage_ = &metrics_->StageDuration("capture");
  queue_stage_ = &metrics_->StageDuration("queue");
  process_stage_ = &metrics_->StageDuration("process");
  queue_gauge_ = &metrics_->DispatcherQueueSize();
}

Dispatcher::~Dispatcher() {
  CloseInput();
  Drain();
}

void Dispatcher::Start() {
  for (size_t i = 0; i < worker_count_; ++i) workers_.emplace_back([this, i] {
      SetCurrentThreadName("dispatch-" + std::to_string(i));
      WorkerLoop();
    });
}

prometheus::Counter& Dispatcher::CapturedCounter(const EventBatch& batch) {
  const SourceInfo* source = batch.events().front().source;
  // The capturing component's kind: events read back from Kafka keep their original `type`, which
  // comes from message content and must not become a metric label.
  auto key = source ? std::make_pair(source->component_type.empty() ? source->type : source->component_type,
                                     source->component)
                    : std::make_pair(std::string(), std::string());
  std::lock_guard lock(counters_mu_);
  auto it = captured_by_source_.find(key);
  if (it == captured_by_source_.end()) it = captured_by_source_.emplace(key, &metrics_->LogsCaptured(key.first, key.second)).first;
  return *it->second;
}

prometheus::Gauge& Dispatcher::PausedGauge(const EventBatch& batch) {
  const SourceInfo* source = batch.events().front().source;
  const std::string component = source ? source->component : std::string("unknown");
  std::lock_guard lock(counters_mu_);
  auto it = paused_by_source_.find(component);
  if (it == paused_by_source_.end()) it = paused_by_source_.emplace(component, &metrics_->SourcePaused(component)).first;
  return *it->second;
}

void Dispatcher::CountDropped(const EventBatch& batch) {
  dropped_events_ += batch.size();
  dropped_queue_full_->Increment(static_cast<double>(batch.size()));
  batch.ReportOutcome(DeliveryOutcome::kDropped);
}

bool Dispatcher::Push(EventBatch&& batch) {
  if (batch.empty()) return !queue_.closed();  // an ack-only batch finalises on release
  const size_t n = batch.size();
  capture_stage_->Observe(Seconds(WallNowNanos() - batch.OldestReadTime()));
  // Looked up before the batch enters the queue: once queued, a worker may release it any moment.
  prometheus::Counter& captured = CapturedCounter(batch);

  switch (policy_) {
    case BackpressurePolicy::kBlock: {
      prometheus::Gauge* paused = nullptr;
      auto result = queue_.Push(std::move(batch), n, 0, [&] {
        paused = &PausedGauge(batch);
        paused->Set(1);
      });
      if (paused) paused->Set(0);
      if (result != BoundedQueue<EventBatch>::PushResult::kOk) {
        refused_events_ += n;
        batch.ReportOutcome(DeliveryOutcome::kFailed);
        return false;
      }
      break;
    }
    case BackpressurePolicy::kDropNewest:
      if (!queue_.TryPush(std::move(batch), n)) {
        if (queue_.closed()) {
          refused_events_ += n;
          batch.ReportOutcome(DeliveryOutcome::kFailed);
          return false;
        }
        captured.Increment(static_cast<double>(n));
        CountDropped(batch);
        queue_gauge_->Set(static_cast<double>(queue_.weight()));
        return true;
      }
      break;
    case BackpressurePolicy::kDropOldest: {
      std::vector<EventBatch> evicted;
      if (!queue_.PushEvictingOldest(std::move(batch), n, evicted)) {
        refused_events_ += n;
        batch.ReportOutcome(DeliveryOutcome::kFailed);
        return false;
      }
      for (EventBatch& old : evicted) CountDropped(old);
      break;
    }
  }
  accepted_events_ += n;
  captured.Increment(static_cast<double>(n));
  queue_gauge_->Set(static_cast<double>(queue_.weight()));
  return true;
}

BatchConsumer::Offer Dispatcher::TryPush(EventBatch&& batch) {
  if (policy_ != BackpressurePolicy::kBlock || batch.empty()) {
    return Push(std::move(batch)) ? Offer::kAccepted : Offer::kClosed;
  }
  const size_t n = batch.size();
  capture_stage_->Observe(Seconds(WallNowNanos() - batch.OldestReadTime()));
  prometheus::Counter& captured = CapturedCounter(batch);
  if (!queue_.TryPush(std::move(batch), n)) return queue_.closed() ? Offer::kClosed : Offer::kFull;
  accepted_events_ += n;
  captured.Increment(static_cast<double>(n));
  queue_gauge_->Set(static_cast<double>(queue_.weight()));
  return Offer::kAccepted;
}

void Dispatcher::CloseInput() { queue_.Close(); }

void Dispatcher::Drain() {
  for (auto& worker : workers_)
    if (worker.joinable()) worker.join();
  workers_.clear();
}

void Dispatcher::WorkerLoop() {
  std::vector<EventBatch> taken;
  std::string encoded;
  for (;;) {
    taken.clear();
    uint64_t sequence;
    Nanos oldest_enqueued = 0;
    {
      // Numbering must follow queue order, so take and number under one lock.
      std::lock_guard lock(pop_mu_);
      if (queue_.PopBatch(taken, batch_size_, batch_size_, batch_timeout_, &oldest_enqueued) == 0) return;
      sequence = next_sequence_++;
    }
    queue_gauge_->Set(static_cast<double>(queue_.weight()));
    EventBatch merged = std::move(taken.front());
    for (size_t i = 1; i < taken.size(); ++i) merged.Append(std::move(taken[i]));
    queue_stage_->Observe(Seconds(MonotonicNowNanos() - oldest_enqueued));
    if (!processors_->empty()) {
      const Nanos started = MonotonicNowNanos();
      processors_->Process(merged);
      process_stage_->Observe(Seconds(MonotonicNowNanos() - started));
    }
    PreparedBatch prepared{std::move(merged), std::move(encoded)};
    output_->Prepare(prepared);  // outside the ordered section: workers encode in parallel
    DeliverInOrder(sequence, std::move(prepared));
    encoded = std::move(prepared.encoded);  // keep the capacity for the next batch
  }
}

void Dispatcher::DeliverInOrder(uint64_t sequence, PreparedBatch&& prepared) {
  std::unique_lock lock(order_mu_);
  order_cv_.wait(lock, [&] { return next_fanout_ == sequence; });
  output_->Deliver(std::move(prepared));
  ++next_fanout_;
  lock.unlock();
  order_cv_.notify_all();
}

std::string Dispatcher::StatsJson() const {
  return JsonObject()
      .Add("queued_events", queue_.weight())
      .Add("capacity", queue_.capacity())
      .Add("workers", worker_count_)
      .Add("accepted_events", accepted_events_.load())
      .Add("dropped_events", dropped_events_.load())
      .Add("refused_events", refused_events_.load())
      .Take();
}

}  // namespace logcap
