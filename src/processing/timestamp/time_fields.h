// TimeFields: what a timestamp text said, field by field, before it becomes a time; and
// ResolveTimeFields, which validates the fields and makes them a Unix time.
//
// Every way of reading a timestamp (compiled strftime and Go layouts, the RFC 3339 and ISO 8601
// scanners, epoch numbers, auto-detection) fills a TimeFields and leaves the calendar to
// ResolveTimeFields, so validation and zone handling are the same for all of them.
//
// Resolution:
// - Epoch: epoch_seconds (+ nanos, with the sign of the number) is the time; everything else is
//   ignored.
// - AM/PM: PM adds 12 to an hour below 12, AM makes 12 into 0 (Go's rule, whatever the hour
//   field was).
// - Day of year: gives the month and day when they are absent, and must agree when present.
// - Validation: month 1-12, day within the month (leap years counted), hour 0-23, minute 0-59,
//   second 0-60 (60, a leap second, reads as 59), year 0-9999; else nullopt.
// - Offset: a parsed offset wins; otherwise the zone's rules convert the civil time.
// - No year (syslog "Jan  2 15:04:05"): the year that puts the time latest but not more than a
//   day after `now` (Dec 31 lines read on Jan 1 get last year; a line up to a day ahead, from a
//   clock a little in the future, keeps this year).
// - Range: nullopt when the time is outside what Nanos holds (1677-09-21 to 2262-04-11 UTC).
#pragma once

#include <cstdint>
#include <optional>

#include "core/clock.h"

namespace logcap {

class TimeZoneRules;

struct TimeFields {
  static constexpr int kUnset = -1;

  int year = kUnset;  // 0..9999
  int month = kUnset;  // 1..12
  int day = kUnset;    // 1..31
  int day_of_year = kUnset;  // 1..366
  int hour = 0, minute = 0, second = 0;
  int32_t nanos = 0;  // 0..999'999'999
  enum class Meridiem : uint8_t { kNone, kAm, kPm } meridiem = Meridiem::kNone;
  bool has_offset = false;
  int32_t offset_seconds = 0;  // seconds east of UTC, when has_offset
  bool has_epoch = false;
  bool epoch_negative = false;  // the epoch number had a '-': nanos count towards the past
  int64_t epoch_seconds = 0;    // with has_epoch: |value| carries the sign, nanos do not
};

// now: the reference for a missing year (ignored when the year is known).
std::optional<Nanos> ResolveTimeFields(const TimeFields& fields, const TimeZoneRules& zone, Nanos now);

// True when ResolveTimeFields will need `now` (no epoch, no year): callers read the clock only then.
inline bool NeedsReferenceTime(const TimeFields& fields) { return !fields.has_epoch && fields.year == TimeFields::kUnset; }

}  // namespace logcap
