// file_util: the few POSIX file operations the disk buffer needs, returning Status.
//
// Contract: free functions and small RAII types, safe from any thread (they share no state).
// Every failure is an IOError carrying the path and the errno text; a missing file is NotFound.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace logcap::fileutil {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) Reset(o.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// An flock on <dir>/LOCK, held until destruction. Exclusive for writers (Open, RepairWal), shared
// for read-only checks; never blocks: a lock held elsewhere is Unavailable naming the directory.
class DirLock {
 public:
  static Status Acquire(const std::string& dir, bool exclusive, std::unique_ptr<DirLock>* out);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

Status CreateDirs(const std::string& path);  // mkdir -p
Status ListDir(const std::string& dir, std::vector<std::string>* names);  // without "." and ".."
Status SyncDir(const std::string& dir);
Status OpenFile(const std::string& path, int flags, UniqueFd* out);  // mode 0644 when creating
Status FileSize(int fd, const std::string& path, uint64_t* size);
Status ReadFile(const std::string& path, std::string* out);
Status RemoveFile(const std::string& path);  // a missing file is Ok
Status Truncate(int fd, const std::string& path, uint64_t size);  // ftruncate + fdatasync
Status WriteAndSync(const std::string& path, std::string_view data);  // create/replace, then fsync
Status Rename(const std::string& from, const std::string& to);
bool Exists(const std::string& path);

}  // namespace logcap::fileutil
