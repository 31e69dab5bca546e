// BufferedOutput: the disk buffer is on; every batch becomes one record of the write-ahead log.
//
// Prepare (parallel) encodes the batch with the binary batch codec. Deliver (in order) appends the
// record; the batch's ack tokens travel with the append and are released when the WAL reports the
// record durable (fdatasync'ed): only then may the sources move their positions past it
// (CONTRACT §7). Every sink then reads the record through its own cursor (BufferFeed), so a sink
// that fails retries alone and never holds up the others until the buffer is full.
//
// When the buffer is full (when_full: block) Append waits: the dispatcher waits, its queue fills,
// and the sources pause with their positions kept. When a write fails (disk full, I/O error) the
// output logs the error, counts it in log_capturer_buffer_write_errors_total, reports itself
// unhealthy and retries with backoff: again the sources pause, nothing is lost, and delivery
// resumes by itself when space returns.
//
// A batch whose record would not fit in the buffer at all (bigger than max_total_size) is split in
// halves until the parts fit; a single event that still does not fit is dropped, logged and
// counted in log_capturer_logs_dropped_total{stage="buffer",reason="too_large"}.
//
// Thread-safety: per BatchOutput; healthy() and last_error() from any thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include <memory>
#include <string_view>
#include <vector>

#include "pipeline/batch_output.h"
#include "pipeline/shutdown_deadline.h"

namespace prometheus {
class Counter;
}

namespace logcap {

class Metrics;
class Wal;

class BufferedOutput : public BatchOutput {
 public:
  // wal and metrics must outlive this output.
  BufferedOutput(Wal* wal, Metrics* metrics);
  void Prepare(PreparedBatch& prepared) override;
  void Deliver(PreparedBatch&& prepared) override;
  void SetShutdownDeadline(Nanos deadline) override;

  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  std::string last_error() const;

 private:
  using SharedAcks = std::shared_ptr<std::vector<AckTokenPtr>>;
  // Appends one encoded batch, waiting and retrying as described above.
  void Append(const EventBatch& batch, std::string_view encoded, const SharedAcks& acks);

  Wal* wal_;
  prometheus::Counter* write_errors_;
  prometheus::Counter* dropped_too_large_;
  ShutdownDeadline deadline_;
  std::atomic<bool> healthy_{true};
  mutable std::mutex error_mu_;
  std::string last_error_;
  Nanos last_log_ = 0;
};

}  // namespace logcap
