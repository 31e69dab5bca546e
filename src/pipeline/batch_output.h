// BatchOutput: where the dispatcher hands every processed batch (the router's far end).
//
//   DirectOutput    (disk buffer off) one shared, read-only batch to every sink's MemoryFeed.
//   BufferedOutput  (disk buffer on)  the batch is appended to the disk buffer (one record for
//                   all sinks, each reading it through its own cursor); its sources are
//                   acknowledged once the record is durable.
//
// The dispatcher calls Prepare from its workers in parallel (order-independent work such as
// encoding), then Deliver strictly in queue order, one batch at a time. Deliver may block: that is
// backpressure.
//
// Shutdown: after SetShutdownDeadline, Deliver stops waiting once the deadline passes and reports
// what it could not place kFailed to the sources (they keep their positions before it).
#pragma once

#include <string>

#include "core/clock.h"
#include "core/event_batch.h"

namespace logcap {

struct PreparedBatch {
  EventBatch batch;
  std::string encoded;  // what Prepare produced, if anything
};

class BatchOutput {
 public:
  virtual ~BatchOutput() = default;
  // Any worker thread, in parallel.
  virtual void Prepare(PreparedBatch& /*prepared*/) {}
  // In queue order, one call at a time.
  virtual void Deliver(PreparedBatch&& prepared) = 0;
  // Any thread.
  virtual void SetShutdownDeadline(Nanos deadline) = 0;
};

}  // namespace logcap
