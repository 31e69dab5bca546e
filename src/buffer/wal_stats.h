// Wal statistics and the report of Open's recovery. Plain value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace logcap {

struct WalReaderStats {
  std::string name;
  // Not yet committed by this reader (from its in-memory committed position to the end).
  uint64_t pending_records = 0, pending_events = 0, pending_bytes = 0;
};

struct WalStats {
  uint64_t segments = 0, disk_bytes = 0, records_appended = 0, events_appended = 0;
  uint64_t corrupt_records = 0, corrupt_bytes = 0, torn_tail_bytes = 0;  // found at open and while reading
  uint64_t dropped_records = 0, dropped_events = 0;  // kDropOldest deletions (max over readers)
  bool full = false;       // an Append is waiting for space (kBlock)
  std::string last_error;  // e.g. the last ENOSPC, "" when healthy
  std::vector<WalReaderStats> readers;
};

struct WalRecoveryReport {
  uint64_t segments = 0, records = 0, events = 0, bytes = 0, torn_tail_bytes = 0, corrupt_records = 0,
           corrupt_bytes = 0;
  std::vector<std::string> problems;  // one line each: file, offset, what was found and done
};

}  // namespace logcap
