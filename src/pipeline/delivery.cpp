#include "pipeline/delivery.h"
#include "core/thread_name.h"

#include <spdlog/spdlog.h>

#include <future>
#include <map>

#include "buffer/wal.h"
#include "codec/event_json_decoder.h"
#include "core/json_object.h"
#include "dlq/dead_letter_queue.h"
#include "pipeline/buffer_feed.h"
#include "pipeline/buffered_output.h"
#include "pipeline/direct_output.h"
#include "pipeline/memory_feed.h"
#include "pipeline/sink_runner.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {

Nanos ToNanos(Duration d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); }

constexpr Nanos kMaintenanceInterval = 5 * kNanosPerSecond;
constexpr size_t kReplayChunk = 500;

}  // namespace

Status Delivery::Open(const Config& config, std::vector<std::unique_ptr<Sink>> sinks, Metrics* metrics,
                      std::unique_ptr<Delivery>* out) {
  std::unique_ptr<Delivery> d(new Delivery());
  d->metrics_ = metrics;

  if (config.dlq.enabled) {
    DlqOptions options;
    options.directory = config.DlqDirectory();
    options.max_total_size = config.dlq.max_total_size;
    options.max_file_size = config.dlq.max_file_size;
    options.retention = ToNanos(config.dlq.retention);
    Status s = DeadLetterQueue::Open(options, &d->dlq_);
    if (!s.ok()) return Status::IoError("dlq: cannot open " + options.directory + ": " + s.ToString());
    d->dlq_directory_ = options.directory;
  }

  std::vector<std::string> names;
  for (const auto& sink : sinks) names.push_back(sink->name());

  if (config.disk_buffer.enabled) {
    WalOptions options;
    options.directory = config.BufferDirectory();
    options.max_total_size = config.disk_buffer.max_total_size;
    options.max_segment_size = std::min(config.disk_buffer.max_file_size, config.disk_buffer.max_total_size);
    options.when_full =
        config.disk_buffer.when_full == "drop_oldest" ? WalOptions::WhenFull::kDropOldest : WalOptions::WhenFull::kBlock;
    options.sync_interval = ToNanos(config.disk_buffer.sync_interval);
    options.compress = config.disk_buffer.compression == "zstd";
    // A cursor saved more often means fewer records sent twice after a crash; it is one small
    // file write per reader.
    options.cursor_save_interval = 250 * kNanosPerMilli;
    WalRecoveryReport report;
    Status s = Wal::Open(options, &d->wal_, &report);
    if (!s.ok()) return Status::IoError("disk_buffer: cannot open " + options.directory + ": " + s.ToString());
    d->buffer_directory_ = options.directory;
    if (report.records != 0 || report.torn_tail_bytes != 0 || report.corrupt_records != 0) {
      spdlog::info("disk buffer {}: {} record(s) ({} events, {} bytes) recovered; torn tail cut: {} bytes; corrupt "
                   "records skipped: {}",
                   options.directory, report.records, report.events, report.bytes, report.torn_tail_bytes,
                   report.corrupt_records);
    }
    for (const std::string& problem : report.problems) spdlog::warn("disk buffer {}: {}", options.directory, problem);
    if (report.corrupt_records != 0) metrics->BufferCorruptRecords().Increment(static_cast<double>(report.corrupt_records));
    prometheus::Counter* dropped_full = &metrics->LogsDropped("buffer", "buffer_full");
    d->wal_->SetDropCallback([dropped_full](uint64_t events) {
      dropped_full->Increment(static_cast<double>(events));
      spdlog::warn("disk buffer full (when_full: drop_oldest): {} undelivered events deleted", events);
    });
    s = d->wal_->RetainReaders(names);
    if (!s.ok()) return s;
  }

  SinkRunnerOptions runner_options;
  runner_options.retry_base_delay = ToNanos(config.dispatcher.retry_base_delay);
  runner_options.retry_max_delay = ToNanos(config.dispatcher.retry_max_delay);
  runner_options.breaker_threshold = config.dispatcher.circuit_breaker_threshold;
  std::vector<MemoryFeed*> memory_feeds;
  for (auto& sink : sinks) {
    std::unique_ptr<SinkFeed> feed;
    if (d->wal_) {
      std::unique_ptr<WalReader> reader;
      Status s = d->wal_->OpenReader(sink->name(), &reader);
      if (!s.ok()) return Status::IoError("disk_buffer: reader for sink " + sink->name() + ": " + s.ToString());
      feed = std::make_unique<BufferFeed>(std::move(reader), d->wal_.get(), metrics);
    } else {
      auto memory = std::make_unique<MemoryFeed>();
      memory_feeds.push_back(memory.get());
      feed = std::move(memory);
    }
    d->runners_.push_back(
        std::make_unique<SinkRunner>(std::move(sink), std::move(feed), d->dlq_.get(), runner_options, metrics));
  }
  if (d->wal_) {
    auto buffered = std::make_unique<BufferedOutput>(d->wal_.get(), metrics);
    d->buffered_output_ = buffered.get();
    d->output_ = std::move(buffered);
  } else {
    d->output_ = std::make_unique<DirectOutput>(std::move(memory_feeds));
  }
  *out = std::move(d);
  return Status::Ok();
}

