#include "pipeline/sink_runner.h"
#include "core/thread_name.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/json_object.h"
#include "dlq/dead_letter_queue.h"
#include "pipeline/retry_backoff.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {
constexpr Nanos kFailureLogInterval = 30 * kNanosPerSecond;
constexpr Nanos kTakeWaitSlice = 100 * kNanosPerMilli;

// How many events of batch a result refuses for good. A sink's list may (by a bug) repeat an index
// or name one past the end: those are ignored, so every refused event is counted (and stored) once.
size_t CountRefused(const EventBatch& batch, const SinkResult& result) {
  if (result.verdict == SinkVerdict::kReject) return batch.size();
  if (result.verdict != SinkVerdict::kOk) return 0;
  std::vector<bool> seen(batch.size(), false);
  size_t count = 0;
  for (const RejectedEvent& r : result.rejected) {
    if (r.index < seen.size() && !seen[r.index]) {
      seen[r.index] = true;
      ++count;
    }
  }
  return count;
}
}  // namespace

SinkRunner::SinkRunner(std::unique_ptr<Sink> sink, std::unique_ptr<SinkFeed> feed, DeadLetterQueue* dlq,
                       const SinkRunnerOptions& options, Metrics* metrics)
    : sink_(std::move(sink)),
      feed_(std::move(feed)),
      dlq_(dlq),
      options_(options),
      metrics_(metrics),
      breaker_(options.breaker_threshold, &metrics->SinkCircuitState(sink_->name())) {
  const std::string& n = sink_->name();
  sent_success_ = &metrics_->LogsSent(n, "success");
  sent_retry_ = &metrics_->LogsSent(n, "retry");
  sent_failed_ = &metrics_->LogsSent(n, "failed");
  dropped_rejected_ = &metrics_->LogsDropped("sink", "rejected");
  dropped_dlq_failed_ = &metrics_->LogsDropped("dlq", "dlq_write_failed");
  send_duration_ = &metrics_->SinkSendDuration(n);
  e2e_latency_ = &metrics_->EndToEndLatency(n);
  deliver_stage_ = &metrics_->StageDuration("deliver");
}

SinkRunner::~SinkRunner() {
  SetShutdownDeadline(MonotonicNowNanos());
  CloseAndJoin();
}

Status SinkRunner::Start() {
  Status s = sink_->Start();
  if (!s.ok()) return Status::Unavailable("sink " + sink_->name() + ": " + s.ToString());
  started_ = true;
  group_batches_ = std::clamp<size_t>(sink_->max_group_batches(), 1, kMaxGroupBatches);
  sink_->set_look_ahead([this] { return TakeAhead(); });
  thread_ = std::thread([this] {
    SetCurrentThreadName("sink-" + sink_->name());
    Run();
  });
  return Status::Ok();
}

void SinkRunner::SetShutdownDeadline(Nanos deadline) { deadline_.Set(deadline); }

void SinkRunner::CloseAndJoin() {
  if (closed_) return;
  closed_ = true;
  feed_->Close();
  replays_.Close();
  if (thread_.joinable()) thread_.join();
  feed_->AbandonRemaining();
  // Replays submitted after the thread ended are answered "gave up".
  std::vector<Replay> left;
  while (replays_.PopUntil(left, SIZE_MAX, MonotonicNowNanos()) != 0) {
  }
  for (Replay& r : left) r.done(SinkResult::Retry(Status::Aborted("shutting down")));
  if (started_) sink_->Stop();
}

bool SinkRunner::SubmitReplay(SharedBatch batch, ReplayDone done) {
  for (;;) {
    if (deadline_.IsSet()) return false;
    auto result = replays_.Push(Replay{batch, done}, 1, MonotonicNowNanos() + kTakeWaitSlice);
    if (result == BoundedQueue<Replay>::PushResult::kOk) return true;
    if (result == BoundedQueue<Replay>::PushResult::kClosed) return false;
  }
}

