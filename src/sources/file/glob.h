// Glob: path patterns for the file source (include / exclude lists) and their expansion.
//
// Syntax, per path segment (a segment never matches '/'):
//   *       any run of characters (including none)
//   ?       one character
//   [abc]   one of the listed characters; ranges [a-z]; negation [!a-z] or [^a-z]; a ']' right
//           after '[' (or '[!') is literal
//   \c      the character c literally
//   **      a whole segment that matches any number of directories, including zero
//           ("/var/log/**/*.log" matches /var/log/a.log and /var/log/x/y/a.log)
// Dot files are not special: "*" matches ".hidden". Repeated slashes are treated as one.
//
// Exclude patterns: one without '/' is matched against the basename, one with '/' against the
// whole path.
//
// Thread-safety: all types here are immutable after construction and may be shared between threads.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace logcap {

// Matches one path segment (no '/') against one pattern segment (not "**").
bool GlobMatchSegment(std::string_view pattern, std::string_view text);

// True if the segment contains glob metacharacters (*, ?, [ or \).
bool HasGlobMeta(std::string_view segment);

// A compiled path pattern.
class GlobPattern {
 public:
  explicit GlobPattern(std::string_view pattern);

  // Whole-path match with the semantics above. Relative patterns match relative paths.
  bool Matches(std::string_view path) const;
  const std::string& text() const { return text_; }
  bool absolute() const { return absolute_; }
  const std::vector<std::string>& segments() const { return segments_; }

 private:
  std::string text_;
  bool absolute_ = false;
  std::vector<std::string> segments_;  // split on '/', empty segments removed
};

// Include / exclude lists together.
class PathFilter {
 public:
  PathFilter(const std::vector<std::string>& include, const std::vector<std::string>& exclude);

  // True when path matches an include pattern and no exclude pattern.
  bool Accepts(std::string_view path) const;
  bool Excluded(std::string_view path) const;
  const std::vector<GlobPattern>& includes() const { return includes_; }

 private:
  std::vector<GlobPattern> includes_;
  std::vector<GlobPattern> exclude_paths_;      // patterns with '/': whole path
  std::vector<std::string> exclude_basenames_;  // patterns without '/': basename
};

struct GlobExpansion {
  std::set<std::string> files;        // accepted paths of existing non-directory entries, sorted
  std::set<std::string> directories;  // directories to watch so new matches are noticed
};

// Walks the filesystem for every include pattern of filter and collects the accepted paths.
// Directories are listed with readdir; "**" recursion does not follow symlinked directories and
// stops at a depth of 64. A base directory that does not exist yet contributes its deepest existing
// ancestor to `directories`, so its creation is noticed. Unreadable directories are skipped.
// Returned file paths are lexically normal (no "//"), but not resolved (symlinks are kept).
GlobExpansion ExpandGlobs(const PathFilter& filter);

// "/a/b/c.log" -> "c.log"; "c.log" -> "c.log".
std::string_view Basename(std::string_view path);
// "/a/b/c.log" -> "/a/b"; "/c.log" -> "/"; "c.log" -> ".".
std::string Dirname(std::string_view path);
// JoinPath("/a", "b") -> "/a/b"; JoinPath(".", "b") -> "b" (the inverse of Dirname + Basename).
std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace logcap
