// AckToken: end-to-end delivery acknowledgement of one source batch (Vector's finalizer idea).
//
// A source creates one token per batch it emits and hands the batch to the dispatcher. Every batch
// that carries events of that source batch holds a shared_ptr to the token; sinks never release a
// batch before they have delivered it (or given up). When the last holder lets go, the token's
// destructor reports the worst outcome to the source, which then advances its position.
//
// Outcome order, best to worst: kDelivered < kDropped < kFailed.
//  - kDelivered: every sink it was routed to has the events.
//  - kDropped:   events were discarded on purpose (backpressure policy) and counted; the source
//                may move past them.
//  - kFailed:    some sink could not deliver (e.g. shutdown before success): the source must not
//                move its saved position past these events.
//
// Thread-safety: Report() and the destructor may run on any thread. The callback runs on the thread
// that drops the last reference and must be short (it takes the source's ack lock and returns).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

namespace logcap {

enum class DeliveryOutcome : uint8_t { kDelivered = 0, kDropped = 1, kFailed = 2 };

class AckToken {
 public:
  using Callback = std::function<void(DeliveryOutcome)>;
  explicit AckToken(Callback on_finalized) : on_finalized_(std::move(on_finalized)) {}
  AckToken(const AckToken&) = delete;
  AckToken& operator=(const AckToken&) = delete;
  ~AckToken() {
    if (on_finalized_) on_finalized_(static_cast<DeliveryOutcome>(outcome_.load(std::memory_order_acquire)));
  }

  // Records an outcome; the worst one reported wins.
  void Report(DeliveryOutcome outcome) {
    uint8_t value = static_cast<uint8_t>(outcome);
    uint8_t current = outcome_.load(std::memory_order_relaxed);
    while (current < value && !outcome_.compare_exchange_weak(current, value, std::memory_order_acq_rel)) {
    }
  }

 private:
  Callback on_finalized_;
  std::atomic<uint8_t> outcome_{0};
};

using AckTokenPtr = std::shared_ptr<AckToken>;

}  // namespace logcap
