#include "sources/file/file_identity.h"

#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>

namespace logcap {

namespace {

constexpr size_t kMaxFingerprintBytes = 64 * 1024;

// Reads up to len bytes from offset 0; returns the count read, or -1 with errno set.
ssize_t ReadPrefix(int fd, char* buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = ::pread(fd, buf + got, len - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

bool StatFileKey(const std::string& path, FileKey* key) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *key = FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  return true;
}

uint64_t EmptyFingerprint() { return XXH3_64bits(nullptr, 0); }

Status ComputeFingerprint(int fd, size_t max_len, uint64_t* fingerprint, uint32_t* len) {
  char buf[kMaxFingerprintBytes];
  const size_t want = std::min(max_len, kMaxFingerprintBytes);
  ssize_t n = ReadPrefix(fd, buf, want);
  if (n < 0) return Status::IoErrorFromErrno("read fingerprint", errno);
  *fingerprint = XXH3_64bits(buf, static_cast<size_t>(n));
  *len = static_cast<uint32_t>(n);
  return Status::Ok();
}

bool FingerprintMatches(int fd, const FileIdentity& identity) {
  if (identity.fingerprint_len == 0) return true;
  char buf[kMaxFingerprintBytes];
  const size_t want = std::min<size_t>(identity.fingerprint_len, kMaxFingerprintBytes);
  ssize_t n = ReadPrefix(fd, buf, want);
  if (n < 0 || static_cast<size_t>(n) != want) return false;
  return XXH3_64bits(buf, want) == identity.fingerprint;
}

}  // namespace logcap
