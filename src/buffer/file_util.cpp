#include "buffer/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace logcap::fileutil {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Status DirLock::Acquire(const std::string& dir, bool exclusive, std::unique_ptr<DirLock>* out) {
  const std::string path = dir + "/LOCK";
  // A read-only check must not create files: without a LOCK file nobody holds the directory.
  UniqueFd fd;
  Status s = OpenFile(path, exclusive ? (O_RDWR | O_CREAT) : O_RDONLY, &fd);
  if (!exclusive && s.IsNotFound()) {
    out->reset(new DirLock(UniqueFd()));
    return Status::Ok();
  }
  if (!s.ok()) return s;
  while (flock(fd.get(), (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      return Status::Unavailable("disk buffer directory " + dir +
                                 " is in use by another process (it holds " + path + ")");
    }
    return Status::IoErrorFromErrno("lock " + path, errno);
  }
  out->reset(new DirLock(std::move(fd)));
  return Status::Ok();
}

DirLock::~DirLock() = default;  // closing the descriptor releases the flock

Status CreateDirs(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("empty directory path");
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return Status::IoErrorFromErrno("mkdir " + prefix, errno);
  }
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Status::IoErrorFromErrno("stat " + path, errno);
  if (!S_ISDIR(st.st_mode)) return Status::IoError(path + " is not a directory");
  return Status::Ok();
}

Status ListDir(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::NotFound(dir);
    return Status::IoErrorFromErrno("opendir " + dir, errno);
  }
  while (dirent* e = readdir(d)) {
    const std::string_view name(e->d_name);
    if (name != "." && name != "..") names->emplace_back(name);
  }
  closedir(d);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  UniqueFd fd;
  Status s = OpenFile(dir, O_RDONLY | O_DIRECTORY, &fd);
  if (!s.ok()) return s;
  if (fsync(fd.get()) != 0) return Status::IoErrorFromErrno("fsync " + dir, errno);
  return Status::Ok();
}

Status OpenFile(const std::string& path, int flags, UniqueFd* out) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path);
    return Status::IoErrorFromErrno("open " + path, errno);
  }
  out->Reset(fd);
  return Status::Ok();
}

Status FileSize(int fd, const std::string& path, uint64_t* size) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return Status::IoErrorFromErrno("stat " + path, errno);
  *size = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

Status ReadFile(const std::string& path, std::string* out) {
  UniqueFd fd;
  Status s = OpenFile(path, O_RDONLY, &fd);
  if (!s.ok()) return s;
  out->clear();
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoErrorFromErrno("read " + path, errno);
    if (n == 0) return Status::Ok();
    out->append(buf, static_cast<size_t>(n));
  }
}

Status RemoveFile(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Status::IoErrorFromErrno("unlink " + path, errno);
  return Status::Ok();
}

Status Truncate(int fd, const std::string& path, uint64_t size) {
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) return Status::IoErrorFromErrno("truncate " + path, errno);
  if (fdatasync(fd) != 0) return Status::IoErrorFromErrno("sync " + path, errno);
  return Status::Ok();
}

Status WriteAndSync(const std::string& path, std::string_view data) {
  UniqueFd fd;
  Status s = OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC, &fd);
  if (!s.ok()) return s;
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoErrorFromErrno("write " + path, errno);
    done += static_cast<size_t>(n);
  }
  if (fsync(fd.get()) != 0) return Status::IoErrorFromErrno("fsync " + path, errno);
  return Status::Ok();
}

Status Rename(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) return Status::IoErrorFromErrno("rename " + from + " to " + to, errno);
  return Status::Ok();
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

}  // namespace logcap::fileutil
