// Sink: a component that delivers batches somewhere (Vector's "sink").
//
// A SinkRunner owns each sink and calls it from one thread only, so a sink needs no locks of its
// own for Write/Flush. The runner groups the batches waiting for a sink: it calls Write() for each
// and then Flush() once (group commit), and acknowledges the batches only after Flush succeeded.
//
// Every call answers Ok, Retry or Reject (Fluent Bit's three verdicts):
//   kOk     done.
//   kRetry  a transient failure (disk full, network): the runner backs off and calls again with
//           the same batch. Data written before the failure may be written again (at-least-once).
//   kReject the data can never be accepted by this sink (e.g. a 400): the runner counts the events
//           as dropped with the reason and moves on (the DLQ takes them once it exists).
#pragma once

#include <string>

#include "core/clock.h"
#include "core/event_batch.h"
#include "core/status.h"

namespace logcap {

enum class SinkVerdict { kOk, kRetry, kReject };

struct SinkResult {
  SinkVerdict verdict = SinkVerdict::kOk;
  Status status;         // why, when not kOk
  Nanos retry_after = 0;  // a server's hint (Retry-After), 0 if none

  static SinkResult Ok() { return {}; }
  static SinkResult Retry(Status why, Nanos retry_after = 0) { return {SinkVerdict::kRetry, std::move(why), retry_after}; }
  static SinkResult Reject(Status why) { return {SinkVerdict::kReject, std::move(why), 0}; }
  bool ok() const { return verdict == SinkVerdict::kOk; }
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual const std::string& name() const = 0;  // "local_file", "stdout", "null", ...
  // Opens what the sink needs. Failure here is a startup error (exit 1).
  virtual Status Start() = 0;
  // Writes one batch; may buffer. Not durable until Flush() returns kOk.
  virtual SinkResult Write(const EventBatch& batch) = 0;
  // Makes everything written so far durable or visible (fsync, flush of stdout).
  virtual SinkResult Flush() = 0;
  // Releases resources; called after the last Flush.
  virtual void Stop() = 0;
  // A JSON object with this sink's own counters, for GET /api/v1/stats ("{}" if none).
  virtual std::string StatsJson() const { return "{}"; }
};

}  // namespace logcap
