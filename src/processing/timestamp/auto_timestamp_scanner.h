// ScanAutoDetected: recognises the common timestamp families from their first characters and
// length, and scans the text with that family's rules only (never one format after another):
//
//   first characters       family                                   example
//   dddd-                  RFC 3339 / ISO 8601 extended, MySQL       2026-01-02T15:04:05.123+01:00
//                          (as ScanIso8601's kIso8601)               2026-01-02 15:04:05.123456
//   dddd/                  Go's log package                          2026/01/02 15:04:05[.000000]
//   ddddddddT              ISO 8601 basic                            20260102T150405Z
//   dd/                    common log format (nginx, Apache)         02/Jan/2026:15:04:05 -0700
//   digits only            Unix time by digit count: 10 seconds (a   1767366245, 1767366245.5,
//                          fraction allowed), 13 ms, 16 us (both     1767366245123,
//                          may have a fraction), 19 ns               1767366245123456789
//   Www,                   RFC 1123 / RFC 2822, zone name or +hhmm   Fri, 02 Jan 2026 15:04:05 GMT
//   Www Mmm                ANSIC, Unix date, Ruby date               Fri Jan  2 15:04:05 2026
//                          (a zone before the year, optional)        Fri Jan  2 15:04:05 MST 2026
//   Mmm                    syslog (RFC 3164): no year                Jan  2 15:04:05[.000]
//
// Names match in any case; a fraction may follow the seconds in every family but RFC 1123 and the
// common log format. Contract: true when the WHOLE text is one of these, with *fields filled
// (not yet validated); false otherwise.
#pragma once

#include <string_view>

#include "processing/timestamp/time_fields.h"

namespace logcap {

bool ScanAutoDetected(std::string_view text, TimeFields* fields);

}  // namespace logcap
