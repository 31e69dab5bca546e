#include "sources/container/self_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>

namespace logcap {

namespace {

constexpr size_t kIdSize = 64;
constexpr size_t kMaxProcFileSize = 16 << 20;

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool AllLowerHex(std::string_view s) { return std::all_of(s.begin(), s.end(), IsLowerHex); }

// Reads a whole (/proc) file, whose stat size is 0, up to kMaxProcFileSize bytes. False when it
// cannot be opened or read.
bool ReadProcFile(const std::string& path, std::string* out) {
  out->clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[16384];
  bool ok = true;
  while (out->size() < kMaxProcFileSize) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return ok;
}

template <typename F>
void ForEachLine(std::string_view text, F&& f) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// Splits on sep, skipping empty parts.
template <typename F>
void ForEachPart(std::string_view text, char sep, F&& f) {
  while (!text.empty()) {
    const size_t at = text.find(sep);
    const std::string_view part = text.substr(0, at);
    if (!part.empty()) f(part);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
}

// "<id>", "docker-<id>", "cri-containerd-<id>", "crio-<id>" (".scope" already removed) -> id.
std::string_view IdIn(std::string_view part) {
  if (part.size() < kIdSize) return {};
  const std::string_view tail = part.substr(part.size() - kIdSize);
  if (!AllLowerHex(tail)) return {};
  if (part.size() > kIdSize && part[part.size() - kIdSize - 1] != '-') return {};
  return tail;
}

// A UUID (8-4-4-4-12 lowercase hex) or 32 lowercase hex.
bool IsPodUid(std::string_view uid) {
  if (uid.size() == 32) return AllLowerHex(uid);
  if (uid.size() != 36) return false;
  for (size_t i = 0; i < uid.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? uid[i] != '-' : !IsLowerHex(uid[i])) return false;
  }
  return true;
}

// "pod<uid>", "kubepods-burstable-pod<uid_with_underscores>" (".slice" already removed) -> uid
// with '-', or "".
std::string PodUidIn(std::string_view part) {
  std::string_view rest;
  if (part.starts_with("pod")) {
    rest = part.substr(3);
  } else {
    const size_t at = part.rfind("-pod");
    if (at == std::string_view::npos) return {};
    rest = part.substr(at + 4);
  }
  std::string uid(rest);
  std::replace(uid.begin(), uid.end(), '_', '-');
  return IsPodUid(uid) ? uid : std::string();
}

void AddId(std::vector<std::string>* ids, std::string_view id) {
  if (std::find(ids->begin(), ids->end(), id) == ids->end()) ids->emplace_back(id);
}

}  // namespace

bool IsFullContainerId(std::string_view id) { return id.size() == kIdSize && AllLowerHex(id); }

void ParseCgroupPath(std::string_view path, std::string* container_id, std::string* pod_uid) {
  container_id->clear();
  pod_uid->clear();
  ForEachPart(path, '/', [&](std::string_view component) {
    ForEachPart(component, ':', [&](std::string_view part) {
      std::string_view bare = part;
      if (bare.ends_with(".scope")) bare.remove_suffix(6);
      if (const std::string_view id = IdIn(bare); !id.empty()) {
        container_id->assign(id);  // the innermost one wins
        return;
      }
      bare = part;
      if (bare.ends_with(".slice")) bare.remove_suffix(6);
      if (std::string uid = PodUidIn(bare); !uid.empty()) *pod_uid = std::move(uid);
    });
  });
}

namespace {

// The root (field 4: the path inside the mounted file system) and the mount point (field 5) of a
// /proc/self/mountinfo line: "<mount id> <parent id> <major:minor> <root> <mount point> ...".
bool MountRootAndPoint(std::string_view line, std::string_view* root, std::string_view* mount_point) {
  std::string_view fields[5];
  size_t n = 0;
  ForEachPart(line, ' ', [&](std::string_view field) {
    if (n < 5) fields[n] = field;
    ++n;
  });
  if (n < 5) return false;
  *root = fields[3];
  *mount_point = fields[4];
  return true;
}

// The first component of path that follows a component `directory` and is followed by one more
// component, and for which is_name holds (".../<directory>/<name>/<more>"); "" if none.
template <typename Predicate>
std::string NameUnder(std::string_view path, std::string_view directory, Predicate is_name) {
  std::string found;
  std::string_view previous, before_previous;
  ForEachPart(path, '/', [&](std::string_view component) {
    if (found.empty() && before_previous == directory && is_name(previous)) found.assign(previous);
    before_previous = previous;
    previous = component;
  });
  return found;
}

}  // namespace

std::string ParseMountInfoLine(std::string_view line) {
  std::string_view root, mount_point;
  if (!MountRootAndPoint(line, &root, &mount_point)) return {};
  if (mount_point != "/etc/hostname" && mount_point != "/etc/hosts" && mount_point != "/etc/resolv.conf") {
    return {};
  }
  return NameUnder(root, "containers", IsFullContainerId);
}

std::string ParseMountInfoPodUid(std::string_view line) {
  std::string_view root, mount_point;
  if (!MountRootAndPoint(line, &root, &mount_point)) return {};
  if (mount_point != "/etc/hosts" && mount_point != "/dev/termination-log") return {};
  return NameUnder(root, "pods", IsPodUid);
}

bool SelfIdentity::IsSelfContainer(std::string_view id) const {
  if (id.empty()) return false;
  if (std::find(container_ids.begin(), container_ids.end(), id) != container_ids.end()) return true;
  if (!container_ids.empty()) return false;
  return hostname.size() == 12 && AllLowerHex(hostname) && id.starts_with(hostname);
}

bool SelfIdentity::IsSelfPod(std::string_view uid) const { return !pod_uid.empty() && uid == pod_uid; }

SelfIdentity DetectSelfIdentity(const std::string& proc_root, std::string hostname) {
  SelfIdentity self;
  std::string text;
  if (ReadProcFile(proc_root + "/self/cgroup", &text)) {
    ForEachLine(text, [&](std::string_view line) {
      // "<hierarchy id>:<controllers>:<path>"; the path may itself hold ':'.
      const size_t first = line.find(':');
      if (first == std::string_view::npos) return;
      const size_t second = line.find(':', first + 1);
      if (second == std::string_view::npos) return;
      std::string id, uid;
      ParseCgroupPath(line.substr(second + 1), &id, &uid);
      if (!id.empty()) AddId(&self.container_ids, id);
      if (!uid.empty() && self.pod_uid.empty()) self.pod_uid = std::move(uid);
    });
  }
  if (ReadProcFile(proc_root + "/self/mountinfo", &text)) {
    ForEachLine(text, [&](std::string_view line) {
      if (const std::string id = ParseMountInfoLine(line); !id.empty()) AddId(&self.container_ids, id);
      if (self.pod_uid.empty()) self.pod_uid = ParseMountInfoPodUid(line);
    });
  }
  if (hostname.empty()) {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) == 0) hostname = name;
  }
  self.hostname = std::move(hostname);
  return self;
}

}  // namespace logcap
