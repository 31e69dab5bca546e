#include "processing/timestamp/auto_timestamp_scanner.h"

#include "processing/timestamp/epoch_scanner.h"
#include "processing/timestamp/iso8601_scanner.h"
#include "processing/timestamp/time_text_scanner.h"

namespace logcap {

namespace {

using NameForm = TimeTextScanner::NameForm;
using OffsetShape = TimeTextScanner::OffsetShape;

// hh:mm:ss
bool ScanClock(TimeTextScanner& in, TimeFields* f) {
  return in.ReadFixedDigits(2, &f->hour) && in.Consume(':') && in.ReadFixedDigits(2, &f->minute) && in.Consume(':') &&
         in.ReadFixedDigits(2, &f->second);
}

// hh:mm:ss[.fraction]
bool ScanClockWithFraction(TimeTextScanner& in, TimeFields* f) {
  if (!ScanClock(in, f)) return false;
  if (in.AtFraction()) {
    in.Skip(1);
    return in.ReadFractionDigits(1, 1 << 30, &f->nanos);
  }
  return true;
}

// A zone name (GMT, PST, ...) or +hhmm.
bool ScanZone(TimeTextScanner& in, TimeFields* f) {
  const char c = in.Peek();
  const bool read = c == '+' || c == '-' ? in.ReadUtcOffset(OffsetShape::kHoursMinutes, false, &f->offset_seconds)
                                         : in.ReadZoneAbbreviation(&f->offset_seconds);
  f->has_offset = read;
  return read;
}

// 2026/01/02 15:04:05[.frac]
bool ScanGoLog(TimeTextScanner in, TimeFields* f) {
  return in.ReadFixedDigits(4, &f->year) && in.Consume('/') && in.ReadFixedDigits(2, &f->month) && in.Consume('/') &&
         in.ReadFixedDigits(2, &f->day) && in.Consume(' ') && ScanClockWithFraction(in, f) && in.AtEnd();
}

// 02/Jan/2026:15:04:05 -0700
bool ScanCommonLog(TimeTextScanner in, TimeFields* f) {
  if (!in.ReadFixedDigits(2, &f->day) || !in.Consume('/') || !in.ReadMonthName(NameForm::kAbbreviation, &f->month) ||
      !in.Consume('/') || !in.ReadFixedDigits(4, &f->year) || !in.Consume(':') || !ScanClock(in, f) || !in.Consume(' ') ||
      !in.ReadUtcOffset(OffsetShape::kHoursMinutes, false, &f->offset_seconds)) {
    return false;
  }
  f->has_offset = true;
  return in.AtEnd();
}

// Fri, 02 Jan 2026 15:04:05 GMT (or -0700)
bool ScanRfc1123(TimeTextScanner in, TimeFields* f) {
  return in.ReadWeekdayName(NameForm::kAbbreviation) && in.Consume(',') && in.ConsumeSpaces() &&
         in.ReadDigits(1, 2, &f->day) && in.ConsumeSpaces() && in.ReadMonthName(NameForm::kAbbreviation, &f->month) &&
         in.ConsumeSpaces() && in.ReadFixedDigits(4, &f->year) && in.ConsumeSpaces() && ScanClock(in, f) &&
         in.ConsumeSpaces() && ScanZone(in, f) && in.AtEnd();
}

// Fri Jan  2 15:04:05 [zone ]2026
bool ScanAnsic(TimeTextScanner in, TimeFields* f) {
  if (!in.ReadWeekdayName(NameForm::kAbbreviation) || !in.ConsumeSpaces() ||
      !in.ReadMonthName(NameForm::kAbbreviation, &f->month) || !in.ConsumeSpaces() || !in.ReadDigits(1, 2, &f->day) ||
      !in.ConsumeSpaces() || !ScanClockWithFraction(in, f) || !in.ConsumeSpaces()) {
    return false;
  }
  if (!TimeTextScanner::IsDigit(in.Peek()) && (!ScanZone(in, f) || !in.ConsumeSpaces())) return false;
  return in.ReadFixedDigits(4, &f->year) && in.AtEnd();
}

// Jan  2 15:04:05[.frac]
bool ScanSyslog(TimeTextScanner in, TimeFields* f) {
  return in.ReadMonthName(NameForm::kAbbreviation, &f->month) && in.ConsumeSpaces() && in.ReadDigits(1, 2, &f->day) &&
         in.ConsumeSpaces() && ScanClockWithFraction(in, f) && in.AtEnd();
}

// Digits only (with an optional fraction): the unit from the count of integer digits.
bool ScanEpochByDigitCount(std::string_view text, TimeFields* f) {
  size_t digits = 0;
  while (digits < text.size() && TimeTextScanner::IsDigit(text[digits])) ++digits;
  const bool has_fraction = digits < text.size();  // ScanEpoch checks it is one
  switch (digits) {
    case 10: return ScanEpoch(text, EpochUnit::kSeconds, f);
    case 13: return ScanEpoch(text, EpochUnit::kMilliseconds, f);
    case 16: return ScanEpoch(text, EpochUnit::kMicroseconds, f);
    case 19: return !has_fraction && ScanEpoch(text, EpochUnit::kNanoseconds, f);
    default: return false;
  }
}

}  // namespace

bool ScanAutoDetected(std::string_view text, TimeFields* f) {
  if (text.size() < 8) return false;  // shorter than any family
  TimeTextScanner in(text);
  if (TimeTextScanner::IsDigit(text[0])) {
    if (text[4] == '-') return ScanIso8601(text, IsoProfile::kIso8601, f);
    if (text[4] == '/') return ScanGoLog(in, f);
    if (text[2] == '/') return ScanCommonLog(in, f);
    if (text.size() > 8 && (text[8] == 'T' || text[8] == 't')) return ScanIso8601(text, IsoProfile::kIso8601, f);
    return ScanEpochByDigitCount(text, f);
  }
  if (!TimeTextScanner::IsLetter(text[0])) return false;
  if (text[3] == ',') return ScanRfc1123(in, f);
  // "Fri Jan": a weekday, then a month; "Jan  2": a month, then a day.
  if (TimeTextScanner::IsLetter(text[4])) return ScanAnsic(in, f);
  return ScanSyslog(in, f);
}

}  // namespace logcap
