#include "processing/timestamp/timestamp_layout.h"

namespace logcap {

void TimestampLayout::AddLiteral(std::string_view text) {
  if (text.empty()) return;
  // Adjacent literals ("T" after "-02") become one comparison.
  if (!steps_.empty() && steps_.back().op == Op::kLiteral &&
      steps_.back().literal_offset + steps_.back().literal_size == literals_.size()) {
    steps_.back().literal_size += static_cast<uint32_t>(text.size());
  } else {
    Step step{Op::kLiteral};
    step.literal_offset = static_cast<uint32_t>(literals_.size());
    step.literal_size = static_cast<uint32_t>(text.size());
    Add(step);
  }
  literals_.append(text);
}

void TimestampLayout::AddSpaces() {
  if (!steps_.empty() && steps_.back().op == Op::kSpaces) return;
  Add(Step{Op::kSpaces});
}

void TimestampLayout::AddNumber(NumberField field, int min_digits, int max_digits, bool leading_space) {
  Step step{Op::kNumber, static_cast<uint8_t>(field), static_cast<uint8_t>(min_digits), static_cast<uint8_t>(max_digits)};
  step.leading_space = leading_space;
  switch (field) {
    case NumberField::kYear: step.number_target = &TimeFields::year, reads_year_ = true; break;
    case NumberField::kMonth: step.number_target = &TimeFields::month, reads_month_ = true; break;
    case NumberField::kDay: step.number_target = &TimeFields::day, reads_day_ = true; break;
    case NumberField::kDayOfYear: step.number_target = &TimeFields::day_of_year, reads_day_of_year_ = true; break;
    case NumberField::kHour: step.number_target = &TimeFields::hour; break;
    case NumberField::kMinute: step.number_target = &TimeFields::minute; break;
    case NumberField::kSecond: step.number_target = &TimeFields::second; break;
  }
  Add(step);
}

void TimestampLayout::AddTwoDigitYear() {
  Add(Step{Op::kTwoDigitYear});
  reads_year_ = true;
}

void TimestampLayout::AddMonthName(TimeTextScanner::NameForm form) {
  Add(Step{Op::kMonthName, static_cast<uint8_t>(form)});
  reads_month_ = true;
}

void TimestampLayout::AddWeekdayName(TimeTextScanner::NameForm form) { Add(Step{Op::kWeekdayName, static_cast<uint8_t>(form)}); }

void TimestampLayout::AddMeridiem() { Add(Step{Op::kMeridiem}); }

void TimestampLayout::AddFraction(FractionStart start, int min_digits, int max_digits) {
  Add(Step{Op::kFraction, static_cast<uint8_t>(start), static_cast<uint8_t>(min_digits), static_cast<uint8_t>(max_digits)});
}

void TimestampLayout::AddUtcOffset(TimeTextScanner::OffsetShape shape, bool allow_z) {
  Add(Step{Op::kUtcOffset, static_cast<uint8_t>(shape), static_cast<uint8_t>(allow_z)});
}

void TimestampLayout::AddZoneAbbreviation() { Add(Step{Op::kZoneAbbreviation}); }

void TimestampLayout::AddEpochSeconds() {
  Add(Step{Op::kEpochSeconds});
  reads_epoch_ = true;
}

bool TimestampLayout::ends_with_seconds() const {
  return !steps_.empty() && steps_.back().op == Op::kNumber &&
         steps_.back().a == static_cast<uint8_t>(NumberField::kSecond);
}

bool TimestampLayout::Match(std::string_view text, TimeFields* fields) const {
  TimeTextScanner in(text);
  for (const Step& step : steps_) {
    switch (step.op) {
      case Op::kLiteral:
        if (step.literal_size == 1) {  // the usual '-', ':', 'T', '/'
          if (!in.Consume(literals_[step.literal_offset])) return false;
        } else if (!in.ConsumeLiteral(std::string_view(literals_.data() + step.literal_offset, step.literal_size))) {
          return false;
        }
        break;
      case Op::kSpaces:
        if (!in.ConsumeSpaces()) return false;
        break;
      case Op::kNumber: {
        if (step.leading_space) {
          for (int spaces = 1; spaces < step.c && in.Consume(' '); ++spaces) {
          }
        }
        int value;
        if (!in.ReadDigits(step.b, step.c, &value)) return false;
        fields->*step.number_target = value;
        break;
      }
      case Op::kTwoDigitYear: {
        int value;
        if (!in.ReadFixedDigits(2, &value)) return false;
        fields->year = value >= 69 ? 1900 + value : 2000 + value;
        break;
      }
      case Op::kMonthName:
        if (!in.ReadMonthName(static_cast<TimeTextScanner::NameForm>(step.a), &fields->month)) return false;
        break;
      case Op::kWeekdayName:
        if (!in.ReadWeekdayName(static_cast<TimeTextScanner::NameForm>(step.a))) return false;
        break;
      case Op::kMeridiem: {
        bool pm;
        if (!in.ReadMeridiem(&pm)) return false;
        fields->meridiem = pm ? TimeFields::Meridiem::kPm : TimeFields::Meridiem::kAm;
        break;
      }
      case Op::kFraction:
        switch (static_cast<FractionStart>(step.a)) {
          case FractionStart::kDigits:
            break;
          case FractionStart::kSeparator:
            if (!in.Consume('.') && !in.Consume(',')) return false;
            break;
          case FractionStart::kOptionalSeparator:
            if (!in.AtFraction()) continue;  // no fraction: nothing to read
            in.Skip(1);
            break;
        }
        if (!in.ReadFractionDigits(step.b, step.c, &fields->nanos)) return false;
        break;
      case Op::kUtcOffset:
        if (!in.ReadUtcOffset(static_cast<TimeTextScanner::OffsetShape>(step.a), step.b != 0, &fields->offset_seconds)) {
          return false;
        }
        fields->has_offset = true;
        break;
      case Op::kZoneAbbreviation:
        if (!in.ReadZoneAbbreviation(&fields->offset_seconds)) return false;
        fields->has_offset = true;
        break;
      case Op::kEpochSeconds: {
        fields->epoch_negative = in.Consume('-');
        int64_t value = 0;
        int digits = 0;
        while (TimeTextScanner::IsDigit(in.Peek())) {
          if (++digits > 18) return false;  // beyond Nanos' range in any case
          value = value * 10 + (in.Peek() - '0');
          in.Skip(1);
        }
        if (digits == 0) return false;
        fields->has_epoch = true;
        fields->epoch_seconds = fields->epoch_negative ? -value : value;
        break;
      }
    }
  }
  return in.AtEnd();
}

}  // namespace logcap
