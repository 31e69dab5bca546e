// CompileStrftimeFormat: reads a strftime-style format ("%Y-%m-%d %H:%M:%S") into a
// TimestampLayout. The directives are those of strptime, for reading:
//
//   %Y  4-digit year           %y  2-digit year (69-99: 19xx, 00-68: 20xx)
//   %m  month, 1-2 digits      %b %h %B  month name, abbreviated or full, any case
//   %d  day, 1-2 digits        %e  day, 1-2 digits, space-padded ("_2")
//   %j  day of year, 1-3 digits
//   %H  hour 0-23, 1-2 digits  %k  the same, space-padded
//   %I  hour 1-12, with %p     %l  the same, space-padded       %p  AM or PM, any case
//   %M  minute, 1-2 digits     %S  second, 1-2 digits (60: a leap second)
//   %f  fraction, 1-9 digits (the '.' before it is a literal: "%S.%f")
//   %3f %6f %9f (any %Nf, N 1-9)  exactly N fraction digits
//   %.f  an optional fraction WITH its separator: nothing, or '.' (or ',') and 1-9 digits
//   %z  UTC offset: Z, +hh, +hhmm, +hh:mm       %Z  zone abbreviation (UTC, GMT, UT, Z and RFC
//                                                   822's EST EDT CST CDT MST MDT PST PDT)
//   %s  Unix seconds (an optional '-' and up to 18 digits; may be followed by ".%f")
//   %a %A  weekday name, abbreviated or full, read and ignored
//   %T = %H:%M:%S   %F = %Y-%m-%d   %R = %H:%M   %D = %m/%d/%y   %%  a '%'
//   %n %t and a space: one or more spaces or tabs
//
// Any other character must appear as is. A format must read a date (a month, a day of year, or
// %s); without a year, the year is inferred (TimeFields). Errors name the format and the
// offending directive, in one line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "processing/timestamp/timestamp_layout.h"

namespace logcap {

std::optional<TimestampLayout> CompileStrftimeFormat(std::string_view format, std::string* error);

}  // namespace logcap
