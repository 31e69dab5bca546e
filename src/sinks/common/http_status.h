// HTTP answer classification for the sinks that POST to a server (http, loki): what a status code
// means for the batch that was sent, and the parsing of a Retry-After header.
//
//   status                      HttpOutcome      what the sink does
//   2xx                         kOk              delivered
//   0 (no answer: refused,      kRetry           keep the data, back off, send again
//     timeout, DNS, reset)
//   408, 425, 429, 5xx          kRetry           same, honouring Retry-After
//   1xx, >= 600 (nonsense)      kRetry           same: never drop data on an answer we don't know
//   401, 403, 407               kMisconfigured   keep the data, retry slowly, log loudly
//   3xx                         kMisconfigured   redirects are not followed: the url is wrong
//   413                         kTooLarge        split the request; a single event -> rejected
//   400 and every other 4xx     kBadData         split the request; a single event -> rejected
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.h"

namespace logcap {

enum class HttpOutcome { kOk, kRetry, kMisconfigured, kTooLarge, kBadData };

// status is the HTTP status code, or 0 when no HTTP answer arrived (a transport error).
HttpOutcome ClassifyHttpStatus(long status);

// "ok", "retry", "misconfigured", "too_large", "bad_data".
std::string_view HttpOutcomeName(HttpOutcome outcome);

// The wait a Retry-After header asks for (RFC 9110 §10.2.3): delta-seconds ("120") or an HTTP-date
// ("Sun, 06 Nov 1994 08:49:37 GMT", also the obsolete RFC 850 and asctime forms), relative to
// wall_now (WallNowNanos()). A date in the past gives 0. Surrounding blanks are ignored. Anything
// else (negative, fractional, garbage, an impossible date) gives nullopt: a nonsense hint is
// ignored rather than guessed at. Values are capped at kMaxRetryAfter so a hostile or broken
// server cannot park a sink for years.
inline constexpr Nanos kMaxRetryAfter = 24 * 3600 * kNanosPerSecond;
std::optional<Nanos> ParseRetryAfter(std::string_view value, Nanos wall_now);

// An HTTP-date as nanoseconds since the epoch (UTC); nullopt when it is not one. Exposed for tests.
std::optional<Nanos> ParseHttpDate(std::string_view text);

}  // namespace logcap
