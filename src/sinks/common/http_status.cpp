#include "sinks/common/http_status.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace logcap {

HttpOutcome ClassifyHttpStatus(long status) {
  if (status >= 200 && status < 300) return HttpOutcome::kOk;
  if (status >= 300 && status < 400) return HttpOutcome::kMisconfigured;
  if (status >= 400 && status < 500) {
    switch (status) {
      case 401:
      case 403:
      case 407:
        return HttpOutcome::kMisconfigured;
      case 408:  // request timeout
      case 425:  // too early
      case 429:  // too many requests
        return HttpOutcome::kRetry;
      case 413:
        return HttpOutcome::kTooLarge;
      default:
        return HttpOutcome::kBadData;
    }
  }
  // 0 (transport error), 5xx, and codes HTTP does not define: keep the data.
  return HttpOutcome::kRetry;
}

std::string_view HttpOutcomeName(HttpOutcome outcome) {
  switch (outcome) {
    case HttpOutcome::kOk: return "ok";
    case HttpOutcome::kRetry: return "retry";
    case HttpOutcome::kMisconfigured: return "misconfigured";
    case HttpOutcome::kTooLarge: return "too_large";
    case HttpOutcome::kBadData: return "bad_data";
  }
  return "unknown";
}

namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kShortDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                       "Friday", "Saturday", "Sunday"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to year-month-day (proleptic Gregorian). Counts in 400-year eras starting
// on March 1st, so that the leap day is the last day of a "year" and needs no special case.
int64_t DaysFromCivil(int64_t year, int month, int day) {
  const int64_t y = month <= 2 ? year - 1 : year;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                               // [0, 399]
  const int64_t shifted_month = month > 2 ? month - 3 : month + 9;         // March = 0
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;     // [0, 365]
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

// A cursor over the date text; every Take* fails (returns false) without consuming on mismatch.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return s_.empty(); }
  bool Take(char c) {
    if (s_.empty() || s_.front() != c) return false;
    s_.remove_prefix(1);
    return true;
  }
  // Exactly n digits.
  bool Digits(size_t n, int* out) {
    if (s_.size() < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      if (s_[i] < '0' || s_[i] > '9') return false;
      v = v * 10 + (s_[i] - '0');
    }
    s_.remove_prefix(n);
    *out = v;
    return true;
  }
  // One of the words; *index is its position.
  template <size_t N>
  bool Word(const std::array<std::string_view, N>& words, int* index) {
    for (size_t i = 0; i < N; ++i) {
      if (s_.substr(0, words[i].size()) == words[i]) {
        s_.remove_prefix(words[i].size());
        *index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool Literal(std::string_view w) {
    if (s_.substr(0, w.size()) != w) return false;
    s_.remove_prefix(w.size());
    return true;
  }

 private:
  std::string_view s_;
};

struct DateParts {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

bool TakeTime(Cursor& c, DateParts& d) {
  return c.Digits(2, &d.hour) && c.Take(':') && c.Digits(2, &d.minute) && c.Take(':') && c.Digits(2, &d.second);
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool ParseImfFixdate(std::string_view text, DateParts& d) {
  Cursor c(text);
  int ignored = 0;
  return c.Word(kShortDays, &ignored) && c.Literal(", ") && c.Digits(2, &d.day) && c.Take(' ') &&
         c.Word(kMonths, &d.month) && c.Take(' ') && c.Digits(4, &d.year) && c.Take(' ') && TakeTime(c, d) &&
         c.Literal(" GMT") && c.done();
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
bool ParseRfc850(std::string_view text, DateParts& d) {
  Cursor c(text);
  int ignored = 0;
  if (!(c.Word(kLongDays, &ignored) && c.Literal(", ") && c.Digits(2, &d.day) && c.Take('-') &&
        c.Word(kMonths, &d.month) && c.Take('-') && c.Digits(2, &d.year) && c.Take(' ') && TakeTime(c, d) &&
        c.Literal(" GMT") && c.done())) {
    return false;
  }
  // A two-digit year: RFC 9110 wants the most recent matching past year; this pivot is the usual
  // approximation (such dates are obsolete and come from old servers).
  d.year += d.year < 70 ? 2000 : 1900;
  return true;
}

// "Sun Nov  6 08:49:37 1994"
bool ParseAsctime(std::string_view text, DateParts& d) {
  Cursor c(text);
  int ignored = 0;
  if (!(c.Word(kShortDays, &ignored) && c.Take(' ') && c.Word(kMonths, &d.month) && c.Take(' '))) return false;
  if (c.Take(' ')) {
    if (!c.Digits(1, &d.day)) return false;
  } else if (!c.Digits(2, &d.day)) {
    return false;
  }
  return c.Take(' ') && TakeTime(c, d) && c.Take(' ') && c.Digits(4, &d.year) && c.done();
}

}  // namespace

std::optional<Nanos> ParseHttpDate(std::string_view text) {
  text = Trim(text);
  DateParts d;
  if (!ParseImfFixdate(text, d) && !ParseRfc850(text, d) && !ParseAsctime(text, d)) return std::nullopt;
  d.month += 1;  // Word() gave the index
  if (d.day < 1 || d.day > DaysInMonth(d.year, d.month) || d.hour > 23 || d.minute > 59 || d.second > 60) {
    return std::nullopt;
  }
  const int64_t days = DaysFromCivil(d.year, d.month, d.day);
  const int64_t seconds = days * 86400 + d.hour * 3600 + d.minute * 60 + d.second;
  // Nanos end in 2262 (and begin in 1677): saturate rather than overflow for years beyond.
  constexpr int64_t kLimit = INT64_MAX / kNanosPerSecond;
  return std::clamp<int64_t>(seconds, -kLimit, kLimit) * kNanosPerSecond;
}

std::optional<Nanos> ParseRetryAfter(std::string_view value, Nanos wall_now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    // delta-seconds; stop accumulating once past the cap so huge values cannot overflow.
    constexpr int64_t kCapSeconds = kMaxRetryAfter / kNanosPerSecond;
    int64_t seconds = 0;
    for (char ch : value) {
      seconds = seconds * 10 + (ch - '0');
      if (seconds > kCapSeconds) return kMaxRetryAfter;
    }
    return seconds * kNanosPerSecond;
  }
  const std::optional<Nanos> at = ParseHttpDate(value);
  if (!at) return std::nullopt;
  if (*at <= wall_now) return 0;
  Nanos wait = 0;
  if (__builtin_sub_overflow(*at, wall_now, &wait)) return kMaxRetryAfter;
  return std::min(wait, kMaxRetryAfter);
}

}  // namespace logcap
