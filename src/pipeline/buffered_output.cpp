#include "pipeline/buffered_output.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "buffer/wal.h"
#include "codec/batch_codec.h"
#include "pipeline/retry_backoff.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {
// Waits for space are sliced so that a shutdown deadline is noticed.
constexpr Nanos kAppendWaitSlice = 250 * kNanosPerMilli;
constexpr Nanos kErrorLogInterval = 30 * kNanosPerSecond;
}  // namespace

BufferedOutput::BufferedOutput(Wal* wal, Metrics* metrics)
    : wal_(wal),
      write_errors_(&metrics->BufferWriteErrors()),
      dropped_too_large_(&metrics->LogsDropped("buffer", "too_large")) {}

void BufferedOutput::Prepare(PreparedBatch& prepared) {
  prepared.encoded.clear();
  if (!prepared.batch.empty()) EncodeBatch(prepared.batch, &prepared.encoded);
}

void BufferedOutput::SetShutdownDeadline(Nanos deadline) { deadline_.Set(deadline); }

std::string BufferedOutput::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

void BufferedOutput::Deliver(PreparedBatch&& prepared) {
  // The tokens are released when the append is durable (or reported failed first).
  auto acks = std::make_shared<std::vector<AckTokenPtr>>(prepared.batch.TakeAcks());
  if (prepared.batch.empty()) return;  // nothing to keep: the sources may move on
  Append(prepared.batch, prepared.encoded, acks);
}

void BufferedOutput::Append(const EventBatch& batch, std::string_view encoded, const SharedAcks& acks) {
  const uint32_t events = static_cast<uint32_t>(batch.size());
  RetryBackoff backoff(100 * kNanosPerMilli, 5 * kNanosPerSecond);
  for (;;) {
    const Nanos now = MonotonicNowNanos();
    const Nanos wait_until = deadline_.Clamp(kAppendWaitSlice);
    Status s = wal_->Append(encoded, events, wait_until, [acks](const Status& durable) {
      if (!durable.ok()) {
        for (const AckTokenPtr& token : *acks) token->Report(DeliveryOutcome::kFailed);
      }
    });
    if (s.ok()) {
      if (!healthy_.exchange(true, std::memory_order_relaxed)) {
        spdlog::info("disk buffer: writing again; sources resume");
        std::lock_guard lock(error_mu_);
        last_error_.clear();
      }
      return;
    }
    if (s.code() == Status::Code::kInvalidArgument) {
      // The record can never fit: split the batch (same bytes, no copy) and store the halves.
      if (batch.size() > 1) {
        const size_t half = batch.size() / 2;
        for (auto [from, to] : {std::pair<size_t, size_t>{0, half}, {half, batch.size()}}) {
          EventBatch part = batch.Slice(from, to);
          std::string part_encoded;
          EncodeBatch(part, &part_encoded);
          Append(part, part_encoded, acks);
        }
        return;
      }
      spdlog::error("disk buffer: an event of {} bytes can never fit in the buffer ({}); it is dropped",
                    batch.message_bytes(), s.ToString());
      dropped_too_large_->Increment(static_cast<double>(events));
      for (const AckTokenPtr& token : *acks) token->Report(DeliveryOutcome::kDropped);
      return;
    }
    if (deadline_.Passed()) {
      spdlog::error("disk buffer: could not store {} events before the shutdown deadline ({}); they stay "
                    "unacknowledged at their sources and are read again after a restart",
                    events, s.ToString());
      for (const AckTokenPtr& token : *acks) token->Report(DeliveryOutcome::kFailed);
      return;
    }
    if (s.code() == Status::Code::kUnavailable) continue;  // full: wait for the sinks to free space
    // A write error: disk full, I/O error. Keep the batch, pause, retry.
    write_errors_->Increment();
    healthy_.store(false, std::memory_order_relaxed);
    {
      std::lock_guard lock(error_mu_);
      last_error_ = s.ToString();
    }
    const Nanos delay = backoff.Next();
    if (now - last_log_ >= kErrorLogInterval || backoff.attempts() == 1) {
      last_log_ = now;
      spdlog::error("disk buffer: cannot write ({}); sources are paused, nothing is dropped; retrying in {} ms",
                    s.ToString(), delay / kNanosPerMilli);
    }
    deadline_.SleepFor(delay);
  }
}

}  // namespace logcap
