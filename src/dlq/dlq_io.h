// Small POSIX file helpers for the dead-letter queue: whole writes, syncs, and a directory's
// durability. Every failure is an IoError naming the path and strerror (e.g. "No space left on
// device"). EINTR is retried.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace logcap {

// Writes all of data at offset (pwrite, looping over short writes).
Status DlqWriteAt(int fd, std::string_view data, uint64_t offset, const std::string& path);
// fdatasync.
Status DlqSyncData(int fd, const std::string& path);
// fsync of a directory, so that names created or removed in it survive a crash.
Status DlqSyncDirectory(const std::string& directory);
// Appends data to the file at path (created if missing; then its directory is synced too) and
// fdatasyncs it.
Status DlqAppendDurably(const std::string& directory, const std::string& path, std::string_view data);

}  // namespace logcap
