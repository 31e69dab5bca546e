#include "processing/timestamp/time_fields.h"

#include "processing/timestamp/civil_time.h"
#include "processing/timestamp/time_zone_rules.h"

namespace logcap {

namespace {

// Unix seconds and nanos to Nanos; nullopt outside Nanos' range.
std::optional<Nanos> ToNanos(int64_t unix_seconds, int64_t nanos) {
  Nanos result;
  if (__builtin_mul_overflow(unix_seconds, kNanosPerSecond, &result) || __builtin_add_overflow(result, nanos, &result)) {
    return std::nullopt;
  }
  return result;
}

// Seconds of the civil time on its own clock, or nullopt when month/day are not a real date.
std::optional<int64_t> LocalSeconds(int64_t year, int month, int day, int day_of_year, int64_t seconds_of_day) {
  if (day_of_year != TimeFields::kUnset) {
    int month_of_yday, day_of_yday;
    if (!MonthDayFromYearDay(year, day_of_year, &month_of_yday, &day_of_yday)) return std::nullopt;
    if (month == TimeFields::kUnset) {
      month = month_of_yday;
      day = day_of_yday;
    } else if (month != month_of_yday || (day != TimeFields::kUnset && day != day_of_yday)) {
      return std::nullopt;
    }
  }
  if (month == TimeFields::kUnset) month = 1;
  if (day == TimeFields::kUnset) day = 1;
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  return DaysFromCivil(year, month, day) * kSecondsPerDay + seconds_of_day;
}

}  // namespace

std::optional<Nanos> ResolveTimeFields(const TimeFields& f, const TimeZoneRules& zone, Nanos now) {
  if (f.has_epoch) {
    if (!f.epoch_negative || f.nanos == 0) return ToNanos(f.epoch_seconds, f.nanos);
    return ToNanos(f.epoch_seconds - 1, kNanosPerSecond - f.nanos);  // -1.25 s = -2 s + 0.75 s
  }

  int hour = f.hour;
  if (f.meridiem == TimeFields::Meridiem::kPm && hour < 12) hour += 12;
  if (f.meridiem == TimeFields::Meridiem::kAm && hour == 12) hour = 0;
  if (hour < 0 || hour > 23 || f.minute < 0 || f.minute > 59 || f.second < 0 || f.second > 60 || f.nanos < 0 ||
      f.nanos >= kNanosPerSecond) {
    return std::nullopt;
  }
  const int second = f.second == 60 ? 59 : f.second;  // a leap second: the last second of its minute
  const int64_t seconds_of_day = hour * 3600 + f.minute * 60 + second;

  auto to_unix_seconds = [&](int64_t local_seconds) {
    return f.has_offset ? local_seconds - f.offset_seconds : zone.LocalToUnixSeconds(local_seconds);
  };

  if (f.year != TimeFields::kUnset) {
    if (f.year < 0 || f.year > 9999) return std::nullopt;
    const std::optional<int64_t> local = LocalSeconds(f.year, f.month, f.day, f.day_of_year, seconds_of_day);
    if (!local) return std::nullopt;
    return ToNanos(to_unix_seconds(*local), f.nanos);
  }

  // No year: the latest year that puts the time at most a day after now. Eight years back covers
  // Feb 29 (at most eight years apart, around 2100).
  const int64_t now_seconds = now / kNanosPerSecond;
  const int64_t latest_allowed = now_seconds + kSecondsPerDay;
  const int64_t this_year = YearFromDays(now_seconds / kSecondsPerDay);
  for (int64_t year = this_year + 1; year >= this_year - 8; --year) {
    if (year < 0 || year > 9999) continue;
    const std::optional<int64_t> local = LocalSeconds(year, f.month, f.day, f.day_of_year, seconds_of_day);
    if (!local) continue;  // Feb 29 of a common year
    const int64_t unix_seconds = to_unix_seconds(*local);
    if (unix_seconds <= latest_allowed) return ToNanos(unix_seconds, f.nanos);
  }
  return std::nullopt;
}

}  // namespace logcap
