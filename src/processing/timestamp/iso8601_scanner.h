// ScanIso8601: RFC 3339 and ISO 8601 date-times, scanned by hand (they are the common case and
// deserve no interpreter).
//
// kRfc3339: YYYY-MM-DD, 'T' (or 't' or ' '), hh:mm:ss, an optional '.' with 1 or more digits
// (the first 9 count), then 'Z' (or 'z') or +hh:mm / -hh:mm. The offset is required.
//
// kIso8601 accepts all of that, and also:
// - no offset (the parser's time zone applies), or an offset as +hh or +hhmm;
// - a ',' before the fraction; a time without seconds (hh:mm); a date alone (midnight);
// - the basic format: YYYYMMDD'T'hhmm[ss][.fraction][offset] ("20260102T150405Z").
//
// Contract: true when the WHOLE text is one of these, with *fields filled (values not yet
// validated); false otherwise.
#pragma once

#include <string_view>

#include "processing/timestamp/time_fields.h"

namespace logcap {

enum class IsoProfile { kRfc3339, kIso8601 };

bool ScanIso8601(std::string_view text, IsoProfile profile, TimeFields* fields);

}  // namespace logcap
