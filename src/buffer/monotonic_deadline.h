// monotonic_deadline: turns a core/clock.h monotonic Nanos deadline into a time point that
// condition variables accept. std::chrono::steady_clock reads CLOCK_MONOTONIC on Linux, the same
// clock as MonotonicNowNanos(). Pure function.
#pragma once

#include <chrono>

#include "core/clock.h"

namespace logcap {

inline std::chrono::steady_clock::time_point ToSteadyTimePoint(Nanos monotonic) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::nanoseconds(monotonic)));
}

}  // namespace logcap
