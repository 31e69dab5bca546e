#include "sources/file/glob.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstring>

namespace logcap {

namespace {

constexpr int kMaxRecursionDepth = 64;

// Matches a bracket expression starting at p[i] == '[' against c. Returns the length of the
// expression, or 0 if it is not a valid (terminated) bracket expression, in which case '[' is literal.
size_t MatchBracket(std::string_view p, size_t i, char c, bool* matched) {
  size_t j = i + 1;
  bool negate = false;
  if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
    negate = true;
    ++j;
  }
  const auto uc = static_cast<unsigned char>(c);
  bool hit = false;
  bool first = true;
  while (j < p.size()) {
    char lo = p[j];
    if (lo == ']' && !first) {
      *matched = hit != negate;
      return j - i + 1;
    }
    first = false;
    if (lo == '\\' && j + 1 < p.size()) lo = p[++j];
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      char hi = p[j + 2];
      size_t advance = 3;
      if (hi == '\\' && j + 3 < p.size()) {
        hi = p[j + 3];
        advance = 4;
      }
      if (static_cast<unsigned char>(lo) <= uc && uc <= static_cast<unsigned char>(hi)) hit = true;
      j += advance;
    } else {
      if (lo == c) hit = true;
      ++j;
    }
  }
  return 0;
}

void SplitSegments(std::string_view path, std::vector<std::string_view>* out) {
  size_t i = 0;
  while (i < path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > i) out->push_back(path.substr(i, slash - i));
    i = slash + 1;
  }
}

bool MatchSegments(const std::vector<std::string>& pat, size_t pi, const std::vector<std::string_view>& path,
                   size_t ti) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      while (pi + 1 < pat.size() && pat[pi + 1] == "**") ++pi;
      if (pi + 1 == pat.size()) return true;
      for (size_t k = ti; k <= path.size(); ++k)
        if (MatchSegments(pat, pi + 1, path, k)) return true;
      return false;
    }
    if (ti >= path.size() || !GlobMatchSegment(pat[pi], path[ti])) return false;
    ++pi;
    ++ti;
  }
  return ti == path.size();
}

std::string Join(const std::string& dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out += dir;
  if (dir.back() != '/') out += '/';
  out += name;
  return out;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.empty() ? "." : path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

struct DirEntry {
  std::string name;
  unsigned char type;  // DT_*
};

void ListDirectory(const std::string& dir, std::vector<DirEntry>* out) {
  out->clear();
  DIR* d = ::opendir(dir.empty() ? "." : dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    out->push_back(DirEntry{e->d_name, e->d_type});
  }
  ::closedir(d);
}

// Resolves DT_UNKNOWN with lstat.
unsigned char EntryType(const std::string& path, unsigned char type) {
  if (type != DT_UNKNOWN) return type;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return DT_UNKNOWN;
  if (S_ISDIR(st.st_mode)) return DT_DIR;
  if (S_ISREG(st.st_mode)) return DT_REG;
  if (S_ISLNK(st.st_mode)) return DT_LNK;
  return DT_UNKNOWN;
}

class Walker {
 public:
  Walker(const PathFilter& filter, GlobExpansion* out) : filter_(filter), out_(out) {}

  void Walk(const std::string& dir, const std::vector<std::string>& segs, size_t i, int depth) {
    if (depth > kMaxRecursionDepth) return;
    const std::string& seg = segs[i];
    const bool last = i + 1 == segs.size();
    out_->directories.insert(dir.empty() ? "." : dir);
    if (seg == "**") {
      if (!last) Walk(dir, segs, i + 1, depth);  // zero directories
      std::vector<DirEntry> entries;
      ListDirectory(dir, &entries);
      for (const DirEntry& e : entries) {
        std::string child = Join(dir, e.name);
        unsigned char type = EntryType(child, e.type);
        if (type == DT_DIR) {
          Walk(child, segs, i, depth + 1);  // real directories only: no symlink loops
        } else if (last) {
          AddCandidate(child, type);
        }
      }
      return;
    }
    if (!HasGlobMeta(seg)) {
      std::string child = Join(dir, seg);
      if (last) {
        AddCandidate(child, DT_UNKNOWN);
      } else if (IsDirectory(child)) {
        Walk(child, segs, i + 1, depth + 1);
      }
      return;
    }
    std::vector<DirEntry> entries;
    ListDirectory(dir, &entries);
    for (const DirEntry& e : entries) {
      if (!GlobMatchSegment(seg, e.name)) continue;
      std::string child = Join(dir, e.name);
      if (last) {
        AddCandidate(child, e.type);
      } else {
        unsigned char type = EntryType(child, e.type);
        if (type == DT_DIR || (type == DT_LNK && IsDirectory(child))) Walk(child, segs, i + 1, depth + 1);
      }
    }
  }

 private:
  void AddCandidate(const std::string& path, unsigned char type) {
    if (type == DT_DIR) return;
    if (type != DT_REG && !IsRegularFile(path)) return;  // follows symlinks; skips fifos, sockets
    if (filter_.Excluded(path)) return;
    out_->files.insert(path);
  }

  const PathFilter& filter_;
  GlobExpansion* out_;
};

}  // namespace

