#include "sinks/common/fd_io.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace logcap {

int WriteFully(int fd, const char* data, size_t n, size_t* written) {
  size_t done = 0;
  int err = 0;
  while (done < n) {
    const ssize_t r = ::write(fd, data + done, n - done);
    if (r > 0) {
      done += static_cast<size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) {
        err = errno;
        break;
      }
      continue;
    }
    err = r < 0 ? errno : EIO;  // write() returning 0 for n > 0 means no progress is possible
    break;
  }
  if (written != nullptr) *written = done;
  return err;
}

int MakeDirectories(const std::string& path) {
  if (path.empty()) return ENOENT;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  std::string partial;
  partial.reserve(path.size());
  size_t i = 0;
  while (i <= path.size()) {
    const size_t slash = path.find('/', i);
    const size_t stop = slash == std::string::npos ? path.size() : slash;
    partial.assign(path, 0, stop);
    i = stop + 1;
    if (partial.empty() || partial == "." || partial == "..") continue;
    if (::mkdir(partial.c_str(), 0755) == 0) continue;
    const int err = errno;
    if (err == EEXIST) {
      if (::stat(partial.c_str(), &st) != 0) return errno;
      if (!S_ISDIR(st.st_mode)) return ENOTDIR;
      continue;
    }
    return err;
  }
  return 0;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace logcap