void SinkRunner::SetLastError(std::string text) {
  std::lock_guard lock(error_mu_);
  last_error_ = std::move(text);
}

std::string SinkRunner::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

void SinkRunner::DeliverWithRetries(const std::vector<const EventBatch*>& batches,
                                    std::vector<SinkResult>& final_results, std::vector<uint32_t>* attempts) {
  final_results.assign(batches.size(), SinkResult());
  attempts->assign(batches.size(), 0);
  uint32_t rounds = 0;  // WriteGroup calls, for the log
  std::vector<size_t> pending(batches.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  std::vector<const EventBatch*> group;
  std::vector<SinkResult> results;
  RetryBackoff backoff(options_.retry_base_delay, options_.retry_max_delay);
  for (;;) {
    group.clear();
    for (size_t i : pending) {
      group.push_back(batches[i]);
      ++(*attempts)[i];
    }
    results.assign(group.size(), SinkResult());
    breaker_.BeforeAttempt();
    ++rounds;
    sink_->WriteGroup(group, results);

    std::vector<size_t> still;
    size_t still_events = 0;
    Nanos retry_after = 0;
    bool misconfigured = false;
    Status why;
    for (size_t k = 0; k < pending.size(); ++k) {
      if (results[k].verdict == SinkVerdict::kRetry) {
        still.push_back(pending[k]);
        still_events += group[k]->size();
        retry_after = std::max(retry_after, results[k].retry_after);
        misconfigured |= results[k].misconfigured;
        why = results[k].status;
      }
      final_results[pending[k]] = std::move(results[k]);
    }
    if (still.empty()) {
      breaker_.OnSuccess();
      if (failing_.exchange(false, std::memory_order_relaxed)) {
        spdlog::info("sink {}: recovered after {} attempts", sink_->name(), rounds);
        SetLastError("");
      }
      return;
    }
    failing_.store(true, std::memory_order_relaxed);
    SetLastError(why.ToString());
    ++retries_;
    sent_retry_->Increment(static_cast<double>(still_events));
    const bool opened = breaker_.OnFailure(misconfigured);
    if (deadline_.Passed()) {
      spdlog::error("sink {}: still failing at the shutdown deadline, giving up on {} events for now (they are "
                    "kept: in the disk buffer, or unacknowledged at their source): {}",
                    sink_->name(), still_events, why.ToString());
      return;  // the remaining results are kRetry: "gave up"
    }
    Nanos delay = backoff.Next(retry_after);
    // Retrying fast cannot fix credentials or a wrong URL: go at the slowest pace.
    if (misconfigured) delay = std::max(delay, options_.retry_max_delay);
    const Nanos now = MonotonicNowNanos();
    if (misconfigured && (opened || now - last_failure_log_ >= kFailureLogInterval)) {
      last_failure_log_ = now;
      spdlog::error("sink {}: the far side refuses us because of its configuration or ours ({}); no data is "
                    "dropped, {} events wait; fix the sink's url, credentials or permissions. Retrying every {} s",
                    sink_->name(), why.ToString(), still_events, delay / kNanosPerSecond);
    } else if (opened || rounds == 1 || now - last_failure_log_ >= kFailureLogInterval) {
      last_failure_log_ = now;
      spdlog::warn("sink {}: delivery failed ({}), {} events wait; retrying in {} ms (attempt {}, circuit {})",
                   sink_->name(), why.ToString(), still_events, delay / kNanosPerMilli, rounds,
                   CircuitStateName(breaker_.state()));
    }
    deadline_.SleepFor(delay);
    pending = std::move(still);
  }
}

DeliveryOutcome SinkRunner::DeadLetter(const EventBatch& batch, const SinkResult& result, uint32_t attempts,
                                       Nanos first_attempt) {
  const size_t count = CountRefused(batch, result);
  // Nothing valid to store (e.g. only out-of-range indices): the batch counts as delivered.
  if (count == 0) return DeliveryOutcome::kDelivered;
  rejected_events_ += count;
  sent_failed_->Increment(static_cast<double>(count));
  const Nanos now = WallNowNanos();
  Status stored = Status::Unavailable("the dead-letter queue is disabled (dlq.enabled: false)");
  std::vector<DlqEntry> entries;
  if (dlq_ != nullptr) {
    entries.reserve(count);
    auto add = [&](const Event& e, const std::string& reason, const std::string& error) {
      DlqEntry entry;
      entry.sink = sink_->name();
      entry.reason = reason.empty() ? "rejected" : reason;
      entry.error = error;
      entry.attempts = attempts;
      entry.first_attempt = first_attempt;
      entry.last_attempt = now;
      dlq_scratch_.clear();
      AppendEventJson(batch, e, dlq_timestamps_, dlq_scratch_);
      if (!dlq_scratch_.empty() && dlq_scratch_.back() == '\n') dlq_scratch_.pop_back();
      entry.event_json = dlq_scratch_;
      entries.push_back(std::move(entry));
    };
    if (result.verdict == SinkVerdict::kReject) {
      for (const Event& e : batch.events()) add(e, result.reason, result.status.ToString());
    } else {
      std::vector<bool> added(batch.size(), false);  // the first mention of an index wins
      for (const RejectedEvent& r : result.rejected) {
        if (r.index < batch.size() && !added[r.index]) {
          added[r.index] = true;
          add(batch.events()[r.index], r.reason, r.error);
        }
      }
    }
    stored = dlq_->Append(entries);
  }
  if (stored.ok()) {
    dead_lettered_events_ += entries.size();
    for (const DlqEntry& entry : entries) metrics_->DlqEntries(entry.sink, entry.reason).Increment();
    spdlog::warn("sink {}: {} event(s) rejected for good, kept in the dead-letter queue (reason {}): {}",
                 sink_->name(), entries.size(), entries.front().reason, entries.front().error);
    return DeliveryOutcome::kDelivered;
  }
  dropped_rejected_->Increment(static_cast<double>(count));
  if (dlq_ != nullptr) dropped_dlq_failed_->Increment(static_cast<double>(count));
  spdlog::error("sink {}: {} event(s) rejected for good and NOT kept: {}", sink_->name(), count, stored.ToString());
  return DeliveryOutcome::kDropped;
}

void SinkRunner::DeliverFeedGroup(std::vector<FeedItem>& items) {
  const Nanos started = MonotonicNowNanos();
  const Nanos first_attempt = WallNowNanos();
  std::vector<const EventBatch*> batches;
  batches.reserve(items.size());
  for (const FeedItem& item : items) batches.push_back(item.batch.get());
  std::vector<SinkResult> results;
  std::vector<uint32_t> attempts;
  DeliverWithRetries(batches, results, &attempts);
  const Nanos finished = MonotonicNowNanos();
  const double seconds = static_cast<double>(finished - started) / kNanosPerSecond;
  send_duration_->Observe(seconds);
  deliver_stage_->Observe(seconds);
  const Nanos wall_now = WallNowNanos();

  for (size_t i = 0; i < items.size(); ++i) {
    const EventBatch& batch = *items[i].batch;
    const SinkResult& result = results[i];
    DeliveryOutcome outcome = DeliveryOutcome::kDelivered;
    switch (result.verdict) {
      case SinkVerdict::kOk: {
        const size_t refused = CountRefused(batch, result);
        const size_t delivered = batch.size() - refused;
        delivered_events_ += delivered;
        sent_success_->Increment(static_cast<double>(delivered));
        const Nanos oldest = batch.OldestReadTime();
        if (oldest != 0 && delivered != 0) {
          e2e_latency_->Observe(static_cast<double>(std::max<Nanos>(0, wall_now - oldest)) / kNanosPerSecond);
        }
        if (refused != 0) outcome = DeadLetter(batch, result, attempts[i], first_attempt);
        break;
      }
      case SinkVerdict::kReject:
        outcome = DeadLetter(batch, result, attempts[i], first_attempt);
        break;
      case SinkVerdict::kRetry:  // gave up at the shutdown deadline
        failed_events_ += batch.size();
        sent_failed_->Increment(static_cast<double>(batch.size()));
        outcome = DeliveryOutcome::kFailed;
        break;
    }
    feed_->Finish(items[i], outcome);
  }
  items.clear();  // releasing the batches is what acknowledges them to their sources (memory feed)
}

void SinkRunner::DeliverReplays() {
  std::vector<Replay> replays;
  if (replays_.PopUntil(replays, SIZE_MAX, 0) == 0) return;
  for (Replay& replay : replays) {
    std::vector<const EventBatch*> batches{replay.batch.get()};
    std::vector<SinkResult> results;
    std::vector<uint32_t> attempts;
    DeliverWithRetries(batches, results, &attempts);
    const SinkResult& result = results.front();
    if (result.ok()) {
      const size_t refused = CountRefused(*replay.batch, result);
      const size_t delivered = replay.batch->size() - refused;
      delivered_events_ += delivered;
      sent_success_->Increment(static_cast<double>(delivered));
    }
    replay.done(result);
  }
}

void SinkRunner::FillGroup(std::vector<FeedItem>& items, size_t group) {
  const Sink::GroupFill fill = sink_->group_fill();
  if (fill.min_events == 0 || fill.max_wait <= 0) return;
  size_t events = 0;
  for (const FeedItem& item : items) events += item.batch->size();
  const Nanos until = MonotonicNowNanos() + fill.max_wait;
  while (events < fill.min_events && items.size() < group && !deadline_.Passed()) {
    const Nanos now = MonotonicNowNanos();
    if (now >= until) break;
    const size_t before = items.size();
    if (feed_->Take(items, group - before, std::min(until, now + kTakeWaitSlice)) == 0) {
      if (feed_->Exhausted()) break;
      continue;
    }
    for (size_t i = before; i < items.size(); ++i) events += items[i].batch->size();
  }
}

std::span<const EventBatch* const> SinkRunner::TakeAhead() {
  if (!ahead_.empty() || deadline_.Passed()) return {};
  if (feed_->Take(ahead_, group_batches_, MonotonicNowNanos()) == 0) return {};
  ahead_batches_.clear();
  for (const FeedItem& item : ahead_) ahead_batches_.push_back(item.batch.get());
  return ahead_batches_;
}

void SinkRunner::Run() {
  const size_t group = group_batches_;
  std::vector<FeedItem> items;
  items.reserve(group);
  for (;;) {
    DeliverReplays();
    if (deadline_.Passed()) break;
    if (!ahead_.empty()) {
      // The group the sink has looked ahead at: handed over as it was, without filling it up.
      items.swap(ahead_);
      ahead_.clear();
      DeliverFeedGroup(items);
      continue;
    }
    const size_t n = feed_->Take(items, group, MonotonicNowNanos() + kTakeWaitSlice);
    if (n == 0) {
      if (feed_->Exhausted()) break;
      sink_->Idle();
      continue;
    }
    FillGroup(items, group);
    DeliverFeedGroup(items);
  }
  // Looked ahead at but never handed over (shutdown deadline): not delivered by this run.
  for (const FeedItem& item : ahead_) feed_->Finish(item, DeliveryOutcome::kFailed);
  ahead_.clear();
}

std::string SinkRunner::StatsJson() const {
  return JsonObject()
      .Add("healthy", Healthy())
      .AddString("circuit", CircuitStateName(breaker_.state()))
      .AddString("last_error", last_error())
      .Add("delivered_events", delivered_events_.load())
      .Add("failed_events", failed_events_.load())
      .Add("rejected_events", rejected_events_.load())
      .Add("dead_lettered_events", dead_lettered_events_.load())
      .Add("retries", retries_.load())
      .AddRaw("feed", feed_->StatsJson())
      .AddRaw("sink", sink_->StatsJson())
      .Take();
}

}  // namespace logcap
