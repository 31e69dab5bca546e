#include "processing/timestamp/go_layout.h"

namespace logcap {

namespace {

using Field = TimestampLayout::NumberField;
using NameForm = TimeTextScanner::NameForm;
using OffsetShape = TimeTextScanner::OffsetShape;

bool StartsWithLowerCase(std::string_view s) { return !s.empty() && s[0] >= 'a' && s[0] <= 'z'; }

// A fraction field at the start of rest (".000", ",999"): its length, or 0 when there is none.
// As in Go, the run of 0s or 9s must not be followed by another digit.
size_t FractionFieldLength(std::string_view rest) {
  if (rest.size() < 2 || (rest[0] != '.' && rest[0] != ',') || (rest[1] != '0' && rest[1] != '9')) return 0;
  size_t end = 2;
  while (end < rest.size() && rest[end] == rest[1]) ++end;
  if (end < rest.size() && TimeTextScanner::IsDigit(rest[end])) return 0;
  return end;
}

// If a field starts rest, adds its steps and returns its length in the layout; else 0 (a literal).
size_t AddFieldAt(std::string_view rest, TimestampLayout* layout) {
  auto starts = [&](std::string_view s) { return rest.substr(0, s.size()) == s; };
  switch (rest[0]) {
    case 'J':
      if (starts("January")) {
        layout->AddMonthName(NameForm::kFull);
        return 7;
      }
      if (starts("Jan") && !StartsWithLowerCase(rest.substr(3))) {
        layout->AddMonthName(NameForm::kAbbreviation);
        return 3;
      }
      return 0;
    case 'M':
      if (starts("Monday")) {
        layout->AddWeekdayName(NameForm::kFull);
        return 6;
      }
      if (starts("Mon") && !StartsWithLowerCase(rest.substr(3))) {
        layout->AddWeekdayName(NameForm::kAbbreviation);
        return 3;
      }
      if (starts("MST")) {
        layout->AddZoneAbbreviation();
        return 3;
      }
      return 0;
    case '0':
      if (rest.size() >= 2 && rest[1] >= '1' && rest[1] <= '6') {
        switch (rest[1]) {
          case '1': layout->AddNumber(Field::kMonth, 2, 2); break;
          case '2': layout->AddNumber(Field::kDay, 2, 2); break;
          case '3': layout->AddNumber(Field::kHour, 2, 2); break;
          case '4': layout->AddNumber(Field::kMinute, 2, 2); break;
          case '5': layout->AddNumber(Field::kSecond, 2, 2); break;
          case '6': layout->AddTwoDigitYear(); break;
        }
        return 2;
      }
      if (starts("002")) {
        layout->AddNumber(Field::kDayOfYear, 3, 3);
        return 3;
      }
      return 0;
    case '1':
      if (starts("15")) {
        layout->AddNumber(Field::kHour, 1, 2);
        return 2;
      }
      layout->AddNumber(Field::kMonth, 1, 2);
      return 1;
    case '2':
      if (starts("2006")) {
        layout->AddNumber(Field::kYear, 4, 4);
        return 4;
      }
      layout->AddNumber(Field::kDay, 1, 2);
      return 1;
    case '_':
      if (starts("_2006")) {
        layout->AddLiteral("_");  // Go: "_2006" is a literal '_' and the year
        layout->AddNumber(Field::kYear, 4, 4);
        return 5;
      }
      if (starts("_2")) {
        layout->AddNumber(Field::kDay, 1, 2, /*leading_space=*/true);
        return 2;
      }
      if (starts("__2")) {
        layout->AddNumber(Field::kDayOfYear, 1, 3, /*leading_space=*/true);
        return 3;
      }
      return 0;
    case '3':
      layout->AddNumber(Field::kHour, 1, 2);
      return 1;
    case '4':
      layout->AddNumber(Field::kMinute, 1, 2);
      return 1;
    case '5':
      layout->AddNumber(Field::kSecond, 1, 2);
      return 1;
    case 'P':
    case 'p':
      if (rest.size() >= 2 && rest[1] == (rest[0] == 'P' ? 'M' : 'm')) {
        layout->AddMeridiem();
        return 2;
      }
      return 0;
    case '-':
    case 'Z': {
      const bool allow_z = rest[0] == 'Z';
      const std::string_view digits = rest.substr(1);  // the pattern after the sign (or Z)
      if (digits.substr(0, 6) == "070000") {
        layout->AddUtcOffset(OffsetShape::kHMS, allow_z);
        return 7;
      }
      if (digits.substr(0, 8) == "07:00:00") {
        layout->AddUtcOffset(OffsetShape::kHColonMColonS, allow_z);
        return 9;
      }
      if (digits.substr(0, 4) == "0700") {
        layout->AddUtcOffset(OffsetShape::kHoursMinutes, allow_z);
        return 5;
      }
      if (digits.substr(0, 5) == "07:00") {
        layout->AddUtcOffset(OffsetShape::kHoursColonMinutes, allow_z);
        return 6;
      }
      if (digits.substr(0, 2) == "07") {
        layout->AddUtcOffset(OffsetShape::kHours, allow_z);
        return 3;
      }
      return 0;
    }
    case '.':
    case ',': {
      const size_t length = FractionFieldLength(rest);
      if (length == 0) return 0;
      const int digits = static_cast<int>(length - 1);
      if (rest[1] == '0') {
        if (digits > 9) return 0;  // Go allows at most nine
        layout->AddFraction(TimestampLayout::FractionStart::kSeparator, digits, digits);
      } else {
        layout->AddFraction(TimestampLayout::FractionStart::kOptionalSeparator, 1, 255);
      }
      return length;
    }
    default:
      return 0;
  }
}

}  // namespace

bool LooksLikeGoLayout(std::string_view format) {
  return format.find('%') == std::string_view::npos &&
         (format.find("2006") != std::string_view::npos || format.find("15:04") != std::string_view::npos);
}

std::optional<TimestampLayout> CompileGoLayout(std::string_view layout_text, std::string* error) {
  TimestampLayout layout;
  for (size_t i = 0; i < layout_text.size();) {
    const std::string_view rest = layout_text.substr(i);
    if (rest[0] == ' ') {
      layout.AddSpaces();
      ++i;
      continue;
    }
    const size_t length = AddFieldAt(rest, &layout);
    if (length == 0) {
      layout.AddLiteral(rest.substr(0, 1));
      ++i;
      continue;
    }
    i += length;
    // Go reads a fraction after the seconds even when the layout has none there.
    if (layout.ends_with_seconds() && FractionFieldLength(layout_text.substr(i)) == 0) {
      layout.AddFraction(TimestampLayout::FractionStart::kOptionalSeparator, 1, 255);
    }
  }
  if (!layout.reads_date()) {
    if (error) {
      *error = "invalid timestamp layout \"" + std::string(layout_text) +
               "\": it reads no date (a Go layout needs 01, 1, Jan or January with 02, or 002)";
    }
    return std::nullopt;
  }
  return layout;
}

}  // namespace logcap
