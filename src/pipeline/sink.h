// Sink: a component that delivers batches somewhere (Vector's "sink").
//
// A SinkRunner owns each sink and calls it from one thread only, so a sink needs no locks of its
// own. The runner hands the sink a group of waiting batches with WriteGroup() and gets one
// SinkResult per batch. The default WriteGroup calls Write() for each batch and then Flush() once
// (group commit); sinks that send requests concurrently (HTTP) override WriteGroup instead.
//
// Every result is Ok, Retry or Reject (Fluent Bit's three verdicts):
//   kOk     delivered. `rejected` may list single events the far side refused for good (e.g. the
//           one bad line of a 400'd request, found by splitting it); they go to the DLQ, every
//           other event of the batch was delivered.
//   kRetry  a transient failure (disk full, network, 429, 5xx): the runner backs off and hands the
//           same batch again, to this sink alone. Data sent before the failure may be sent again
//           (at-least-once). `retry_after` carries a server's hint. `misconfigured` marks a
//           problem on the far side's configuration (401/403, unknown topic): not a data error, so
//           the data is kept and retried slowly, the breaker opens and the error is logged loudly.
//   kReject the whole batch can never be accepted (a data error): it goes to the DLQ with `reason`.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/component_health.h"
#include "core/event_batch.h"
#include "core/status.h"

namespace logcap {

enum class SinkVerdict { kOk, kRetry, kReject };

// One event a sink refused for good, by its index in the batch.
struct RejectedEvent {
  uint32_t index = 0;
  std::string reason;  // low cardinality, a metric label: "bad_request", "too_large", ...
  std::string error;   // what the far side said
};

struct SinkResult {
  SinkVerdict verdict = SinkVerdict::kOk;
  Status status;          // why, when not kOk
  Nanos retry_after = 0;  // kRetry: the server's hint (Retry-After), 0 if none
  std::string reason;     // kReject: low-cardinality reason label for the DLQ and metrics
  bool misconfigured = false;          // kRetry: the far side's configuration is wrong (401/403, ...)
  std::vector<RejectedEvent> rejected;  // kOk: events refused for good; the rest were delivered

  static SinkResult Ok() { return {}; }
  static SinkResult Retry(Status why, Nanos retry_after = 0) {
    SinkResult r;
    r.verdict = SinkVerdict::kRetry;
    r.status = std::move(why);
    r.retry_after = retry_after;
    return r;
  }
  static SinkResult Misconfigured(Status why) {
    SinkResult r = Retry(std::move(why));
    r.misconfigured = true;
    return r;
  }
  static SinkResult Reject(Status why, std::string reason = "rejected") {
    SinkResult r;
    r.verdict = SinkVerdict::kReject;
    r.status = std::move(why);
    r.reason = std::move(reason);
    return r;
  }
  bool ok() const { return verdict == SinkVerdict::kOk; }
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual const std::string& name() const = 0;  // "local_file", "http", "stdout", "null", ...
  // Opens what the sink needs. Failure here is a startup error (exit 1).
  virtual Status Start() = 0;
  // Delivers a group of batches: results[i] is the outcome of *group[i] (same sizes). The default
  // calls Write() for each batch, then Flush() once; a batch whose Write failed keeps that result,
  // the others take Flush's.
  virtual void WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results);
  // Writes one batch; may buffer. Not durable until Flush() returns kOk.
  virtual SinkResult Write(const EventBatch& batch) = 0;
  // Makes everything written so far durable or visible (fsync, flush of stdout).
  virtual SinkResult Flush() = 0;
  // Releases resources; called after the last Flush.
  virtual void Stop() = 0;
  // The most batches the runner hands to one WriteGroup call. Group commit amortises an fsync
  // (local files); a sink that holds every batch of a group encoded at once (HTTP) keeps it small
  // to bound its memory.
  virtual size_t max_group_batches() const { return 64; }
  // How full a group should be before it is handed over: the runner keeps taking batches until the
  // group holds at least min_events events, is max_group_batches() long, or max_wait has passed
  // since its first batch was taken (Loki's batch_size / batch_timeout: fewer, fuller pushes at a
  // low rate). The default hands over whatever is waiting at once.
  struct GroupFill {
    size_t min_events = 0;
    Nanos max_wait = 0;
  };
  virtual GroupFill group_fill() const { return {}; }
  // A JSON object with this sink's own counters, for GET /api/v1/stats ("{}" if none).
  virtual std::string StatsJson() const { return "{}"; }
  // What GET /health says of the far side (e.g. brokers reachable), from any thread.
  virtual ComponentHealth Health() const { return {}; }
  // Called on the runner's thread when no batch came for a while (about every take slice): a sink
  // whose client needs serving while idle (Kafka: statistics, late reports) does it here.
  virtual void Idle() {}

  // Lookahead, for sinks whose far side confirms asynchronously (Kafka's delivery reports): while
  // WriteGroup waits for confirmations it may call LookAhead() to get the batches the runner will
  // hand over next, at most one group ahead, and start sending them, so the wire never idles
  // between groups. Those batches come back, in that order, at the start of a later WriteGroup call
  // (after the current group's retries); until then the sink must keep what it knows of them.
  // Empty when nothing is waiting, when a group is already looked ahead, or when shutting down
  // (batches looked ahead and never handed over are finished as failed: delivered again later).
  // Runner thread only.
  using LookAheadFn = std::function<std::span<const EventBatch* const>()>;
  void set_look_ahead(LookAheadFn look_ahead) { look_ahead_ = std::move(look_ahead); }

 protected:
  std::span<const EventBatch* const> LookAhead() {
    return look_ahead_ ? look_ahead_() : std::span<const EventBatch* const>();
  }

  // For sinks whose real work is WriteGroup (HTTP, Loki, Kafka): Write() as a group of one.
  SinkResult WriteAsGroupOfOne(const EventBatch& batch) {
    const EventBatch* group[1] = {&batch};
    SinkResult results[1];
    WriteGroup(group, results);
    return std::move(results[0]);
  }

 private:
  LookAheadFn look_ahead_;
};

}  // namespace logcap
