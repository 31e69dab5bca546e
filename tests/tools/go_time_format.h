// Go's text forms of a time, for messages that must read exactly like Loki's (a Go program).
//
// Contract: both functions take nanoseconds since the Unix epoch (any int64, negative included)
// and append the UTC form Go prints for time.Unix(0, ns) in a process whose zone is UTC (how
// Loki runs in containers):
//   AppendGoTimeString: Time.String()      "2026-11-23 10:00:00.123456789 +0000 UTC"; the fraction
//                       loses its trailing zeros and is omitted when zero ("... 10:00:00 +0000 UTC").
//   AppendGoRfc3339:    Format(RFC3339)    "2026-11-23T10:00:00Z" (whole seconds, truncated).
// No allocation beyond growing `out`.
#pragma once

#include <cstdint>
#include <string>

namespace logcap::testtools {

void AppendGoTimeString(std::string& out, int64_t unix_ns);
void AppendGoRfc3339(std::string& out, int64_t unix_ns);

}  // namespace logcap::testtools
