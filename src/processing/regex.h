// Regex: a user's pattern, compiled once with PCRE2 (JIT when available), matched with bounded
// cost. Used by regex_extract, log_level_extract, redact, conditions and multiline.
//
// Contract:
//   - Compile() takes the pattern as PCRE2 syntax (Perl-like; named groups `(?<name>...)`) and
//     returns nullopt with PCRE2's own message and the offset of the problem when it is invalid.
//   - Subjects are bytes: invalid UTF-8 never fails a match (PCRE2_MATCH_INVALID_UTF) and never
//     reads past the subject.
//   - Every match runs under a match limit and a depth limit, so a catastrophic pattern (e.g.
//     `(a+)+$` against a long run of a's) costs a bounded time per line: such a match reports
//     kLimit and callers treat it as "no match" and count it.
//   - Thread-safety: a Regex is immutable after Compile and shared by every worker; the match data
//     and the JIT stack are per thread (thread_local), so matching takes no lock and allocates
//     nothing once a thread is warm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace logcap {

struct RegexOptions {
  bool caseless = false;
  uint32_t match_limit = 100000;  // PCRE2 match() calls (backtracking steps) per match attempt
  uint32_t depth_limit = 10000;   // nested backtracking depth per match attempt
};

class Regex {
 public:
  enum class Result { kMatch, kNoMatch, kLimit };
  // A capture group's span in the subject; offset npos when the group did not take part.
  struct Group {
    size_t begin = std::string_view::npos;
    size_t end = std::string_view::npos;
    bool matched() const { return begin != std::string_view::npos; }
  };

  static std::optional<Regex> Compile(std::string_view pattern, const RegexOptions& options, std::string* error);

  // Searches subject from `start`. On kMatch, groups (when non-null) receives group 0 (the whole
  // match) and every capture group, in number order; it is resized to group_count() + 1.
  Result Search(std::string_view subject, std::vector<Group>* groups = nullptr, size_t start = 0) const;
  bool Matches(std::string_view subject) const { return Search(subject) == Result::kMatch; }

  // Capture groups (without group 0).
  uint32_t group_count() const;
  // Group numbers of named groups, in pattern order: {name, number}.
  const std::vector<std::pair<std::string, uint32_t>>& named_groups() const;
  const std::string& pattern() const;

 private:
  struct Compiled;
  explicit Regex(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace logcap
