#include "dlq/dlq_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace logcap {

Status DlqWriteAt(int fd, std::string_view data, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoErrorFromErrno("dlq: write " + path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status DlqSyncData(int fd, const std::string& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return Status::IoErrorFromErrno("dlq: fdatasync " + path, errno);
  }
  return Status::Ok();
}

Status DlqSyncDirectory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoErrorFromErrno("dlq: open directory " + directory, errno);
  Status s;
  while (::fsync(fd) != 0) {
    if (errno != EINTR) {
      s = Status::IoErrorFromErrno("dlq: fsync directory " + directory, errno);
      break;
    }
  }
  ::close(fd);
  return s;
}

Status DlqAppendDurably(const std::string& directory, const std::string& path, std::string_view data) {
  bool created = false;
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    created = true;
  }
  if (fd < 0) return Status::IoErrorFromErrno("dlq: open " + path, errno);
  struct stat st {};
  Status s;
  if (::fstat(fd, &st) != 0) {
    s = Status::IoErrorFromErrno("dlq: stat " + path, errno);
  } else {
    s = DlqWriteAt(fd, data, static_cast<uint64_t>(st.st_size), path);
    if (!s.ok()) {
      // Leave no torn line behind when the disk is full (a reader would skip it anyway, so a
      // failure here changes nothing).
      [[maybe_unused]] const int ignored = ::ftruncate(fd, st.st_size);
    } else {
      s = DlqSyncData(fd, path);
    }
  }
  ::close(fd);
  if (s.ok() && created) s = DlqSyncDirectory(directory);
  return s;
}

}  // namespace logcap
