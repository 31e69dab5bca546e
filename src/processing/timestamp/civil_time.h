// Calendar arithmetic on the proleptic Gregorian calendar, by hand: no timegm, no mktime, no
// locale, no global state. Used by the timestamp parser to turn a date and a time of day into
// seconds, and to validate them first.
//
// "Local seconds" are the seconds since 1970-01-01 00:00:00 of a civil time read on some clock
// (a zone's wall clock, or UTC's): the value the time would have if that clock were UTC. A zone's
// offset turns them into Unix seconds (TimeZoneRules).
#pragma once

#include <cstdint>

namespace logcap {

inline constexpr int64_t kSecondsPerDay = 86400;

constexpr bool IsLeapYear(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

// 28..31; month is 1..12.
constexpr int DaysInMonth(int64_t year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to year-month-day (month 1..12, day 1..31; not validated here).
// Counts in 400-year eras of 146097 days whose years start on March 1, so that February, the one
// month of varying length, comes last and leap days need no branch (Howard Hinnant's method).
constexpr int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;                                       // [0, 399]
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

// Month and day of the day_of_year-th day (1-based) of year; false when the year has no such day.
constexpr bool MonthDayFromYearDay(int64_t year, int day_of_year, int* month, int* day) {
  if (day_of_year < 1 || day_of_year > (IsLeapYear(year) ? 366 : 365)) return false;
  int m = 1;
  while (day_of_year > DaysInMonth(year, m)) day_of_year -= DaysInMonth(year, m++);
  *month = m;
  *day = day_of_year;
  return true;
}

// Year of the civil date days after 1970-01-01 (the inverse of DaysFromCivil, year only).
constexpr int64_t YearFromDays(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t march_based_month = (5 * day_of_year + 2) / 153;  // 0 = March, 10 = January
  return year_of_era + era * 400 + (march_based_month >= 10);
}

}  // namespace logcap
