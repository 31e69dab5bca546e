// TimeTextScanner: a cursor over a timestamp text with the small readers every timestamp format is
// made of (digits, month and weekday names, fractions, UTC offsets, zone abbreviations). Each
// reader either consumes what it read and returns true, or returns false; after a false the
// cursor's position is unspecified and the caller gives up on the text.
//
// Names are matched without regard to ASCII case ("jan", "JAN", "Jan"). Digits are ASCII only.
// Everything is inline and allocation-free: this is the inner loop of every timestamp parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace logcap {

class TimeTextScanner {
 public:
  enum class NameForm : uint8_t {
    kAbbreviation,  // "Jan", "Mon": three letters
    kFull,          // "January", "Monday"
    kEither,        // the full name when it is there, else the abbreviation
  };

  // The shapes of a numeric UTC offset ("+hh", "+hhmm", ...). kFlexible: any of +hh, +hhmm,
  // +hh:mm.
  enum class OffsetShape : uint8_t { kFlexible, kHours, kHoursMinutes, kHoursColonMinutes, kHMS, kHColonMColonS };

  explicit TimeTextScanner(std::string_view text) : pos_(text.data()), end_(text.data() + text.size()) {}

  bool AtEnd() const { return pos_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }
  // The next character, or '\0' at the end.
  char Peek(size_t ahead = 0) const { return remaining() > ahead ? pos_[ahead] : '\0'; }
  void Skip(size_t n) { pos_ += n; }

  bool Consume(char c) {
    if (pos_ == end_ || *pos_ != c) return false;
    ++pos_;
    return true;
  }
  bool ConsumeLiteral(std::string_view literal) {
    if (remaining() < literal.size()) return false;
    for (size_t i = 0; i < literal.size(); ++i) {
      if (pos_[i] != literal[i]) return false;
    }
    pos_ += literal.size();
    return true;
  }
  // One or more spaces or tabs.
  bool ConsumeSpaces() {
    const char* start = pos_;
    while (pos_ != end_ && (*pos_ == ' ' || *pos_ == '\t')) ++pos_;
    return pos_ != start;
  }

  // Exactly `count` digits.
  bool ReadFixedDigits(int count, int* value) {
    if (remaining() < static_cast<size_t>(count)) return false;
    int v = 0;
    for (int i = 0; i < count; ++i) {
      const unsigned digit = static_cast<unsigned char>(pos_[i]) - unsigned{'0'};
      if (digit > 9) return false;
      v = v * 10 + static_cast<int>(digit);
    }
    pos_ += count;
    *value = v;
    return true;
  }
  // min_digits to max_digits digits (as many as there are, up to max_digits).
  bool ReadDigits(int min_digits, int max_digits, int* value) {
    int v = 0, n = 0;
    while (n < max_digits && pos_ != end_) {
      const unsigned digit = static_cast<unsigned char>(*pos_) - unsigned{'0'};
      if (digit > 9) break;
      v = v * 10 + static_cast<int>(digit);
      ++pos_;
      ++n;
    }
    *value = v;
    return n >= min_digits;
  }

  // A fraction's digits (no separator): min_digits to max_digits of them; the first nine count,
  // the rest only need to be digits. *nanos is the fraction in nanoseconds.
  bool ReadFractionDigits(int min_digits, int max_digits, int32_t* nanos) {
    int32_t v = 0;
    int n = 0;
    while (pos_ != end_ && n < max_digits) {
      const unsigned digit = static_cast<unsigned char>(*pos_) - unsigned{'0'};
      if (digit > 9) break;
      if (n < 9) v = v * 10 + static_cast<int32_t>(digit);
      ++pos_;
      ++n;
    }
    if (n < min_digits) return false;
    for (int i = n; i < 9; ++i) v *= 10;
    *nanos = v;
    return true;
  }
  // '.' or ',' followed by a digit: the start of a fraction.
  bool AtFraction() const {
    return remaining() >= 2 && (pos_[0] == '.' || pos_[0] == ',') &&
           static_cast<unsigned char>(pos_[1]) - unsigned{'0'} <= 9;
  }

  bool ReadMonthName(NameForm form, int* month) { return ReadName(kMonthNames, 12, form, month); }
  bool ReadWeekdayName(NameForm form) {
    int ignored;
    return ReadName(kWeekdayNames, 7, form, &ignored);
  }

  // "AM" or "PM" (any case): *pm is true for PM.
  bool ReadMeridiem(bool* pm) {
    if (remaining() < 2 || Lower(pos_[1]) != 'm') return false;
    const char c = Lower(pos_[0]);
    if (c != 'a' && c != 'p') return false;
    *pm = c == 'p';
    pos_ += 2;
    return true;
  }

