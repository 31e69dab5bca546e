// Text shared by the sinks that talk HTTP (http, loki): what an answer means, in words a person
// can act on, and the checks of user-configured headers.
//
// Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "sinks/common/http_client.h"

namespace logcap {

// A problem in a sink's settings, at its configuration key ("sinks.http.url").
struct SinkConfigError {
  std::string key;
  std::string message;
};

// Case-insensitive equality of header names.
bool HeaderNameEquals(std::string_view a, std::string_view b);

// A server's answer for a message: blanks at the ends removed, control characters as spaces, at
// most max bytes (cut on a UTF-8 character boundary, "..." appended).
std::string TrimServerAnswer(std::string_view text, size_t max);

// One line describing a failed request, for logs and /health: "POST <url> failed: <error>",
// "... timed out after N ms (<section>.timeout)", or "HTTP <status> from <url>: <what the server
// said>", with a hint for redirects (not followed: fix the url) and for 401/403 (check
// <section>.auth and <section>.headers). url must already be redacted.
std::string DescribeHttpAnswer(const HttpAnswer& answer, std::string_view url, std::string_view section,
                               int64_t timeout_ms, size_t max_answer_bytes);

// Appends the Authorization header of auth (none for type none), then the configured headers,
// each replacing one already in *headers with the same name (curl would send both). Fails as
// AuthorizationHeader does.
Status AppendAuthAndConfiguredHeaders(const HttpAuthConfig& auth, const StringMap& configured, HttpHeaders* headers);

// Checks user-configured headers (<section>.headers): valid names and values, and none of
// `reserved` (headers the sink sets itself; the reason is said in `why`). Appends errors.
void CheckConfiguredHeaders(const StringMap& headers, std::string_view section,
                            std::span<const std::string_view> reserved, std::string_view why,
                            std::vector<SinkConfigError>* errors);

}  // namespace logcap
