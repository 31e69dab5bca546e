// TimestampLayout: a timestamp format compiled into a short list of steps (read a literal, read
// 1-2 digits into the month, read a month name, ...), and the matcher that runs them over a text.
// The strftime and Go layout compilers (strftime_format.h, go_layout.h) build it; it knows
// neither syntax.
//
// Contract of Match: true when the steps consume the WHOLE text, with *fields filled from it
// (fields not in the layout keep their defaults); false otherwise. No allocation, no state: Match
// is const and thread-safe. Validation of the values (day within month, ...) is left to
// ResolveTimeFields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "processing/timestamp/time_fields.h"
#include "processing/timestamp/time_text_scanner.h"

namespace logcap {

class TimestampLayout {
 public:
  enum class NumberField : uint8_t { kYear, kMonth, kDay, kDayOfYear, kHour, kMinute, kSecond };
  // How a fraction of a second may be introduced.
  enum class FractionStart : uint8_t {
    kDigits,             // digits right away (strftime "%S.%f": the point is a literal)
    kSeparator,          // '.' or ',' then the digits (Go ".000")
    kOptionalSeparator,  // as kSeparator, or nothing at all when no '.'/',' and digit follow
  };

  // Builders, called by the compilers in format order.
  void AddLiteral(std::string_view text);
  void AddSpaces();  // one or more spaces or tabs
  // leading_space: optional spaces before the digits, at most max_digits - 1 of them ("%e" and Go
  // "_2": one; Go "__2": two).
  void AddNumber(NumberField field, int min_digits, int max_digits, bool leading_space = false);
  void AddTwoDigitYear();  // 69-99: 19xx, 00-68: 20xx (POSIX and Go)
  void AddMonthName(TimeTextScanner::NameForm form);
  void AddWeekdayName(TimeTextScanner::NameForm form);  // read and ignored
  void AddMeridiem();                                   // AM/PM
  // max_digits beyond 9 accept more digits than count (Go truncates them).
  void AddFraction(FractionStart start, int min_digits, int max_digits);
  void AddUtcOffset(TimeTextScanner::OffsetShape shape, bool allow_z);
  void AddZoneAbbreviation();
  void AddEpochSeconds();  // an optional '-' and 1-19 digits

  // What the layout reads: the compilers check that a layout is complete enough to make a time.
  bool reads_year() const { return reads_year_; }
  bool reads_month() const { return reads_month_; }
  bool reads_day() const { return reads_day_; }
  bool reads_day_of_year() const { return reads_day_of_year_; }
  bool reads_epoch() const { return reads_epoch_; }
  // Enough to make a time: epoch seconds, or a month (the day defaults to 1) or a day of year.
  // The year may be missing (it is inferred).
  bool reads_date() const { return reads_epoch_ || reads_month_ || reads_day_of_year_; }
  bool empty() const { return steps_.empty(); }
  // True when the last step reads seconds (Go adds an implied fraction after them).
  bool ends_with_seconds() const;

  bool Match(std::string_view text, TimeFields* fields) const;

 private:
  enum class Op : uint8_t {
    kLiteral, kSpaces, kNumber, kTwoDigitYear, kMonthName, kWeekdayName, kMeridiem, kFraction,
    kUtcOffset, kZoneAbbreviation, kEpochSeconds,
  };
  struct Step {
    Op op;
    uint8_t a = 0;  // kNumber: NumberField; kFraction: FractionStart; kMonthName/kWeekdayName: NameForm;
                    // kUtcOffset: OffsetShape
    uint8_t b = 0;  // kNumber, kFraction: min digits; kUtcOffset: allow 'Z'
    uint8_t c = 0;  // kNumber, kFraction: max digits
    bool leading_space = false;  // kNumber
    int TimeFields::*number_target = nullptr;  // kNumber: the field the digits go to
    uint32_t literal_offset = 0;  // kLiteral: its bytes in literals_
    uint32_t literal_size = 0;
  };

  void Add(Step step) { steps_.push_back(step); }

  std::vector<Step> steps_;
  std::string literals_;
  bool reads_year_ = false, reads_month_ = false, reads_day_ = false, reads_day_of_year_ = false;
  bool reads_epoch_ = false;
};

}  // namespace logcap