bool HasGlobMeta(std::string_view segment) { return segment.find_first_of("*?[\\") != std::string_view::npos; }

bool GlobMatchSegment(std::string_view p, std::string_view t) {
  constexpr size_t kNone = std::string_view::npos;
  size_t pi = 0, ti = 0, star_p = kNone, star_t = 0;
  while (ti < t.size()) {
    bool advanced = false;
    if (pi < p.size()) {
      const char pc = p[pi];
      if (pc == '*') {
        while (pi < p.size() && p[pi] == '*') ++pi;
        star_p = pi;
        star_t = ti;
        continue;
      }
      if (pc == '?') {
        ++pi;
        ++ti;
        advanced = true;
      } else if (pc == '[') {
        bool matched = false;
        size_t len = MatchBracket(p, pi, t[ti], &matched);
        if (len == 0 && t[ti] == '[') {
          ++pi;
          ++ti;
          advanced = true;
        } else if (len != 0 && matched) {
          pi += len;
          ++ti;
          advanced = true;
        }
      } else if (pc == '\\' && pi + 1 < p.size()) {
        if (p[pi + 1] == t[ti]) {
          pi += 2;
          ++ti;
          advanced = true;
        }
      } else if (pc == t[ti]) {
        ++pi;
        ++ti;
        advanced = true;
      }
    }
    if (advanced) continue;
    if (star_p == kNone) return false;
    pi = star_p;
    ti = ++star_t;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

GlobPattern::GlobPattern(std::string_view pattern) : text_(pattern), absolute_(!pattern.empty() && pattern[0] == '/') {
  std::vector<std::string_view> parts;
  SplitSegments(pattern, &parts);
  for (std::string_view part : parts) segments_.emplace_back(part);
}

bool GlobPattern::Matches(std::string_view path) const {
  const bool path_absolute = !path.empty() && path[0] == '/';
  if (path_absolute != absolute_) return false;
  std::vector<std::string_view> parts;
  SplitSegments(path, &parts);
  return MatchSegments(segments_, 0, parts, 0);
}

PathFilter::PathFilter(const std::vector<std::string>& include, const std::vector<std::string>& exclude) {
  for (const auto& p : include)
    if (!p.empty()) includes_.emplace_back(p);
  for (const auto& p : exclude) {
    if (p.empty()) continue;
    if (p.find('/') == std::string::npos) {
      exclude_basenames_.push_back(p);
    } else {
      exclude_paths_.emplace_back(p);
    }
  }
}

bool PathFilter::Excluded(std::string_view path) const {
  std::string_view base = Basename(path);
  for (const auto& p : exclude_basenames_)
    if (GlobMatchSegment(p, base)) return true;
  for (const auto& p : exclude_paths_)
    if (p.Matches(path)) return true;
  return false;
}

bool PathFilter::Accepts(std::string_view path) const {
  bool included = false;
  for (const auto& p : includes_) {
    if (p.Matches(path)) {
      included = true;
      break;
    }
  }
  return included && !Excluded(path);
}

GlobExpansion ExpandGlobs(const PathFilter& filter) {
  GlobExpansion out;
  Walker walker(filter, &out);
  for (const GlobPattern& pattern : filter.includes()) {
    const auto& segs = pattern.segments();
    // The leading literal segments form the base directory.
    size_t k = 0;
    std::string base = pattern.absolute() ? "/" : "";
    while (k + 1 < segs.size() && segs[k] != "**" && !HasGlobMeta(segs[k])) base = Join(base, segs[k++]);
    if (segs.empty()) continue;
    if (IsDirectory(base)) {
      walker.Walk(base, segs, k, 0);
      continue;
    }
    // Watch the deepest existing ancestor, so the base directory's creation is noticed.
    std::string ancestor = base;
    while (!ancestor.empty() && ancestor != "/" && ancestor != "." && !IsDirectory(ancestor)) {
      ancestor = Dirname(ancestor);
    }
    out.directories.insert(ancestor.empty() ? "." : ancestor);
  }
  return out;
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir == ".") return std::string(name);
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string Dirname(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  while (slash > 0 && path[slash - 1] == '/') --slash;
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace logcap
