// ScanEpoch: a Unix time as a number of seconds, milliseconds, microseconds or nanoseconds since
// 1970-01-01 UTC: an optional '-', 1 to 19 digits, and (but for nanoseconds) an optional '.' with
// a fraction of the unit ("1700000000.5" seconds; "1700000000123.456" milliseconds). Fractions
// finer than a nanosecond are dropped.
//
// Contract: true when the WHOLE text is such a number, with *fields holding it as an epoch; false
// otherwise (ResolveTimeFields still refuses times outside Nanos' range).
#pragma once

#include <cstdint>
#include <string_view>

#include "processing/timestamp/time_fields.h"

namespace logcap {

enum class EpochUnit : uint8_t { kSeconds, kMilliseconds, kMicroseconds, kNanoseconds };

bool ScanEpoch(std::string_view text, EpochUnit unit, TimeFields* fields);

}  // namespace logcap
