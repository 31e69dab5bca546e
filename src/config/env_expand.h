// Environment-variable expansion inside configuration scalars.
//
// Contract: ExpandEnv rewrites one scalar's text (after YAML parsing, so YAML line/column marks
// stay exact):
//   ${VAR}            the value of VAR; an error when VAR is unset
//   ${VAR:-default}   the value of VAR, or `default` when VAR is unset or empty
//   $$                a literal `$`
// A `$` followed by anything else is kept as is. VAR is [A-Za-z_][A-Za-z0-9_]*. `default` is
// taken literally up to the first `}` (no nested expansion). On failure it returns false and sets
// *error to a message naming the variable; *out is then unspecified. Stateless and thread-safe as
// long as `lookup` is.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace logcap {

// Returns the variable's value, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (getenv).
EnvLookup ProcessEnvLookup();

bool ExpandEnv(std::string_view text, const EnvLookup& lookup, std::string* out, std::string* error);

}  // namespace logcap
