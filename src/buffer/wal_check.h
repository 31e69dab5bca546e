// wal_check: offline inspection and repair of a disk buffer directory, behind
// `log-capturer buffer check DIR` and `log-capturer buffer repair DIR`.
//
// Contract: free functions; run them while no agent has the directory open. CheckWal only reads
// (it takes a shared lock on LOCK, so it fails with Unavailable while an agent holds it) and
// never changes a byte. RepairWal takes the exclusive lock and makes the directory clean: it cuts
// torn tails, rewrites each segment with corrupt records keeping only the valid ones (temp file,
// fsync, rename, directory fsync; an interrupted rewrite leaves the original intact), remaps the
// cursors that pointed into rewritten segments, clamps cursors past the end, and rewrites
// undecodable cursors to the oldest record (redelivery rather than loss). Unknown files are
// reported, never deleted. Both return an error only when the directory cannot be read or written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "buffer/wal_stats.h"
#include "core/status.h"

namespace logcap {

struct WalCheckReport {
  struct Problem {
    std::string file;
    uint64_t offset = 0;
    // "torn_tail", "bad_checksum", "bad_length", "bad_record_type", "partial_record",
    // "orphan_fragment", "bad_record_header", "cursor_past_end", "bad_cursor", "unknown_file",
    // "leftover_temp"
    std::string kind;
    std::string detail;
  };
  std::vector<Problem> problems;
  uint64_t segments = 0, records = 0, events = 0, bytes = 0;
  std::vector<WalReaderStats> readers;  // pending = after the persisted cursor
  std::vector<std::string> repairs;     // RepairWal: what it changed, one line each
  bool ok() const { return problems.empty(); }
  // One problem per line ("FILE offset N: KIND: DETAIL"), then the repairs, readers and totals.
  std::string ToText() const;
};

Status CheckWal(const std::string& directory, WalCheckReport* report);
Status RepairWal(const std::string& directory, WalCheckReport* report);

}  // namespace logcap
