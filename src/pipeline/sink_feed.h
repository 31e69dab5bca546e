// SinkFeed: where a SinkRunner takes its batches from, and where it reports them finished.
//
// Two kinds exist (Fluent Bit keeps chunks in memory or on the file system in the same way):
//   MemoryFeed  (disk buffer off) a bounded in-memory queue the dispatcher fills; a batch carries
//               its sources' ack tokens, so finishing it is what acknowledges the sources.
//   BufferFeed  (disk buffer on) this sink's reader of the disk buffer; the sources were
//               acknowledged when the batch became durable, so finishing a batch moves this
//               sink's cursor, and a batch not finished stays in the buffer for the next start.
//
// Contract for the runner: items are finished exactly once each, in the order they were taken
// (a runner delivers a group completely before taking the next one).
//
// Thread-safety: Take and Finish are called by the runner thread only; Close and Exhausted from
// any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/acknowledgement.h"
#include "core/clock.h"
#include "core/event_batch.h"

namespace logcap {

struct FeedItem {
  SharedBatch batch;
  uint64_t ticket = 0;  // the feed's own bookkeeping
};

class SinkFeed {
 public:
  virtual ~SinkFeed() = default;
  // Waits until the monotonic deadline for at least one batch, then appends up to max_batches.
  // Returns how many were appended (0 on timeout, or when Exhausted()).
  virtual size_t Take(std::vector<FeedItem>& out, size_t max_batches, Nanos deadline) = 0;
  // The item is done on this sink: kDelivered (delivered, or its rejected events are in the DLQ),
  // kDropped (discarded and counted), kFailed (given up at shutdown: keep it for the next start).
  virtual void Finish(const FeedItem& item, DeliveryOutcome outcome) = 0;
  // No more input will come: Take returns what is left, then Exhausted() turns true.
  virtual void Close() = 0;
  // Called once after the runner stopped: whatever was never taken is given up (memory: reported
  // kFailed to its sources; buffer: it simply stays on disk).
  virtual void AbandonRemaining() = 0;
  virtual bool Exhausted() const = 0;
  // Bytes (or an estimate) waiting for this sink, for log_capturer_buffer_size_bytes.
  virtual uint64_t PendingBytes() const = 0;
  virtual std::string StatsJson() const = 0;
};

}  // namespace logcap
