#include "pipeline/sink_runner.h"
#include "core/json_object.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "pipeline/retry_backoff.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {
constexpr Nanos kInitialRetryDelay = 100 * kNanosPerMilli;
constexpr Nanos kMaxRetryDelay = 30 * kNanosPerSecond;
constexpr Nanos kFailureLogInterval = 30 * kNanosPerSecond;
constexpr Nanos kEnqueueWaitSlice = 100 * kNanosPerMilli;
}  // namespace

SinkRunner::SinkRunner(std::unique_ptr<Sink> sink, Metrics* metrics) : sink_(std::move(sink)), metrics_(metrics) {
  const std::string& n = sink_->name();
  sent_success_ = &metrics_->LogsSent(n, "success");
  sent_retry_ = &metrics_->LogsSent(n, "retry");
  sent_failed_ = &metrics_->LogsSent(n, "failed");
  dropped_rejected_ = &metrics_->LogsDropped("sink", "rejected");
  send_duration_ = &metrics_->SinkSendDuration(n);
  e2e_latency_ = &metrics_->EndToEndLatency(n);
  deliver_stage_ = &metrics_->StageDuration("deliver");
}

SinkRunner::~SinkRunner() {
  if (thread_.joinable()) {
    SetShutdownDeadline(MonotonicNowNanos());
    CloseAndJoin();
  }
}

