// FileIdentity: what makes a file "the same file" across renames and restarts.
//
// A file is its (device, inode) plus a fingerprint: XXH3-64 of its first fingerprint_len bytes,
// where fingerprint_len = min(size, fingerprint_size) when it was computed. The inode alone is not
// enough: file systems reuse the inode numbers of deleted files, so a saved position for
// (dev, inode) is only trusted if the file's first fingerprint_len bytes still hash the same.
// Files with identical first bytes (same header) are still told apart by their inode.
//
// Thread-safety: plain values and stateless functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"

namespace logcap {

struct FileKey {
  uint64_t dev = 0;
  uint64_t inode = 0;
  bool operator==(const FileKey&) const = default;
};

struct FileKeyHash {
  size_t operator()(const FileKey& k) const { return std::hash<uint64_t>()(k.inode * 0x9E3779B97F4A7C15ull ^ k.dev); }
};

struct FileIdentity {
  FileKey key;
  uint64_t fingerprint = 0;
  uint32_t fingerprint_len = 0;
};

// The (dev, inode) of the regular file at path (symlinks followed); false if none.
bool StatFileKey(const std::string& path, FileKey* key);

// The fingerprint of zero bytes.
uint64_t EmptyFingerprint();

// Hashes the first min(file size, max_len) bytes of fd (read with pread; the file offset is not
// used). max_len is capped at 64 KiB.
Status ComputeFingerprint(int fd, size_t max_len, uint64_t* fingerprint, uint32_t* len);

// True if the first `identity.fingerprint_len` bytes of fd hash to `identity.fingerprint`.
// False if the file is now shorter than that, or on a read error.
bool FingerprintMatches(int fd, const FileIdentity& identity);

}  // namespace logcap
