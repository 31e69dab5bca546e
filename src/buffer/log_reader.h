// log_reader: reads records back from a segment in the block format of log_format.h.
//
// Two ways in, both thread-compatible (no shared state; one caller per fd at a time):
//  - ScanLog walks a whole file front to back, reporting each valid record and each skipped
//    (corrupt) byte range to a LogVisitor, and tells where a torn tail starts. Used at Open, by
//    CheckWal and by RepairWal. It never modifies the file.
//  - ParseRecordAt decodes the one record known to occupy an exact byte range (the Wal's index
//    gives the ranges), which lets a reader fetch a record with a single pread.
// Failure: I/O errors are returned as IOError; damaged data is never an error, only reported.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace logcap::log {

class LogVisitor {
 public:
  virtual ~LogVisitor() = default;
  // A whole record occupying [start, end); data is valid only during the call.
  virtual void OnRecord(uint64_t start, uint64_t end, std::string_view data) = 0;
  // Bytes [offset, offset + bytes) were skipped: one damaged record (contiguous pieces are merged).
  // kind: "bad_checksum", "bad_length", "bad_record_type", "partial_record" or "orphan_fragment".
  virtual void OnCorruption(uint64_t offset, uint64_t bytes, std::string_view kind, std::string_view detail) = 0;
};

// Reads bytes [0, file_size) of fd. On success *torn_tail is where an incomplete last record
// starts (the file should be cut there), or file_size when the file ends on a whole record.
Status ScanLog(int fd, uint64_t file_size, LogVisitor* visitor, uint64_t* torn_tail);

// bytes holds the file's content from offset start on and must be exactly one record (with any
// block trailer before its first fragment). On success *fragments holds the record's data as
// views into bytes, in order (joining them is the caller's choice: it may need only one copy).
// On failure returns false and sets *error to the kind of damage ("bad_checksum", ...).
bool ParseRecordAt(std::string_view bytes, uint64_t start, std::vector<std::string_view>* fragments,
                   const char** error);

}  // namespace logcap::log
