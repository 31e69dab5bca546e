// ShutdownDeadline: the monotonic time by which a component must give up waiting (0 = none yet).
//
// Set once by the agent's control thread at SIGTERM; read by worker threads that retry or wait.
// SleepFor wakes early when the deadline is set or passes, so a retry loop never outlives it.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/clock.h"

namespace logcap {

class ShutdownDeadline {
 public:
  void Set(Nanos deadline) {
    {
      std::lock_guard lock(mu_);
      deadline_.store(deadline, std::memory_order_release);
    }
    cv_.notify_all();
  }
  Nanos value() const { return deadline_.load(std::memory_order_acquire); }
  bool IsSet() const { return value() != 0; }
  bool Passed() const {
    const Nanos deadline = value();
    return deadline != 0 && MonotonicNowNanos() >= deadline;
  }
  // now + slice, but never past the deadline: for waits that must notice it.
  Nanos Clamp(Nanos slice) const {
    const Nanos deadline = value();
    const Nanos until = MonotonicNowNanos() + slice;
    return deadline != 0 ? std::min(deadline, until) : until;
  }
  // Sleeps up to delay; returns early when the deadline is set (or already passed).
  void SleepFor(Nanos delay) {
    std::unique_lock lock(mu_);
    const Nanos until = MonotonicNowNanos() + delay;
    for (;;) {
      const Nanos deadline = value();
      const Nanos wake = deadline != 0 ? std::min(until, deadline) : until;
      const Nanos now = MonotonicNowNanos();
      if (now >= wake) return;
      cv_.wait_for(lock, std::chrono::nanoseconds(wake - now));
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<Nanos> deadline_{0};
};

}  // namespace logcap
