// "Did you mean" suggestions for misspelt keys and enum values.
//
// Contract: pure functions, thread-safe. Distances are optimal-string-alignment edit distances
// (insert, delete, substitute, swap two neighbours), compared case-insensitively.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace logcap {

size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `input`, if it is close enough to be a plausible typo: at most
// max(1, min(3, input.size() / 3)) edits away, or else one name a prefix of the other (at least 3
// characters shared, e.g. "max_size" for "max_size_mb"). Ties go to the earliest candidate.
std::optional<std::string> ClosestMatch(std::string_view input, const std::vector<std::string>& candidates);

// " (did you mean 'X'?)" for the closest match, or "" when nothing is close.
std::string DidYouMeanHint(std::string_view input, const std::vector<std::string>& candidates);

}  // namespace logcap
