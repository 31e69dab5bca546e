#include "dlq/dlq_done_sidecar.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace logcap {

Status ReadDlqDoneOffsets(const std::string& path, std::unordered_set<uint64_t>* offsets) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::IoErrorFromErrno("dlq: open " + path, errno);
  }
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Status::IoErrorFromErrno("dlq: read " + path, err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);

  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;  // torn last line
    uint64_t value = 0;
    bool ok = nl > pos && nl - pos <= 20;
    for (size_t i = pos; ok && i < nl; ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') {
        ok = false;
        break;
      }
      const uint64_t digit = static_cast<uint64_t>(c - '0');
      if (value > (UINT64_MAX - digit) / 10) ok = false;
      value = value * 10 + digit;
    }
    if (ok) offsets->insert(value);
    pos = nl + 1;
  }
  return Status::Ok();
}

std::string FormatDlqDoneOffsets(std::span<const uint64_t> offsets) {
  std::string out;
  out.reserve(offsets.size() * 12);
  for (uint64_t offset : offsets) {
    out += std::to_string(offset);
    out += '\n';
  }
  return out;
}

}  // namespace logcap
