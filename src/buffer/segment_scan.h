// segment_scan: reads one segment file end to end and builds its in-memory index (Segment),
// classifying damage as torn tail or corruption (rules in log_format.h, RECOVERY).
//
// Contract: a free function; it reads the file only (cutting a torn tail is the caller's choice).
// Failure: IOError when the file cannot be read; damage is reported in SegmentScan, never an error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "buffer/segment.h"
#include "core/status.h"

namespace logcap {

struct SegmentProblem {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  std::string kind;  // "torn_tail", "bad_checksum", "bad_length", "bad_record_type", "bad_record_header", ...
  std::string detail;
};

struct SegmentScan {
  uint64_t file_size = 0;
  uint64_t torn_tail_offset = 0;  // == file_size when the file ends on a whole record
  uint64_t records = 0, events = 0, record_bytes = 0;
  uint64_t corrupt_records = 0, corrupt_bytes = 0;
  std::vector<SegmentProblem> problems;  // in file order; a torn tail is last
  uint64_t torn_tail_bytes() const { return file_size - torn_tail_offset; }
};

// Called with each valid record: [start, end) and the record's data (valid during the call).
using SegmentRecordFn = std::function<void(uint64_t start, uint64_t end, std::string_view data)>;

// Scans fd (the file at segment->path) and fills segment->entries, explicit_starts, events and
// size (= torn_tail_offset: what remains once a torn tail is cut).
Status ScanSegment(int fd, Segment* segment, SegmentScan* scan, const SegmentRecordFn& on_record = nullptr);

}  // namespace logcap
