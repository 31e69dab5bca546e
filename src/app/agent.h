// Agent: builds the pipeline from a Config, runs it, reloads it and stops it cleanly.
//
//   sources --> Dispatcher (queue, batching, processors) --> Delivery (disk buffer, a SinkRunner
//   per sink, DLQ) --> sinks;   the HTTP API reads health, stats and metrics
//
// Start order: metrics, delivery (buffer, DLQ, sinks), dispatcher, sources, HTTP server (so
// /ready turns 200 only when data can flow). Stop order (SIGTERM): stop accepting new batches and
// stop the sources, drain the queue into the buffer or the sinks, let the sinks deliver until
// app.shutdown_timeout, close the buffer (what is left stays there for the next start), then save
// the sources' positions (which only cover what is durable or acknowledged) and stop the server.
//
// Thread-safety: Start and Stop are called by the main thread. Reload, Health and StatsJson may be
// called from any thread (the HTTP server's, or the signal loop).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/status.h"

namespace logcap {

class Delivery;
class Dispatcher;
class HttpIngestSource;
class HttpServer;
class Metrics;
class PipelineProcessor;
class PipelineSet;
class ProcessorChain;
class Source;

struct ReloadOutcome {
  bool ok = false;                    // false: the new file was rejected, the old config runs on
  std::vector<std::string> errors;    // FILE:LINE:COL: error: ... lines
  std::vector<std::string> applied;   // settings now in effect
  std::vector<std::string> restart_required;  // changed sections that take effect after a restart
  std::string ToJson() const;
};

struct HealthReport {
  bool healthy = true;
  std::string json;
};

class Agent {
 public:
  explicit Agent(Config config);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  Status Start();
  // Graceful stop; returns false if something was left undelivered (it stays unacknowledged).
  bool Stop();
  ReloadOutcome Reload();

  bool ready() const { return ready_.load(); }
  HealthReport Health() const;
  std::string StatsJson() const;
  // GET /api/v1/dlq
  std::string DlqStatsJson() const;
  // POST /api/v1/dlq/replay
  Status StartDlqReplay(const std::string& sink, const std::string& reason, uint64_t max_entries);
  Metrics& metrics() { return *metrics_; }
  uint16_t http_port() const;

 private:
  Status StartServer();

  Config config_;
  mutable std::mutex config_mu_;  // guards config_ against concurrent reloads
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<ProcessorChain> processors_;
  PipelineProcessor* pipelines_ = nullptr;  // in processors_: runs the processing pipelines
  // Every pipeline set compiled since start: sources keep pointers into a set's multiline specs
  // for files opened under it, so a reload never frees one (reloads are rare, sets are small).
  std::vector<std::shared_ptr<const PipelineSet>> pipeline_sets_;
  std::unique_ptr<Delivery> delivery_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::vector<std::unique_ptr<Source>> sources_;
  HttpIngestSource* ingest_ = nullptr;  // one of sources_ when the API server is enabled
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  int64_t started_at_ = 0;
};

}  // namespace logcap
