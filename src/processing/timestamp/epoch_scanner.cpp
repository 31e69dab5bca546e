#include "processing/timestamp/epoch_scanner.h"

#include "processing/timestamp/time_text_scanner.h"

namespace logcap {

bool ScanEpoch(std::string_view text, EpochUnit unit, TimeFields* f) {
  static constexpr uint64_t kUnitsPerSecond[] = {1, 1'000, 1'000'000, 1'000'000'000};
  const uint64_t units_per_second = kUnitsPerSecond[static_cast<int>(unit)];
  TimeTextScanner in(text);
  const bool negative = in.Consume('-');
  uint64_t value = 0;
  int digits = 0;
  while (TimeTextScanner::IsDigit(in.Peek())) {
    if (++digits > 19) return false;  // 19 digits fit in 64 bits; any more is no time Nanos holds
    value = value * 10 + static_cast<uint64_t>(in.Peek() - '0');
    in.Skip(1);
  }
  if (digits == 0) return false;
  int32_t fraction_of_unit = 0;  // in billionths of the unit
  if (unit != EpochUnit::kNanoseconds && in.Consume('.')) {
    if (!in.ReadFractionDigits(1, 1 << 30, &fraction_of_unit)) return false;
  }
  if (!in.AtEnd()) return false;
  const uint64_t seconds = value / units_per_second;
  if (seconds > uint64_t{1} << 40) return false;  // far beyond Nanos' range; keeps the sign flip safe
  const uint64_t nanos_per_unit = 1'000'000'000 / units_per_second;
  f->has_epoch = true;
  f->epoch_negative = negative;
  f->epoch_seconds = negative ? -static_cast<int64_t>(seconds) : static_cast<int64_t>(seconds);
  f->nanos = static_cast<int32_t>(value % units_per_second * nanos_per_unit +
                                  static_cast<uint64_t>(fraction_of_unit) / units_per_second);
  return true;
}

}  // namespace logcap