Delivery::~Delivery() {
  {
    std::lock_guard lock(maintenance_mu_);
    stopping_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  replay_stop_ = true;
  for (auto& runner : runners_) {  // no-ops after Finish()
    runner->SetShutdownDeadline(MonotonicNowNanos());
    runner->CloseAndJoin();
  }
  if (replay_thread_.joinable()) replay_thread_.join();
  runners_.clear();
  if (wal_) wal_->Close();
}

Status Delivery::Start() {
  for (auto& runner : runners_) {
    Status s = runner->Start();
    if (!s.ok()) return s;
  }
  maintenance_ = std::thread([this] {
    SetCurrentThreadName("delivery-maint");
    MaintenanceLoop();
  });
  return Status::Ok();
}

void Delivery::BeginShutdown(Nanos deadline) {
  replay_stop_ = true;
  output_->SetShutdownDeadline(deadline);
  for (auto& runner : runners_) runner->SetShutdownDeadline(deadline);
}

bool Delivery::Finish() {
  {
    std::lock_guard lock(maintenance_mu_);
    stopping_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  for (auto& runner : runners_) runner->CloseAndJoin();
  // After the runners: a replay waiting on one is answered by its CloseAndJoin.
  if (replay_thread_.joinable()) replay_thread_.join();
  if (wal_) {
    // Runs every outstanding durable callback (sources acknowledged) and saves every cursor.
    wal_->Close();
    const WalStats stats = wal_->Stats();
    for (const WalReaderStats& r : stats.readers) {
      if (r.pending_events != 0) {
        spdlog::info("disk buffer: {} event(s) for sink {} stay in the buffer and are delivered after the next start",
                     r.pending_events, r.name);
      }
    }
  }
  RefreshGauges();
  // Undelivered data is not a failure to stop: it is kept (in the buffer, or unacknowledged at its
  // source) and delivered after the next start.
  return true;
}

SinkRunner* Delivery::FindRunner(const std::string& name) const {
  for (const auto& runner : runners_) {
    if (runner->name() == name) return runner.get();
  }
  return nullptr;
}

void Delivery::RefreshGauges() {
  if (wal_) {
    const WalStats stats = wal_->Stats();
    metrics_->BufferDiskBytes().Set(static_cast<double>(stats.disk_bytes));
    for (const WalReaderStats& r : stats.readers) {
      metrics_->BufferSizeBytes(r.name).Set(static_cast<double>(r.pending_bytes));
    }
  } else {
    for (const auto& runner : runners_) {
      metrics_->BufferSizeBytes(runner->name()).Set(static_cast<double>(runner->feed().PendingBytes()));
    }
  }
  if (dlq_) metrics_->DlqSizeBytes().Set(static_cast<double>(dlq_->Stats().bytes));
}

void Delivery::MaintenanceLoop() {
  std::unique_lock lock(maintenance_mu_);
  while (!stopping_) {
    lock.unlock();
    RefreshGauges();
    if (dlq_) {
      Status s = dlq_->EnforceLimits(WallNowNanos());
      if (!s.ok()) spdlog::warn("dlq: enforcing limits failed: {}", s.ToString());
    }
    lock.lock();
    maintenance_cv_.wait_for(lock, std::chrono::nanoseconds(kMaintenanceInterval), [&] { return stopping_; });
  }
}

std::string Delivery::HealthJson(std::vector<std::string>* failing) const {
  JsonObject checks;
  AddHealthChecks(&checks, failing);
  return checks.Take();
}

void Delivery::AddHealthChecks(JsonObject* out, std::vector<std::string>* failing) const {
  JsonObject& checks = *out;
  JsonObject sinks;
  for (const auto& runner : runners_) {
    const ComponentHealth far_side = runner->SinkHealth();
    const bool ok = runner->Healthy() && far_side.ok;
    if (!ok) failing->push_back("sink:" + runner->name());
    JsonObject sink;
    sink.AddString("status", ok ? "ok" : "failing")
        .AddString("circuit", CircuitStateName(runner->circuit_state()))
        .AddString("last_error", runner->last_error());
    if (!far_side.detail_json.empty()) sink.AddRaw("far_side", far_side.detail_json);
    sinks.AddRaw(runner->name(), sink.Take());
  }
  checks.AddRaw("sinks", sinks.Take());
  if (buffered_output_ != nullptr) {
    const bool ok = buffered_output_->healthy();
    if (!ok) failing->push_back("disk_buffer");
    const WalStats stats = wal_->Stats();
    checks.AddRaw("disk_buffer", JsonObject()
                                     .AddString("status", ok ? (stats.full ? "full" : "ok") : "failing")
                                     .AddString("last_error", buffered_output_->last_error())
                                     .Add("disk_bytes", stats.disk_bytes)
                                     .Take());
  }
}

std::string Delivery::SinksStatsJson() const {
  JsonObject sinks;
  for (const auto& runner : runners_) sinks.AddRaw(runner->name(), runner->StatsJson());
  return sinks.Take();
}

std::string Delivery::BufferStatsJson() const {
  if (!wal_) return JsonObject().Add("enabled", false).Take();
  const WalStats stats = wal_->Stats();
  JsonObject readers;
  for (const WalReaderStats& r : stats.readers) {
    readers.AddRaw(r.name, JsonObject()
                               .Add("pending_records", r.pending_records)
                               .Add("pending_events", r.pending_events)
                               .Add("pending_bytes", r.pending_bytes)
                               .Take());
  }
  return JsonObject()
      .Add("enabled", true)
      .AddString("directory", buffer_directory_)
      .Add("segments", stats.segments)
      .Add("disk_bytes", stats.disk_bytes)
      .Add("records_appended", stats.records_appended)
      .Add("events_appended", stats.events_appended)
      .Add("corrupt_records", stats.corrupt_records)
      .Add("torn_tail_bytes", stats.torn_tail_bytes)
      .Add("dropped_events", stats.dropped_events)
      .Add("full", stats.full)
      .AddString("last_error", stats.last_error)
      .AddRaw("readers", readers.Take())
      .Take();
}

std::string Delivery::DlqStatsJson() const {
  std::lock_guard lock(replay_mu_);
  if (!dlq_) return JsonObject().Add("enabled", false).AddRaw("replay", replay_state_).Take();
  return JsonObject()
      .Add("enabled", true)
      .AddString("directory", dlq_directory_)
      .AddRaw("store", dlq_->StatsJson())
      .Add("replay_running", replay_running_)
      .AddRaw("replay", replay_state_)
      .Take();
}

Status Delivery::StartReplay(const std::string& sink, const std::string& reason, uint64_t max_entries) {
  if (!dlq_) return Status::Unavailable("the dead-letter queue is disabled (dlq.enabled: false)");
  if (!sink.empty() && FindRunner(sink) == nullptr) {
    return Status::InvalidArgument("no sink named '" + sink + "' is running");
  }
  std::lock_guard lock(replay_mu_);
  if (replay_running_) return Status::Unavailable("a replay is already running");
  if (replay_stop_) return Status::Unavailable("the agent is stopping");
  if (replay_thread_.joinable()) replay_thread_.join();
  replay_running_ = true;
  replay_state_ = JsonObject().AddString("status", "running").AddString("sink", sink).AddString("reason", reason).Take();
  replay_thread_ = std::thread([this, sink, reason, max_entries] {
    SetCurrentThreadName("dlq-replay");
    RunReplay(sink, reason, max_entries);
  });
  return Status::Ok();
}

void Delivery::RunReplay(std::string sink, std::string reason, uint64_t max_entries) {
  spdlog::info("dlq: replay started (sink '{}', reason '{}')", sink.empty() ? "any" : sink,
               reason.empty() ? "any" : reason);
  DlqReplayFilter filter;
  filter.sink = sink;
  filter.reason = reason;
  filter.max_entries = max_entries;
  EventJsonDecoder decoder("dlq_replay");
  uint64_t undecodable = 0;
  auto deliver = [&](std::span<const DlqStoredEntry> entries) -> std::vector<bool> {
    std::vector<bool> ok(entries.size(), false);
    if (replay_stop_) return ok;
    // Entries go back to the sink that rejected them; group them by sink, keeping their order.
    std::map<std::string, std::vector<size_t>> by_sink;
    for (size_t i = 0; i < entries.size(); ++i) by_sink[entries[i].entry.sink].push_back(i);
    for (auto& [sink_name, indices] : by_sink) {
      SinkRunner* runner = FindRunner(sink_name);
      if (runner == nullptr) continue;  // that sink is not configured now: the entries stay
      auto batch = std::make_shared<EventBatch>();
      std::vector<size_t> event_to_entry;
      for (size_t i : indices) {
        Status s = decoder.Decode(entries[i].entry.event_json, batch.get());
        if (s.ok()) {
          event_to_entry.push_back(i);
        } else {
          ++undecodable;
        }
      }
      if (event_to_entry.empty()) continue;
      std::promise<SinkResult> promise;
      std::future<SinkResult> future = promise.get_future();
      if (!runner->SubmitReplay(batch, [&promise](const SinkResult& r) { promise.set_value(r); })) return ok;
      const SinkResult result = future.get();
      if (!result.ok()) continue;
      std::vector<bool> rejected_again(event_to_entry.size(), false);
      for (const RejectedEvent& r : result.rejected) {
        if (r.index < rejected_again.size()) rejected_again[r.index] = true;
      }
      for (size_t k = 0; k < event_to_entry.size(); ++k) ok[event_to_entry[k]] = !rejected_again[k];
    }
    return ok;
  };
  uint64_t delivered = 0, failed = 0;
  Status s = dlq_->Replay(filter, kReplayChunk, deliver, &delivered, &failed);
  spdlog::info("dlq: replay finished: {} delivered, {} still in the dead-letter queue{}", delivered, failed,
               s.ok() ? "" : " (" + s.ToString() + ")");
  std::lock_guard lock(replay_mu_);
  replay_running_ = false;
  replay_state_ = JsonObject()
                      .AddString("status", s.ok() ? "finished" : "failed")
                      .AddString("sink", sink)
                      .AddString("reason", reason)
                      .Add("delivered", delivered)
                      .Add("not_delivered", failed)
                      .Add("undecodable", undecodable)
                      .AddString("error", s.ok() ? "" : s.ToString())
                      .Take();
}

}  // namespace logcap
