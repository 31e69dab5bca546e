#include "processing/timestamp/iso8601_scanner.h"

#include "processing/timestamp/time_text_scanner.h"

namespace logcap {

namespace {

// After the seconds (or minutes): [fraction] [offset], to the end of the text.
bool ScanFractionAndOffset(TimeTextScanner& in, IsoProfile profile, TimeFields* f) {
  const char separator = in.Peek();
  if (separator == '.' || (separator == ',' && profile == IsoProfile::kIso8601)) {
    in.Skip(1);
    if (!in.ReadFractionDigits(1, 1 << 30, &f->nanos)) return false;
  }
  if (in.AtEnd()) return profile == IsoProfile::kIso8601;  // RFC 3339 requires the offset
  const auto shape = profile == IsoProfile::kRfc3339 ? TimeTextScanner::OffsetShape::kHoursColonMinutes
                                                     : TimeTextScanner::OffsetShape::kFlexible;
  if (!in.ReadUtcOffset(shape, /*allow_z=*/true, &f->offset_seconds)) return false;
  f->has_offset = true;
  return in.AtEnd();
}

// YYYYMMDD'T'hhmm[ss]...: ISO 8601's basic format.
bool ScanBasic(TimeTextScanner& in, TimeFields* f) {
  if (!in.ReadFixedDigits(4, &f->year) || !in.ReadFixedDigits(2, &f->month) || !in.ReadFixedDigits(2, &f->day) ||
      !(in.Consume('T') || in.Consume('t')) || !in.ReadFixedDigits(2, &f->hour) || !in.ReadFixedDigits(2, &f->minute)) {
    return false;
  }
  if (TimeTextScanner::IsDigit(in.Peek()) && !in.ReadFixedDigits(2, &f->second)) return false;
  return ScanFractionAndOffset(in, IsoProfile::kIso8601, f);
}

}  // namespace

bool ScanIso8601(std::string_view text, IsoProfile profile, TimeFields* f) {
  TimeTextScanner in(text);
  if (profile == IsoProfile::kIso8601 && text.size() > 4 && text[4] != '-') return ScanBasic(in, f);
  if (!in.ReadFixedDigits(4, &f->year) || !in.Consume('-') || !in.ReadFixedDigits(2, &f->month) || !in.Consume('-') ||
      !in.ReadFixedDigits(2, &f->day)) {
    return false;
  }
  if (in.AtEnd()) return profile == IsoProfile::kIso8601;  // a date alone
  const char separator = in.Peek();
  if (separator != 'T' && separator != 't' && separator != ' ') return false;
  in.Skip(1);
  if (!in.ReadFixedDigits(2, &f->hour) || !in.Consume(':') || !in.ReadFixedDigits(2, &f->minute)) return false;
  if (in.Consume(':')) {
    if (!in.ReadFixedDigits(2, &f->second)) return false;
  } else if (profile == IsoProfile::kRfc3339) {
    return false;
  }
  return ScanFractionAndOffset(in, profile, f);
}

}  // namespace logcap
