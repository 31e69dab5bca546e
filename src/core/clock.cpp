#include "core/clock.h"

#include <cstring>
#include <ctime>

namespace logcap {

namespace {

Nanos ReadClock(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

// Days since 1970-01-01 to civil date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int& year, unsigned& month, unsigned& day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int>(y + (month <= 2));
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

inline void Put2(char* out, unsigned v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

// "00" .. "99": the fraction is written two digits per division (it runs once per event).
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Writes v (< 10^9) as exactly nine digits.
inline void PutNineDigits(char* out, uint32_t v) {
  for (int i = 7; i >= 1; i -= 2) {
    std::memcpy(out + i, kDigitPairs + 2 * (v % 100), 2);
    v /= 100;
  }
  out[0] = static_cast<char>('0' + v);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Nanos WallNowNanos() { return ReadClock(CLOCK_REALTIME); }
Nanos MonotonicNowNanos() { return ReadClock(CLOCK_MONOTONIC); }

void FormatDate(Nanos t, char* out) {
  const int64_t days = FloorDiv(FloorDiv(t, kNanosPerSecond), 86400);
  int year;
  unsigned month, day;
  CivilFromDays(days, year, month, day);
  Put2(out, static_cast<unsigned>(year / 100));
  Put2(out + 2, static_cast<unsigned>(year % 100));
  out[4] = '-';
  Put2(out + 5, month);
  out[7] = '-';
  Put2(out + 8, day);
}

size_t TimestampFormatter::Format(Nanos t, char* out) {
  const int64_t second = FloorDiv(t, kNanosPerSecond);
  if (second != cached_second_) {
    cached_second_ = second;
    FormatDate(t, prefix_);
    const int64_t sod = second - FloorDiv(second, 86400) * 86400;
    prefix_[10] = 'T';
    Put2(prefix_ + 11, static_cast<unsigned>(sod / 3600));
    prefix_[13] = ':';
    Put2(prefix_ + 14, static_cast<unsigned>((sod / 60) % 60));
    prefix_[16] = ':';
    Put2(prefix_ + 17, static_cast<unsigned>(sod % 60));
    prefix_[19] = '.';
  }
  std::memcpy(out, prefix_, 20);
  PutNineDigits(out + 20, static_cast<uint32_t>(t - second * kNanosPerSecond));
  out[29] = 'Z';
  return kLength;
}

std::string TimestampFormatter::Format(Nanos t) {
  std::string s(kLength, '\0');
  Format(t, s.data());
  return s;
}

std::optional<Nanos> ParseRfc3339(std::string_view s) {
  auto digits = [&](size_t pos, size_t n, int& value) {
    if (pos + n > s.size()) return false;
    value = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      value = value * 10 + (s[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!digits(0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(5, 2, month) || s[7] != '-' ||
      !digits(8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2, hour) ||
      s[13] != ':' || !digits(14, 2, minute) || s[16] != ':' || !digits(17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) {
        frac = frac * 10 + (s[pos] - '0');
        ++n;
      }
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (; n < 9; ++n) frac *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos >= s.size()) return std::nullopt;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  // Nanoseconds since the epoch in 64 bits cover the years 1678 to 2261: outside that, no time.
  Nanos nanos;
  if (__builtin_mul_overflow(secs, kNanosPerSecond, &nanos) || __builtin_add_overflow(nanos, frac, &nanos)) {
    return std::nullopt;
  }
  return nanos;
}

}  // namespace logcap
