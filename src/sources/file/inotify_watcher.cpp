#include "sources/file/inotify_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace logcap {

namespace {

constexpr uint32_t kDirectoryMask =
    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr uint32_t kFileMask = IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF;

}  // namespace

InotifyWatcher::InotifyWatcher() {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    spdlog::warn("file source: inotify unavailable ({}); relying on polling", std::strerror(errno));
  }
}

InotifyWatcher::~InotifyWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

void InotifyWatcher::SyncDirectories(const std::set<std::string>& wanted) {
  if (fd_ < 0) return;
  for (auto it = wd_by_dir_.begin(); it != wd_by_dir_.end();) {
    if (wanted.count(it->first) != 0) {
      ++it;
      continue;
    }
    const int wd = it->second;
    if (--dir_wd_refs_[wd] <= 0) {
      dir_wd_refs_.erase(wd);
      dir_by_wd_.erase(wd);
      ::inotify_rm_watch(fd_, wd);
    }
    it = wd_by_dir_.erase(it);
  }
  for (const std::string& dir : wanted) {
    if (wd_by_dir_.count(dir) != 0) continue;
    int wd = ::inotify_add_watch(fd_, dir.c_str(), kDirectoryMask);
    if (wd < 0) {
      if (failed_dirs_.insert(dir).second) {
        spdlog::warn("file source: cannot watch directory {}: {}; relying on rescans", dir, std::strerror(errno));
      }
      continue;
    }
    failed_dirs_.erase(dir);
    wd_by_dir_[dir] = wd;
    if (dir_wd_refs_[wd]++ == 0) dir_by_wd_[wd] = dir;
  }
}

const std::string* InotifyWatcher::DirectoryOf(int wd) const {
  auto it = dir_by_wd_.find(wd);
  return it == dir_by_wd_.end() ? nullptr : &it->second;
}

int InotifyWatcher::AddFile(int file_fd, const std::string& path) {
  if (fd_ < 0) return -1;
  const std::string proc = "/proc/self/fd/" + std::to_string(file_fd);
  int wd = ::inotify_add_watch(fd_, proc.c_str(), kFileMask);
  if (wd < 0) wd = ::inotify_add_watch(fd_, path.c_str(), kFileMask);
  if (wd < 0 && !limit_logged_) {
    limit_logged_ = true;
    spdlog::warn("file source: cannot watch {}: {} (fs.inotify.max_user_watches?); polling such files",
                 path, std::strerror(errno));
  }
  return wd;
}

void InotifyWatcher::RemoveFile(int wd) {
  if (fd_ >= 0 && wd >= 0) ::inotify_rm_watch(fd_, wd);
}

void InotifyWatcher::ReadEvents(const std::function<void(const Event&)>& on_event) {
  if (fd_ < 0) return;
  alignas(inotify_event) char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: drained
    }
    if (n == 0) return;
    for (ssize_t i = 0; i < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + i);
      i += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      std::string_view name = ev->len > 0 ? std::string_view(ev->name, ::strnlen(ev->name, ev->len)) : std::string_view();
      if ((ev->mask & IN_IGNORED) != 0) {
        auto it = dir_by_wd_.find(ev->wd);
        if (it != dir_by_wd_.end()) {
          for (auto d = wd_by_dir_.begin(); d != wd_by_dir_.end();) {
            d = d->second == ev->wd ? wd_by_dir_.erase(d) : std::next(d);
          }
          dir_wd_refs_.erase(ev->wd);
          dir_by_wd_.erase(it);
        }
      }
      on_event(Event{ev->wd, ev->mask, ev->cookie, name});
    }
  }
}

}  // namespace logcap
