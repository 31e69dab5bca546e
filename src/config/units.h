// Value parsers and formatters for scalar option types: booleans, integers, durations and sizes.
//
// Contract: every Parse* function takes the whole scalar text (already env-expanded), returns
// true and sets *out on success, or returns false, leaves *out untouched and sets *error to a
// one-line message that quotes the text and says what would be accepted. They never throw and
// keep no state, so they are safe to call from any thread.
//
// Accepted forms:
//   bool      true | false (also True/TRUE/False/FALSE); yes/no/on/off/1/0 are rejected.
//   int       optional sign and decimal digits, e.g. -1, 42.
//   uint      decimal digits, e.g. 42.
//   duration  0, or one or more <digits><unit> groups with unit ms | s | m | h | d, e.g. 250ms,
//             5s, 1m30s, 7d. A bare number other than 0 is rejected (which unit would it be?).
//   size      bytes as an integer, or <digits><unit> with unit B, KiB, MiB, GiB, TiB (1024-based)
//             or KB, MB, GB, TB (1000-based); one space before the unit is allowed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"

namespace logcap {

bool ParseBool(std::string_view text, bool* out, std::string* error);
bool ParseInt(std::string_view text, int64_t* out, std::string* error);
bool ParseUint(std::string_view text, uint64_t* out, std::string* error);
bool ParseDuration(std::string_view text, Duration* out, std::string* error);
bool ParseSize(std::string_view text, uint64_t* out, std::string* error);

// The shortest text ParseDuration reads back to the same value: "30s", "7d", "1m30s", "0s".
std::string FormatDuration(Duration value);
// "1MiB", "64KiB", "1GiB" when the value is a whole number of a binary unit, else plain bytes.
std::string FormatSize(uint64_t bytes);

}  // namespace logcap
