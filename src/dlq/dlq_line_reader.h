// DlqLineReader: reads the complete lines of a DLQ data file, in order, with their offsets.
//
// Reads with pread in chunks of 1 MiB (a longer line grows the buffer to hold it) and never past
// `limit`: a replay reads only what was durable when it started, while appends continue beyond.
// Bytes after the last '\n' before the limit are not a line (a write torn by a crash); they are
// reported by torn_bytes() once Next has returned false.
//
// Threading: one reader per thread; the file may be appended to meanwhile (past the limit).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace logcap {

class DlqLineReader {
 public:
  DlqLineReader() = default;
  ~DlqLineReader();
  DlqLineReader(const DlqLineReader&) = delete;
  DlqLineReader& operator=(const DlqLineReader&) = delete;

  // Opens path for reading its first `limit` bytes (UINT64_MAX: up to its size now).
  Status Open(const std::string& path, uint64_t limit);
  // The next complete line without its '\n' (valid until the next call) and its offset; false at
  // the end or on a read error (see status()).
  bool Next(std::string_view* line, uint64_t* offset);
  const Status& status() const { return status_; }
  // Where the last complete line ends, and the bytes after it up to the limit (at the end).
  uint64_t complete_bytes() const { return complete_bytes_; }
  uint64_t torn_bytes() const { return torn_bytes_; }

 private:
  static constexpr size_t kChunk = 1 << 20;

  int fd_ = -1;
  std::string path_;
  uint64_t limit_ = 0;
  uint64_t file_pos_ = 0;  // file offset of buffer_[end_]
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;  // unread bytes: buffer_[begin_, end_)
  size_t scanned_ = 0;          // bytes from begin_ already known to hold no '\n'
  uint64_t complete_bytes_ = 0;
  uint64_t torn_bytes_ = 0;
  Status status_;
};

}  // namespace logcap
