// CircuitBreaker: the state of one sink's connection to its far side (closed, open, half-open).
//
//   closed    attempts flow; each failure counts. `threshold` consecutive failures open it.
//   open      the far side is considered down: the runner waits (its backoff, which has grown by
//             then) before the next attempt. A "misconfigured" failure (401/403, unknown topic)
//             opens it at once: retrying fast cannot help, a person must fix something.
//   half-open the first attempt after a wait in the open state: a success closes the breaker, a
//             failure opens it again.
//
// The breaker does not drop or reject anything: data waits (in the queue or the disk buffer) and
// backpressure reaches the sources. Its state is the log_capturer_sink_circuit_state gauge
// (0 closed, 1 half-open, 2 open) and part of /health.
//
// Thread-safety: the transitions are called by the runner thread only; state() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace prometheus {
class Gauge;
}

namespace logcap {

enum class CircuitState : uint8_t { kClosed = 0, kHalfOpen = 1, kOpen = 2 };
std::string_view CircuitStateName(CircuitState state);  // "closed" | "half_open" | "open"

class CircuitBreaker {
 public:
  // gauge may be null.
  CircuitBreaker(uint64_t threshold, prometheus::Gauge* gauge);

  // An attempt is about to be made (an open breaker becomes half-open).
  void BeforeAttempt();
  void OnSuccess();
  // Returns true when this failure opened the breaker (closed or half-open -> open).
  bool OnFailure(bool misconfigured);

  CircuitState state() const { return state_.load(std::memory_order_relaxed); }
  uint64_t consecutive_failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  void Set(CircuitState state);

  const uint64_t threshold_;
  prometheus::Gauge* gauge_;
  std::atomic<CircuitState> state_{CircuitState::kClosed};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace logcap
