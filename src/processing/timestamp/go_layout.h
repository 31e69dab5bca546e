// Go reference layouts ("2006-01-02T15:04:05.000Z07:00"), the formats of the original Go system's
// pipelines, compiled into a TimestampLayout with Go's time.Parse rules:
//
//   2006 year (4 digits)  06 year (2 digits)      01 month (2 digits)  1 month (1-2 digits)
//   Jan  month abbreviation  January  full month  02 day (2 digits)    2 day (1-2)   _2 day,
//   space-padded          002 day of year (3)     __2 day of year, space-padded
//   15 hour (1-2 digits)  03 hour 1-12 (2 digits) 3 hour 1-12 (1-2)    04 / 4 minute
//   05 / 5 second         PM / pm  AM or PM       Mon / Monday weekday, read and ignored
//   MST zone abbreviation (as %Z: UTC, GMT, UT, Z, EST EDT CST CDT MST MDT PST PDT)
//   -0700 -07:00 -07 -070000 -07:00:00  numeric offsets; Z0700 Z07:00 Z07 Z070000 Z07:00:00 the
//   same or 'Z'
//   .000 / ,000 (any count of 0s)  exactly that many fraction digits, after '.' or ','
//   .999 / ,999 (any count of 9s)  an optional fraction of any length (digits past 9 ignored)
//
// As in Go: after the seconds, when the layout has no fraction there, a fraction in the text is
// read all the same ("15:04:05" reads "10:00:00.123"); names match in any case; a space in the
// layout matches one or more spaces. Unlike Go, a layout without a year infers it (TimeFields)
// instead of taking year 0. Any other character is a literal, as are digits that start no field
// ("Janet" is literal: a name followed by a lower-case letter is not a field).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "processing/timestamp/timestamp_layout.h"

namespace logcap {

// A format is a Go layout when it holds "2006" or "15:04" and no '%'.
bool LooksLikeGoLayout(std::string_view format);

std::optional<TimestampLayout> CompileGoLayout(std::string_view layout, std::string* error);

}  // namespace logcap
