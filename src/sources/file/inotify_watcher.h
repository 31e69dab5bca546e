// InotifyWatcher: the file source's single inotify instance.
//
// It watches directories (to notice files appearing, disappearing or being renamed) and open files
// (to notice writes, truncation, renames and unlinks). It only reports what happened; the file
// source decides what to do. When inotify is unavailable (init fails, or the watch limit is hit)
// the source still works from its stat() poll, only with more latency.
//
// Directory watches are kept by path: SyncDirectories() adds the wanted ones and removes the rest.
// File watches are returned to the caller, who maps the watch descriptor to its file.
//
// Thread-safety: none; owned and used by the source's reader thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

namespace logcap {

class InotifyWatcher {
 public:
  struct Event {
    int wd;
    uint32_t mask;          // IN_* bits
    uint32_t cookie;        // pairs IN_MOVED_FROM with IN_MOVED_TO
    std::string_view name;  // for directory watches: the entry's name; else empty
  };

  InotifyWatcher();
  ~InotifyWatcher();
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  bool valid() const { return fd_ >= 0; }
  // Readable when events are pending (poll it with POLLIN); -1 when not valid.
  int fd() const { return fd_; }

  // Makes the set of watched directories equal to wanted. Failures are logged once per path.
  void SyncDirectories(const std::set<std::string>& wanted);
  // The directory path of a directory watch, or nullptr.
  const std::string* DirectoryOf(int wd) const;

  // Watches an open file (through /proc/self/fd, so the watch is on the very inode that is open;
  // falls back to path). Returns the watch descriptor, or -1.
  int AddFile(int file_fd, const std::string& path);
  void RemoveFile(int wd);

  // Reads every pending event without blocking and calls on_event for each. IN_IGNORED of a
  // directory watch is handled here (the directory is forgotten) and also reported.
  void ReadEvents(const std::function<void(const Event&)>& on_event);

 private:
  int fd_ = -1;
  std::map<std::string, int> wd_by_dir_;
  std::unordered_map<int, std::string> dir_by_wd_;
  std::unordered_map<int, int> dir_wd_refs_;  // paths per directory wd (symlinked directories share one)
  std::set<std::string> failed_dirs_;        // already logged
  bool limit_logged_ = false;
};

}  // namespace logcap
