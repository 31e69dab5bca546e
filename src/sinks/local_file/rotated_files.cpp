#include "sinks/local_file/rotated_files.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "sinks/common/fd_io.h"

namespace logcap {

namespace {

constexpr size_t kStampLength = 15;  // yyyymmddTHHMMSS

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void FormatStamp(Nanos now, char* out) {
  TimestampFormatter ts;
  char full[TimestampFormatter::kLength];
  ts.Format(now, full);  // 2026-11-23T10:00:00.123456789Z
  const char* src = full;
  size_t j = 0;
  for (size_t i = 0; i < 19; ++i)
    if (src[i] != '-' && src[i] != ':') out[j++] = src[i];
}

}  // namespace

bool ParseRotatedName(const std::string& name, std::string* base, RotatedFile* info) {
  std::string_view s(name);
  bool compressed = false;
  if (s.size() > 3 && s.substr(s.size() - 3) == ".gz") {
    compressed = true;
    s.remove_suffix(3);
  }
  const size_t seq_dot = s.rfind('.');
  if (seq_dot == std::string_view::npos || !AllDigits(s.substr(seq_dot + 1)) || seq_dot + 1 + 19 < s.size()) return false;
  const std::string_view seq = s.substr(seq_dot + 1);
  if (seq_dot < kStampLength + 2) return false;
  const size_t stamp_start = seq_dot - kStampLength;
  const std::string_view stamp = s.substr(stamp_start, kStampLength);
  if (s[stamp_start - 1] != '.' || !AllDigits(stamp.substr(0, 8)) || stamp[8] != 'T' || !AllDigits(stamp.substr(9))) {
    return false;
  }
  if (base != nullptr) base->assign(s.substr(0, stamp_start - 1));
  if (info != nullptr) {
    info->stamp.assign(stamp);
    info->sequence = std::stoull(std::string(seq));
    info->compressed = compressed;
  }
  return true;
}

std::string UniqueRotatedName(const std::string& path, Nanos now) {
  char stamp_chars[kStampLength];
  FormatStamp(now, stamp_chars);
  const std::string stamp(stamp_chars, kStampLength);
  // Past the highest sequence number of this second, so that a newer file never sorts before an
  // older one (pruning may have freed lower numbers).
  uint64_t n = 1;
  for (const RotatedFile& f : ListRotatedFiles(path)) {
    if (f.stamp == stamp && f.sequence >= n) n = f.sequence + 1;
  }
  const std::string prefix = path + "." + stamp + ".";
  for (;; ++n) {
    std::string candidate = prefix + std::to_string(n);
    if (!Exists(candidate) && !Exists(candidate + ".gz") && !Exists(candidate + ".gz.tmp")) return candidate;
  }
}

std::vector<RotatedFile> ListRotatedFiles(const std::string& path) {
  std::vector<RotatedFile> found;
  const std::string dir = DirName(path);
  const std::string base = BaseName(path);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return found;
  std::string entry_base;
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name.size() <= base.size() || name.compare(0, base.size(), base) != 0) continue;
    RotatedFile info;
    if (!ParseRotatedName(name, &entry_base, &info) || entry_base != base) continue;
    info.path = dir + "/" + name;
    found.push_back(std::move(info));
  }
  ::closedir(d);
  std::sort(found.begin(), found.end(), [](const RotatedFile& a, const RotatedFile& b) {
    if (a.stamp != b.stamp) return a.stamp < b.stamp;
    if (a.sequence != b.sequence) return a.sequence < b.sequence;
    return a.compressed < b.compressed;
  });
  return found;
}

uint64_t PruneRotatedFiles(const std::string& path, uint64_t keep) {
  std::vector<RotatedFile> files = ListRotatedFiles(path);
  // A file being compressed shows up twice at most briefly (x and x.gz): count it once.
  std::vector<RotatedFile*> distinct;
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0 && files[i].stamp == files[i - 1].stamp && files[i].sequence == files[i - 1].sequence) continue;
    distinct.push_back(&files[i]);
  }
  uint64_t removed = 0;
  if (distinct.size() <= keep) return removed;
  // distinct is sorted, so the excess entries are the first ones: delete every version (plain and
  // .gz) up to and including the last of them.
  const RotatedFile& newest_excess = *distinct[distinct.size() - static_cast<size_t>(keep) - 1];
  for (const RotatedFile& f : files) {
    const bool excess = f.stamp < newest_excess.stamp ||
                        (f.stamp == newest_excess.stamp && f.sequence <= newest_excess.sequence);
    if (excess && ::unlink(f.path.c_str()) == 0) ++removed;
  }
  return removed;
}

std::vector<std::pair<std::string, std::string>> FindUncompressedRotatedFiles(const std::string& directory,
                                                                              int max_depth) {
  std::vector<std::pair<std::string, std::string>> found;
  std::error_code ec;
  namespace fs = std::filesystem;
  fs::recursive_directory_iterator it(directory, fs::directory_options::skip_permission_denied, ec);
  const fs::recursive_directory_iterator end;
  std::string base;
  RotatedFile info;
  for (; !ec && it != end; it.increment(ec)) {
    if (it.depth() >= max_depth) it.disable_recursion_pending();
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (!ParseRotatedName(name, &base, &info) || info.compressed) continue;
    const std::string dir = it->path().parent_path().string();
    found.emplace_back(it->path().string(), dir + "/" + base);
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace logcap