  // A numeric offset of the given shape; with allow_z, 'Z' (or 'z') for UTC as well.
  // At most 24 hours; minutes and seconds below 60.
  bool ReadUtcOffset(OffsetShape shape, bool allow_z, int32_t* seconds_east) {
    if (allow_z && pos_ != end_ && (*pos_ == 'Z' || *pos_ == 'z')) {
      ++pos_;
      *seconds_east = 0;
      return true;
    }
    if (pos_ == end_ || (*pos_ != '+' && *pos_ != '-')) return false;
    const bool negative = *pos_ == '-';
    ++pos_;
    int hours = 0, minutes = 0, seconds = 0;
    if (!ReadFixedDigits(2, &hours)) return false;
    switch (shape) {
      case OffsetShape::kFlexible:
        if (Peek() == ':') {
          ++pos_;
          if (!ReadFixedDigits(2, &minutes)) return false;
        } else if (IsDigit(Peek())) {
          if (!ReadFixedDigits(2, &minutes)) return false;
        }
        break;
      case OffsetShape::kHours:
        break;
      case OffsetShape::kHoursMinutes:
        if (!ReadFixedDigits(2, &minutes)) return false;
        break;
      case OffsetShape::kHoursColonMinutes:
        if (!Consume(':') || !ReadFixedDigits(2, &minutes)) return false;
        break;
      case OffsetShape::kHMS:
        if (!ReadFixedDigits(2, &minutes) || !ReadFixedDigits(2, &seconds)) return false;
        break;
      case OffsetShape::kHColonMColonS:
        if (!Consume(':') || !ReadFixedDigits(2, &minutes) || !Consume(':') || !ReadFixedDigits(2, &seconds)) {
          return false;
        }
        break;
    }
    if (minutes > 59 || seconds > 59) return false;
    const int32_t total = hours * 3600 + minutes * 60 + seconds;
    if (total > 24 * 3600) return false;
    *seconds_east = negative ? -total : total;
    return true;
  }

  // A zone abbreviation whose offset is certain: UTC, UT, GMT, Z (0) and RFC 822's North
  // American zones EST EDT CST CDT MST MDT PST PDT. Others ("CEST", "IST": ambiguous or unknown)
  // are refused rather than guessed.
  bool ReadZoneAbbreviation(int32_t* seconds_east) {
    size_t n = 0;
    char letters[4] = {};
    while (n < remaining() && IsLetter(pos_[n])) {
      if (n == 4) return false;
      letters[n] = Upper(pos_[n]);
      ++n;
    }
    const std::string_view name(letters, n);
    int hours;
    if (name == "UTC" || name == "GMT" || name == "UT" || name == "Z") {
      hours = 0;
    } else if (n == 3 && letters[2] == 'T' && (letters[1] == 'S' || letters[1] == 'D')) {
      const bool daylight = letters[1] == 'D';
      switch (letters[0]) {
        case 'E': hours = -5; break;
        case 'C': hours = -6; break;
        case 'M': hours = -7; break;
        case 'P': hours = -8; break;
        default: return false;
      }
      hours += daylight;
    } else {
      return false;
    }
    pos_ += n;
    *seconds_east = hours * 3600;
    return true;
  }

  static bool IsDigit(char c) { return static_cast<unsigned char>(c) - unsigned{'0'} <= 9; }
  static bool IsLetter(char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }

 private:
  struct Name {
    std::string_view full;  // the abbreviation is its first three letters
  };
  static constexpr Name kMonthNames[12] = {{"january"}, {"february"}, {"march"},     {"april"},
                                           {"may"},     {"june"},     {"july"},      {"august"},
                                           {"september"}, {"october"}, {"november"}, {"december"}};
  static constexpr Name kWeekdayNames[7] = {{"sunday"},   {"monday"}, {"tuesday"}, {"wednesday"},
                                            {"thursday"}, {"friday"}, {"saturday"}};

  static char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; }
  static char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c & ~0x20) : c; }

  // Sets *index to 1 + the name's position in names.
  bool ReadName(const Name* names, int count, NameForm form, int* index) {
    if (remaining() < 3) return false;
    const char a = Lower(pos_[0]), b = Lower(pos_[1]), c = Lower(pos_[2]);
    for (int i = 0; i < count; ++i) {
      const std::string_view full = names[i].full;
      if (full[0] != a || full[1] != b || full[2] != c) continue;
      bool is_full = remaining() >= full.size();
      for (size_t k = 3; is_full && k < full.size(); ++k) is_full = Lower(pos_[k]) == full[k];
      if (form == NameForm::kFull && !is_full) return false;
      pos_ += form != NameForm::kAbbreviation && is_full ? full.size() : 3;
      *index = i + 1;
      return true;
    }
    return false;
  }

  const char* pos_;
  const char* end_;
};

}  // namespace logcap
