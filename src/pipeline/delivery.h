// Delivery: everything between the dispatcher's ordered output and the sinks' acknowledgements —
// the disk buffer, the sink runners with their feeds, the dead-letter queue and its replay.
//
//   disk buffer on:   Dispatcher -> BufferedOutput -> WAL --(one cursor per sink)--> BufferFeed
//                     -> SinkRunner -> Sink;  rejected events -> DLQ
//   disk buffer off:  Dispatcher -> DirectOutput -> MemoryFeed per sink -> SinkRunner -> Sink
//
// Lifecycle (driven by the Agent): Open, Start, then at shutdown BeginShutdown(deadline) before
// the dispatcher drains, and Finish() after it has: the sinks deliver what is left until the
// deadline, then the buffer is closed (every durable record acknowledged to its source, every
// cursor saved). What was not delivered stays in the buffer and goes out after the next start.
//
// Thread-safety: Open/Start/BeginShutdown/Finish from the agent's control thread; the JSON and
// replay methods from any thread (the HTTP server's).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/json_object.h"
#include "core/status.h"
#include "pipeline/batch_output.h"
#include "pipeline/sink.h"

namespace logcap {

class BufferedOutput;
class DeadLetterQueue;
class Metrics;
class SinkRunner;
class Wal;

class Delivery {
 public:
  static Status Open(const Config& config, std::vector<std::unique_ptr<Sink>> sinks, Metrics* metrics,
                     std::unique_ptr<Delivery>* out);
  ~Delivery();
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  // Starts every sink and its runner.
  Status Start();
  BatchOutput* output() { return output_.get(); }
  void BeginShutdown(Nanos deadline);
  // After the dispatcher has drained: deliver until the deadline, then keep the rest.
  bool Finish();

  // Adds this part's checks to /health: failing entries are appended to `failing`.
  std::string HealthJson(std::vector<std::string>* failing) const;
  // The same checks ("sinks", "disk_buffer") added to *checks.
  void AddHealthChecks(JsonObject* checks, std::vector<std::string>* failing) const;
  std::string SinksStatsJson() const;
  std::string BufferStatsJson() const;
  // GET /api/v1/dlq: the store's statistics and the last replay.
  std::string DlqStatsJson() const;
  // POST /api/v1/dlq/replay: starts replaying entries (filtered by sink and reason, "" = any) to
  // their sinks in the background. InvalidArgument for an unknown sink, Unavailable when the DLQ
  // is off or a replay is already running.
  Status StartReplay(const std::string& sink, const std::string& reason, uint64_t max_entries);
  size_t sink_count() const { return runners_.size(); }
  bool buffered() const { return wal_ != nullptr; }

 private:
  Delivery() = default;
  void MaintenanceLoop();
  void RefreshGauges();
  void RunReplay(std::string sink, std::string reason, uint64_t max_entries);
  SinkRunner* FindRunner(const std::string& name) const;

  Metrics* metrics_ = nullptr;
  std::unique_ptr<Wal> wal_;
  std::unique_ptr<DeadLetterQueue> dlq_;
  std::vector<std::unique_ptr<SinkRunner>> runners_;
  std::unique_ptr<BatchOutput> output_;
  BufferedOutput* buffered_output_ = nullptr;
  std::string buffer_directory_;
  std::string dlq_directory_;

  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;
  std::thread maintenance_;

  mutable std::mutex replay_mu_;
  std::thread replay_thread_;
  bool replay_running_ = false;
  std::string replay_state_ = "{}";  // the last replay's summary, JSON
  std::atomic<bool> replay_stop_{false};
};

}  // namespace logcap
