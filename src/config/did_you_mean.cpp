#include "config/did_you_mean.h"

#include <algorithm>
#include <cctype>

namespace logcap {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  const size_t rows = a.size() + 1;
  const size_t cols = b.size() + 1;
  std::vector<size_t> d(rows * cols);
  auto at = [&](size_t i, size_t j) -> size_t& { return d[i * cols + j]; };
  for (size_t i = 0; i < rows; ++i) at(i, 0) = i;
  for (size_t j = 0; j < cols; ++j) at(0, j) = j;
  for (size_t i = 1; i < rows; ++i) {
    for (size_t j = 1; j < cols; ++j) {
      size_t cost = Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && Lower(a[i - 1]) == Lower(b[j - 2]) && Lower(a[i - 2]) == Lower(b[j - 1])) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(rows - 1, cols - 1);
}

std::optional<std::string> ClosestMatch(std::string_view input, const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(1, std::min<size_t>(3, input.size() / 3));
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    size_t distance = EditDistance(input, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  if (best || input.size() < 3) return best;
  // A truncated or extended name ("max_size" for "max_size_mb") is a plausible typo too.
  for (const std::string& candidate : candidates) {
    std::string_view shorter = input.size() < candidate.size() ? input : std::string_view(candidate);
    std::string_view longer = input.size() < candidate.size() ? std::string_view(candidate) : input;
    if (shorter.size() >= 3 && EditDistance(shorter, longer.substr(0, shorter.size())) == 0) return candidate;
  }
  return std::nullopt;
}

std::string DidYouMeanHint(std::string_view input, const std::vector<std::string>& candidates) {
  std::optional<std::string> match = ClosestMatch(input, candidates);
  return match ? " (did you mean '" + *match + "'?)" : "";
}

}  // namespace logcap