Status SinkRunner::Start() {
  Status s = sink_->Start();
  if (!s.ok()) return Status::Unavailable("sink " + sink_->name() + ": " + s.ToString());
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void SinkRunner::Enqueue(SharedBatch batch) {
  const size_t events = batch->size();
  for (;;) {
    const Nanos deadline = deadline_.load(std::memory_order_acquire);
    const Nanos now = MonotonicNowNanos();
    // Wait in slices so a deadline set while we wait is noticed.
    const Nanos wait_until = deadline != 0 ? std::min(deadline, now + kEnqueueWaitSlice) : now + kEnqueueWaitSlice;
    auto result = queue_.Push(std::move(batch), 1, wait_until);
    if (result == BoundedQueue<SharedBatch>::PushResult::kOk) return;
    if (result == BoundedQueue<SharedBatch>::PushResult::kClosed || (deadline != 0 && MonotonicNowNanos() >= deadline)) {
      batch->ReportOutcome(DeliveryOutcome::kFailed);
      failed_events_ += events;
      sent_failed_->Increment(static_cast<double>(events));
      return;
    }
  }
}

void SinkRunner::SetShutdownDeadline(Nanos deadline) {
  {
    std::lock_guard lock(wake_mu_);
    deadline_.store(deadline, std::memory_order_release);
  }
  wake_cv_.notify_all();
}

void SinkRunner::CloseAndJoin() {
  queue_.Close();
  if (thread_.joinable()) thread_.join();
  sink_->Stop();
}

bool SinkRunner::PastDeadline() const {
  const Nanos deadline = deadline_.load(std::memory_order_acquire);
  return deadline != 0 && MonotonicNowNanos() >= deadline;
}

void SinkRunner::SleepForRetry(Nanos delay) {
  std::unique_lock lock(wake_mu_);
  const Nanos until = MonotonicNowNanos() + delay;
  for (;;) {
    const Nanos deadline = deadline_.load(std::memory_order_acquire);
    const Nanos wake = deadline != 0 ? std::min(until, deadline) : until;
    const Nanos now = MonotonicNowNanos();
    if (now >= wake) return;
    wake_cv_.wait_for(lock, std::chrono::nanoseconds(wake - now));
  }
}

template <typename Attempt>
SinkVerdict SinkRunner::WithRetries(Attempt attempt, size_t events, const char* what) {
  RetryBackoff backoff(kInitialRetryDelay, kMaxRetryDelay);
  for (;;) {
    SinkResult result = attempt();
    if (result.ok()) {
      if (failing_.exchange(false, std::memory_order_relaxed)) {
        spdlog::info("sink {}: recovered after {} retries", sink_->name(), backoff.attempts());
      }
      return SinkVerdict::kOk;
    }
    if (result.verdict == SinkVerdict::kReject) {
      spdlog::error("sink {}: {} rejected for good, {} events dropped: {}", sink_->name(), what, events,
                    result.status.ToString());
      return SinkVerdict::kReject;
    }
    failing_.store(true, std::memory_order_relaxed);
    ++retries_;
    sent_retry_->Increment(static_cast<double>(events));
    if (PastDeadline()) {
      spdlog::error("sink {}: {} still failing at the shutdown deadline, giving up on {} events "
                    "(they stay unacknowledged and are read again after a restart): {}",
                    sink_->name(), what, events, result.status.ToString());
      return SinkVerdict::kRetry;
    }
    const Nanos delay = backoff.Next(result.retry_after);
    const Nanos now = MonotonicNowNanos();
    if (backoff.attempts() == 1 || now - last_failure_log_ >= kFailureLogInterval) {
      last_failure_log_ = now;
      spdlog::warn("sink {}: {} failed ({}), retrying in {} ms (attempt {})", sink_->name(), what,
                   result.status.ToString(), delay / kNanosPerMilli, backoff.attempts());
    }
    SleepForRetry(delay);
  }
}

void SinkRunner::DeliverGroup(std::vector<SharedBatch>& group) {
  const Nanos started = MonotonicNowNanos();
  std::vector<SinkVerdict> verdicts;
  verdicts.reserve(group.size());
  size_t group_events = 0;
  for (const SharedBatch& batch : group) {
    group_events += batch->size();
    verdicts.push_back(WithRetries([&] { return sink_->Write(*batch); }, batch->size(), "write"));
  }
  const SinkVerdict flushed = WithRetries([&] { return sink_->Flush(); }, group_events, "flush");
  const Nanos finished = MonotonicNowNanos();
  const double seconds = static_cast<double>(finished - started) / kNanosPerSecond;
  send_duration_->Observe(seconds);
  deliver_stage_->Observe(seconds);
  const Nanos wall_now = WallNowNanos();

  for (size_t i = 0; i < group.size(); ++i) {
    const EventBatch& batch = *group[i];
    const SinkVerdict verdict = verdicts[i] == SinkVerdict::kOk ? flushed : verdicts[i];
    const double n = static_cast<double>(batch.size());
    switch (verdict) {
      case SinkVerdict::kOk: {
        delivered_events_ += batch.size();
        sent_success_->Increment(n);
        const Nanos oldest = batch.OldestReadTime();
        if (oldest != 0) e2e_latency_->Observe(static_cast<double>(std::max<Nanos>(0, wall_now - oldest)) / kNanosPerSecond);
        break;
      }
      case SinkVerdict::kReject:
        rejected_events_ += batch.size();
        sent_failed_->Increment(n);
        dropped_rejected_->Increment(n);
        batch.ReportOutcome(DeliveryOutcome::kDropped);
        break;
      case SinkVerdict::kRetry:
        failed_events_ += batch.size();
        sent_failed_->Increment(n);
        batch.ReportOutcome(DeliveryOutcome::kFailed);
        break;
    }
  }
  group.clear();  // releasing the batches is what acknowledges them to their sources
}

void SinkRunner::Run() {
  std::vector<SharedBatch> group;
  group.reserve(kMaxGroupBatches);
  while (queue_.PopBatch(group, 1, kMaxGroupBatches, 0) != 0) DeliverGroup(group);
}

std::string SinkRunner::StatsJson() const {
  return JsonObject()
      .Add("healthy", Healthy())
      .Add("queued_batches", queue_.weight())
      .Add("delivered_events", delivered_events_.load())
      .Add("failed_events", failed_events_.load())
      .Add("rejected_events", rejected_events_.load())
      .Add("retries", retries_.load())
      .AddRaw("sink", sink_->StatsJson())
      .Take();
}

}  // namespace logcap
