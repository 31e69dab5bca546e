// See go_time_format.h.
#include "go_time_format.h"

#include <cstdio>

namespace logcap::testtools {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute, second;
  int64_t nanos;  // 0..999999999
};

// Days since 1970-01-01 to a proleptic Gregorian date. Works in 400-year eras (146097 days) so
// that leap years need no loop; the era's year starts on March 1 to put Feb 29 last.
void CivilFromDays(int64_t days, Civil* c) {
  const int64_t z = days + 719468;  // days since 0000-03-01
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;                                   // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                  // March = 0
  c->day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c->month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c->year = yoe + era * 400 + (c->month <= 2 ? 1 : 0);
}

Civil ToCivil(int64_t unix_ns) {
  // Floor division: -1 ns is 1969-12-31 23:59:59.999999999.
  int64_t secs = unix_ns / kNsPerSecond;
  int64_t nanos = unix_ns % kNsPerSecond;
  if (nanos < 0) {
    nanos += kNsPerSecond;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  Civil c{};
  CivilFromDays(days, &c);
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>(sod / 60 % 60);
  c.second = static_cast<int>(sod % 60);
  c.nanos = nanos;
  return c;
}

// Go prints years 0..9999 with 4 digits; int64 nanoseconds only reach 1677..2262.
void AppendDateTime(std::string& out, const Civil& c, char separator) {
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d%c%02d:%02d:%02d", static_cast<long long>(c.year),
                        c.month, c.day, separator, c.hour, c.minute, c.second);
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

void AppendGoTimeString(std::string& out, int64_t unix_ns) {
  const Civil c = ToCivil(unix_ns);
  AppendDateTime(out, c, ' ');
  if (c.nanos != 0) {
    char frac[10];
    std::snprintf(frac, sizeof frac, "%09lld", static_cast<long long>(c.nanos));
    int len = 9;
    while (frac[len - 1] == '0') --len;  // Go's ".999999999" layout trims trailing zeros
    out += '.';
    out.append(frac, static_cast<size_t>(len));
  }
  out += " +0000 UTC";
}

void AppendGoRfc3339(std::string& out, int64_t unix_ns) {
  AppendDateTime(out, ToCivil(unix_ns), 'T');
  out += 'Z';
}

}  // namespace logcap::testtools
