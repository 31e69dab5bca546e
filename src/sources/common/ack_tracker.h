// AckTracker: turns out-of-order batch acknowledgements of one file stream into a safe position.
//
// The reader registers every batch it emits, in file order, with the offset just past its last
// line. Acknowledgements (AckToken callbacks) arrive in any order and on any thread. The committed
// offset is the end of the longest prefix of registered batches that were all finalised kDelivered
// or kDropped: it never passes a batch still in flight, and never passes a kFailed one (that batch
// stays a hole for the rest of this tracker's life, so a restart reads it again).
//
// One tracker is one stream generation of a file: after a truncation the file gets a new tracker
// (and stream id), so acknowledgements of batches read before it cannot move the new position.
//
// Thread-safety: every method may be called from any thread; one small mutex, taken once per batch.
// Lifetime: owned through shared_ptr by the file and by every AckToken callback of its batches, so
// a late acknowledgement (even after the source is gone) only touches this object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "core/acknowledgement.h"

namespace logcap {

class AckTracker {
 public:
  // start_offset: where reading of this stream starts; the committed offset until a batch is acked.
  AckTracker(uint64_t stream_id, uint64_t start_offset);
  AckTracker(const AckTracker&) = delete;
  AckTracker& operator=(const AckTracker&) = delete;

  uint64_t stream_id() const { return stream_id_; }

  // Records an emitted batch covering the file up to end_offset (non-decreasing across calls).
  // Returns its ticket for Finalize. Call before the batch can be acknowledged.
  uint64_t Register(uint64_t end_offset);

  // Records the outcome of the batch with this ticket. Unknown or repeated tickets are ignored.
  void Finalize(uint64_t ticket, DeliveryOutcome outcome);

  // An AckToken whose finalisation calls Finalize(Register(end_offset), outcome) on tracker.
  static AckTokenPtr MakeToken(const std::shared_ptr<AckTracker>& tracker, uint64_t end_offset);

  uint64_t committed_offset() const;
  // Batches registered and not yet committed (in flight, after a hole, or failed).
  size_t pending() const;
  bool has_failed() const;

 private:
  enum class State : uint8_t { kInFlight, kDone, kFailed };
  struct Entry {
    uint64_t end_offset;
    State state;
  };

  const uint64_t stream_id_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // entries_[i] has ticket first_ticket_ + i
  uint64_t first_ticket_ = 0;
  uint64_t committed_;
  bool failed_ = false;
};

}  // namespace logcap
