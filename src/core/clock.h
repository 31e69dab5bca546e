// Clock: wall and monotonic time as int64 nanoseconds, and a fast RFC 3339 formatter.
//
// Events carry times as nanoseconds since the Unix epoch (UTC). Nanos fits until the year 2262.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logcap {

using Nanos = int64_t;
inline constexpr Nanos kNanosPerSecond = 1'000'000'000;
inline constexpr Nanos kNanosPerMilli = 1'000'000;

Nanos WallNowNanos();       // CLOCK_REALTIME
Nanos MonotonicNowNanos();  // CLOCK_MONOTONIC: for durations and deadlines only

// Formats times as "2026-11-23T10:00:00.123456789Z" (always 30 bytes).
// Caches the date-and-time prefix of the last second it formatted, so formatting a run of events
// from the same second costs two 9-digit conversions. Not thread-safe: one per thread or sink.
class TimestampFormatter {
 public:
  static constexpr size_t kLength = 30;
  // Writes exactly kLength bytes to out. Returns kLength.
  size_t Format(Nanos t, char* out);
  std::string Format(Nanos t);

 private:
  int64_t cached_second_ = INT64_MIN;
  char prefix_[20] = {};  // "YYYY-MM-DDTHH:MM:SS"
};

// Formats the UTC calendar date of t as "YYYY-MM-DD" (10 bytes).
void FormatDate(Nanos t, char* out);

// Parses RFC 3339 ("2026-11-23T10:00:00.123Z", "+02:00" offsets, up to 9 fraction digits).
// nullopt for malformed text and for times outside what Nanos holds (years 1678 to 2261).
std::optional<Nanos> ParseRfc3339(std::string_view text);

}  // namespace logcap
