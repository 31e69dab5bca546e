// TimestampParser: reads timestamps written as text into Unix time, for the `timestamp_parse`
// pipeline step. Compiled once from the step's formats and time zone; Parse then only scans.
//
// Formats, tried in the order given (the first that reads the whole text wins):
// - a strftime-style format with '%' directives, "%Y-%m-%d %H:%M:%S%.f" (the directives:
//   timestamp/strftime_format.h);
// - a Go reference layout, "2006-01-02T15:04:05.000Z07:00": a format holding "2006" or "15:04"
//   and no '%' (the fields: timestamp/go_layout.h);
// - a name, in any case:
//     rfc3339 (also rfc3339nano)   2026-01-02T15:04:05[.fraction](Z|+hh:mm), 'T', 't' or ' '
//     iso8601                      RFC 3339, or without an offset, +hh/+hhmm offsets, ',' fraction,
//                                  no seconds, a date alone, the basic 20260102T150405Z
//     unix, epoch, unix_s          Unix seconds, a fraction allowed: 1700000000.123
//     unix_ms, unix_us, unix_ns    milli-, micro-, nanoseconds (epoch_ms, epoch_us, epoch_ns too)
//     auto                         the families of timestamp/auto_timestamp_scanner.h, told apart
//                                  by their first characters and length (RFC 3339/ISO 8601, MySQL,
//                                  Go log, epoch by digit count, common log, RFC 1123, ANSIC,
//                                  syslog)
//
// Time zone: for texts that carry no offset (a text's own offset or zone abbreviation always
// wins; epoch numbers are UTC). "UTC" (the default), "Local" (resolved once, at Create), a fixed
// offset "+02:00"/"-0530", or an IANA name "Europe/Berlin". Times that a daylight-saving change
// makes ambiguous (clocks go back: the hour happens twice) or skips (clocks go forward) are read
// with the offset from BEFORE the change: a repeated 02:30 is its first occurrence, a skipped
// 02:30 lands at 03:30 summer time (timestamp/time_zone_rules.h).
//
// Contract of Parse: Unix time in nanoseconds (UTC), or nullopt when no format reads the WHOLE
// text (spaces, tabs, CR and LF around it are allowed) into a valid time: month 1-12, a day that
// exists in that month and year, hour 0-23, minute 0-59, second 0-60 (60, a leap second, reads
// as 59), year 0-9999, offset within 24 hours, and a time Nanos holds (1677-09-21 to 2262-04-11
// UTC). A format without a year (syslog's "Jan  2 15:04:05") takes the year that puts the time
// closest before `now`, up to a day after it (a Dec 31 line read on Jan 1 is last year's).
//
// Speed and threading: Parse is const and thread-safe, allocates nothing, and reads the clock
// only for a text without a year when no `now` is given. RFC 3339 and "%Y-%m-%d %H:%M:%S" take
// a few tens of nanoseconds; an IANA zone adds a binary search in a table made at Create.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "processing/timestamp/epoch_scanner.h"
#include "processing/timestamp/time_zone_rules.h"
#include "processing/timestamp/timestamp_layout.h"

namespace logcap {

class TimestampParser {
 public:
  // nullopt and *error (one line naming the bad format or zone) when a format or the zone is
  // invalid, or formats is empty.
  static std::optional<TimestampParser> Create(const std::vector<std::string>& formats, std::string_view timezone,
                                               std::string* error);

  std::optional<Nanos> Parse(std::string_view text) const;
  // now: the reference time for a text without a year (e.g. the time the line was read).
  std::optional<Nanos> Parse(std::string_view text, Nanos now) const;

  const TimeZoneRules& time_zone() const { return zone_; }

 private:
  struct Format {
    enum class Kind : uint8_t { kLayout, kRfc3339, kIso8601, kEpoch, kAuto } kind;
    EpochUnit epoch_unit = EpochUnit::kSeconds;  // kEpoch
    TimestampLayout layout;                      // kLayout
  };

  TimestampParser(std::vector<Format> formats, TimeZoneRules zone) : formats_(std::move(formats)), zone_(std::move(zone)) {}
  // now: the caller's reference time, or null to read the clock if a text needs it.
  std::optional<Nanos> ParseTrimmed(std::string_view text, const Nanos* now) const;

  std::vector<Format> formats_;
  TimeZoneRules zone_;
};

}  // namespace logcap
