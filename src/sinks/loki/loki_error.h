// ParseLokiError: reads Loki's 400 answer to a push, to find the entries refused for their time.
//
// Loki keeps the rest of a push and answers 400 with plain text when some entries were refused.
// The texts understood (from Loki's source; the trailing "\n" http.Error adds, CRLF and blank
// lines are tolerated):
//   - the ingester, one stream per body, at most 10 entry lines (its max_returned_stream_errors)
//     and then a summary line:
//       entry with timestamp <go time> ignored, reason: 'entry out of order',
//       entry with timestamp <go time> ignored, reason: 'entry too far behind, entry timestamp is:
//         <rfc3339>, oldest acceptable timestamp is: <rfc3339>',
//       user 'fake', total ignored: 3 out of 100 for stream: {job="app", level="info"}
//     and older Loki's form: "... reason: 'entry out of order' for stream: {foo="bar"}," lines and
//     a last line "total ignored: 3 out of 100". So refusals can be fewer than total_ignored.
//   - the distributor's validation, per entry, one message per line or several on one line joined
//     by "; ", each possibly prefixed by "<N> errors like: " (Loki 3 groups identical messages):
//       entry for stream '{job="app"}' has timestamp too old: <go time>[, oldest acceptable
//         timestamp is: <go time>]
//       entry for stream '{job="app"}' has timestamp too new: <go time>
// <go time> is Go's time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST", the fraction
// optional (1-9 digits), any zone abbreviation, possibly followed by " m=+1.234" (ignored).
// Anything else (line too long, label errors, rate limits, text we cannot read) sets other_errors.
//
// The stream texts are Loki's own rendering of the labels (Prometheus' labels.String()), which
// need not be byte-equal to the label string that was sent: compare them parsed, not as strings.
//
// Never crashes, never loops, whatever the input (the tests feed it random and truncated bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace logcap {

enum class LokiRefusalKind { kOutOfOrder, kTooFarBehind, kTooOld, kTooNew };

// "out_of_order", "too_far_behind", "too_old", "too_new": the reason label of metrics and DLQ.
std::string_view LokiRefusalReason(LokiRefusalKind kind);

struct LokiRefusal {
  LokiRefusalKind kind = LokiRefusalKind::kOutOfOrder;
  std::optional<Nanos> entry_time;         // nullopt when its text could not be read (other_errors is set then)
  std::optional<Nanos> oldest_acceptable;  // too_far_behind (second precision) and too_old, when given
  std::string stream;                      // {name="value", ...}; "" when the body does not say
  uint64_t count = 1;                      // > 1 for Loki 3's "<N> errors like: <message>"
};

struct LokiErrorSummary {
  std::vector<LokiRefusal> refusals;      // every timestamp refusal found, in body order
  bool other_errors = false;              // some text is not a timestamp refusal we understand
  std::optional<uint64_t> total_ignored;  // from "total ignored: N out of M"
  std::optional<uint64_t> total_entries;
  std::string ignored_stream;             // the ingester's "for stream: {...}"; "" if absent
  bool timestamp_only() const { return !refusals.empty() && !other_errors; }
};

LokiErrorSummary ParseLokiError(std::string_view body);

// Parses a whole Go time.Time.String() text (see above) to nanoseconds since the epoch (UTC).
// nullopt when malformed or outside what Nanos holds. Exposed for the tests.
std::optional<Nanos> ParseGoTime(std::string_view text);

}  // namespace logcap
