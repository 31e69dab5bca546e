// LogWriter: appends records to one segment file in the block format of log_format.h.
//
// Contract: not thread-safe (the Wal calls it under its mutex). The fd is borrowed: the caller
// keeps it open while the writer is used and closes it. Each AddRecord issues one pwritev (more
// only for records over ~32 MiB or short writes) at offset(); nothing is buffered in memory, so a
// record is visible to readers of the file as soon as AddRecord returns. Syncing is the caller's.
// Failure: AddRecord returns IOError (errno text) and cuts the file back to the record's start
// (ftruncate), so the segment stays a sequence of whole records. If even that cut fails, broken()
// becomes true and the caller must stop writing to this file (the torn bytes after offset() are
// then found as a torn tail or corruption by the next scan).
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "buffer/log_format.h"
#include "core/status.h"

namespace logcap::log {

class LogWriter {
 public:
  // offset: the current length of the file (where the next record goes).
  LogWriter(int fd, uint64_t offset);
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Writes one record whose data is concat(head, body) (two pieces so that a small header and a
  // large payload need not be copied together).
  Status AddRecord(std::string_view head, std::string_view body);

  uint64_t offset() const { return offset_; }
  bool broken() const { return broken_; }
  int fd() const { return fd_; }

 private:
  Status WriteAll(uint64_t start);

  int fd_;
  uint64_t offset_;
  bool broken_ = false;
  std::array<uint32_t, kMaxRecordType + 1> type_crc_;  // CRC of each type byte, to extend
  // Reused across records so that a steady stream of appends does not allocate.
  std::vector<std::array<char, kHeaderSize>> headers_;
  std::vector<iovec> iov_;
};

}  // namespace logcap::log
