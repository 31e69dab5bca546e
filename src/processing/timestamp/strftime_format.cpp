#include "processing/timestamp/strftime_format.h"

namespace logcap {

namespace {

using Field = TimestampLayout::NumberField;
using NameForm = TimeTextScanner::NameForm;

// Adds the steps of one directive (the character after '%'); false for an unknown one.
bool AddDirective(char directive, TimestampLayout* layout) {
  switch (directive) {
    case 'Y': layout->AddNumber(Field::kYear, 4, 4); return true;
    case 'y': layout->AddTwoDigitYear(); return true;
    case 'm': layout->AddNumber(Field::kMonth, 1, 2); return true;
    case 'b':
    case 'h':
    case 'B': layout->AddMonthName(NameForm::kEither); return true;
    case 'd': layout->AddNumber(Field::kDay, 1, 2); return true;
    case 'e': layout->AddNumber(Field::kDay, 1, 2, /*leading_space=*/true); return true;
    case 'j': layout->AddNumber(Field::kDayOfYear, 1, 3); return true;
    case 'H':
    case 'I': layout->AddNumber(Field::kHour, 1, 2); return true;
    case 'k':
    case 'l': layout->AddNumber(Field::kHour, 1, 2, /*leading_space=*/true); return true;
    case 'p': layout->AddMeridiem(); return true;
    case 'M': layout->AddNumber(Field::kMinute, 1, 2); return true;
    case 'S': layout->AddNumber(Field::kSecond, 1, 2); return true;
    case 'f': layout->AddFraction(TimestampLayout::FractionStart::kDigits, 1, 9); return true;
    case 'z': layout->AddUtcOffset(TimeTextScanner::OffsetShape::kFlexible, /*allow_z=*/true); return true;
    case 'Z': layout->AddZoneAbbreviation(); return true;
    case 's': layout->AddEpochSeconds(); return true;
    case 'a':
    case 'A': layout->AddWeekdayName(NameForm::kEither); return true;
    case 'T':
      AddDirective('H', layout);
      layout->AddLiteral(":");
      AddDirective('M', layout);
      layout->AddLiteral(":");
      return AddDirective('S', layout);
    case 'F':
      AddDirective('Y', layout);
      layout->AddLiteral("-");
      AddDirective('m', layout);
      layout->AddLiteral("-");
      return AddDirective('d', layout);
    case 'R':
      AddDirective('H', layout);
      layout->AddLiteral(":");
      return AddDirective('M', layout);
    case 'D':
      AddDirective('m', layout);
      layout->AddLiteral("/");
      AddDirective('d', layout);
      layout->AddLiteral("/");
      return AddDirective('y', layout);
    case 'n':
    case 't': layout->AddSpaces(); return true;
    case '%': layout->AddLiteral("%"); return true;
    default: return false;
  }
}

}  // namespace

std::optional<TimestampLayout> CompileStrftimeFormat(std::string_view format, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = "invalid timestamp format \"" + std::string(format) + "\": " + why;
    return std::nullopt;
  };
  TimestampLayout layout;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == ' ') {
      layout.AddSpaces();
      continue;
    }
    if (c != '%') {
      layout.AddLiteral(format.substr(i, 1));
      continue;
    }
    if (++i == format.size()) return fail("a lone '%' at its end (write %% for a '%')");
    const char directive = format[i];
    if (directive == '.' && i + 1 < format.size() && format[i + 1] == 'f') {  // %.f
      layout.AddFraction(TimestampLayout::FractionStart::kOptionalSeparator, 1, 9);
      ++i;
    } else if (directive >= '1' && directive <= '9' && i + 1 < format.size() && format[i + 1] == 'f') {  // %3f
      const int digits = directive - '0';
      layout.AddFraction(TimestampLayout::FractionStart::kDigits, digits, digits);
      ++i;
    } else if (!AddDirective(directive, &layout)) {
      return fail("unknown directive %" + std::string(1, directive) + " at offset " + std::to_string(i - 1));
    }
  }
  if (!layout.reads_date()) return fail("it reads no date (it needs %m, %b or %B with %d, or %j, or %s)");
  return layout;
}

}  // namespace logcap
