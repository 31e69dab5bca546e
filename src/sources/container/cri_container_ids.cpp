#include "sources/container/cri_container_ids.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

namespace logcap {

namespace {

constexpr size_t kIdSize = 64;
constexpr std::string_view kLogSuffix = ".log";

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

void Assign(std::string* out, std::string_view value) {
  if (out != nullptr) out->assign(value);
}

// The link's target, or false when it cannot be read (not a link, gone, ...).
bool ReadLink(const std::string& path, std::string* target) {
  std::vector<char> buf(256);
  for (;;) {
    const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
    if (n < 0) return false;
    if (static_cast<size_t>(n) < buf.size()) {
      target->assign(buf.data(), static_cast<size_t>(n));
      return true;
    }
    if (buf.size() >= (1u << 20)) return false;
    buf.resize(buf.size() * 2);
  }
}

bool IsSymlink(const std::string& path, unsigned char d_type) {
  if (d_type != DT_UNKNOWN) return d_type == DT_LNK;
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

std::string Normal(const std::filesystem::path& p) {
  std::string s = p.lexically_normal().string();
  if (s.size() > 1 && s.back() == '/') s.pop_back();  // "a/b/.." normalises to "a/"
  return s;
}

// The last n components of a normalised path and what lies before them ("" when fewer).
bool SplitLast(std::string_view path, size_t n, std::string_view* head, std::string_view* tail) {
  size_t end = path.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t slash = path.rfind('/', end == 0 ? 0 : end - 1);
    if (slash == std::string_view::npos || end == 0) return false;
    if (slash + 1 == end) return false;  // an empty component
    end = slash;
  }
  *head = path.substr(0, end);
  *tail = path.substr(end + 1);
  return true;
}

}  // namespace

bool ParseCriLinkName(std::string_view name, std::string* pod, std::string* ns, std::string* container,
                      std::string* id) {
  if (!name.ends_with(kLogSuffix)) return false;
  name.remove_suffix(kLogSuffix.size());
  if (name.size() < kIdSize + 1) return false;
  const std::string_view hex = name.substr(name.size() - kIdSize);
  if (!std::all_of(hex.begin(), hex.end(), IsLowerHex)) return false;
  if (name[name.size() - kIdSize - 1] != '-') return false;
  const std::string_view rest = name.substr(0, name.size() - kIdSize - 1);  // pod_ns_container

  const size_t first = rest.find('_');
  if (first == std::string_view::npos) return false;
  const size_t second = rest.find('_', first + 1);
  if (second == std::string_view::npos || rest.find('_', second + 1) != std::string_view::npos) return false;
  const std::string_view p = rest.substr(0, first);
  const std::string_view n = rest.substr(first + 1, second - first - 1);
  const std::string_view c = rest.substr(second + 1);
  if (p.empty() || n.empty() || c.empty()) return false;
  Assign(pod, p);
  Assign(ns, n);
  Assign(container, c);
  Assign(id, hex);
  return true;
}

std::string CriLinksDirFor(std::string_view cri_log_path) {
  const std::string path = Normal(std::filesystem::path(cri_log_path));
  // <pods root>/<namespace>_<pod>_<uid>/<container>/<file>
  std::string_view pods_root, tail;
  if (!SplitLast(path, 3, &pods_root, &tail) || pods_root.empty()) return {};
  if (pods_root == "." || pods_root == ".." || pods_root.ends_with("/..")) return {};
  const size_t slash = pods_root.rfind('/');
  if (slash == std::string_view::npos) return "containers";  // relative: "pods/..."
  if (slash == 0) return "/containers";
  return std::string(pods_root.substr(0, slash)) + "/containers";
}

std::unordered_map<std::string, std::string> ReadCriContainerIds(const std::string& dir) {
  std::unordered_map<std::string, std::string> ids;
  if (dir.empty()) return ids;
  std::error_code ec;
  const std::filesystem::path base = std::filesystem::absolute(dir, ec);
  if (ec) return ids;
  const std::string base_dir = Normal(base);
  // Where the re-rooted targets go: the sibling "pods" of dir.
  std::string pods_dir;
  if (const size_t slash = base_dir.rfind('/');
      slash != std::string::npos && std::string_view(base_dir).substr(slash + 1) == "containers") {
    pods_dir = base_dir.substr(0, slash) + "/pods";
  }

  DIR* d = ::opendir(base_dir.c_str());
  if (d == nullptr) return ids;
  std::string id, target;
  while (const dirent* e = ::readdir(d)) {
    if (!ParseCriLinkName(e->d_name, nullptr, nullptr, nullptr, &id)) continue;
    const std::string link = base_dir + "/" + e->d_name;
    if (!IsSymlink(link, e->d_type) || !ReadLink(link, &target) || target.empty()) continue;
    std::filesystem::path resolved(target);
    if (resolved.is_relative()) resolved = base / resolved;
    std::string key = Normal(resolved);
    if (!pods_dir.empty()) {
      // ".../pods/<namespace>_<pod>_<uid>/<container>/<file>" as seen from here.
      std::string_view head, tail;
      if (SplitLast(key, 3, &head, &tail) && (head == "/pods" || head.ends_with("/pods"))) {
        std::string rerooted = pods_dir + "/" + std::string(tail);
        if (rerooted != key) ids.insert_or_assign(std::move(rerooted), id);
      }
    }
    ids.insert_or_assign(std::move(key), id);
  }
  ::closedir(d);
  return ids;
}

}  // namespace logcap
