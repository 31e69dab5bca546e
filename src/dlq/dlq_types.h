// The dead-letter queue's value types: options, one entry, replay filter, statistics.
// See dead_letter_queue.h for the store that uses them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "core/clock.h"

namespace logcap {

struct DlqOptions {
  std::string directory;                        // created if missing
  uint64_t max_total_size = 1ull << 30;         // bytes of data files; the oldest whole files go first
  uint64_t max_file_size = 64ull << 20;         // a new file is started before one would grow past this
  Nanos retention = 7 * 24 * 3600 * kNanosPerSecond;  // files whose newest entry is older are removed
};

// One event a sink rejected for good.
struct DlqEntry {
  std::string sink;    // the sink's configured name
  std::string reason;  // low-cardinality label: "bad_request", "too_large", ...
  std::string error;   // the far side's text
  uint32_t attempts = 1;
  Nanos first_attempt = 0;  // wall clock; 0 = the time of the Append
  Nanos last_attempt = 0;   // wall clock; 0 = the time of the Append. Retention counts from it.
  std::string event_json;   // the event as event_encoder writes it: one JSON object (a trailing newline is dropped)
};

// An entry as read back by a replay, with where it is stored.
struct DlqStoredEntry {
  DlqEntry entry;
  std::string file;     // the data file's name within the directory
  uint64_t offset = 0;  // of the entry's line in that file
};

struct DlqReplayFilter {
  std::string sink;    // "" = any
  std::string reason;  // "" = any
  uint64_t max_entries = UINT64_MAX;  // most entries handed to deliver in one replay
};

struct DlqStats {
  uint64_t entries = 0;  // live (not yet replayed) entries
  uint64_t bytes = 0;    // bytes of the data files
  uint64_t files = 0;    // data files
  uint64_t written_total = 0;   // entries appended since Open
  uint64_t replayed_total = 0;  // entries delivered by replays since Open
  uint64_t expired_total = 0;   // live entries removed by retention since Open
  uint64_t evicted_total = 0;   // live entries removed by the size limit since Open
  uint64_t write_errors = 0;    // Append calls that failed on I/O since Open
  uint64_t torn_lines = 0;      // incomplete last lines cut off at Open (a crash during a write)
  uint64_t corrupt_lines = 0;   // complete lines that did not parse, skipped (found at Open)
  std::map<std::pair<std::string, std::string>, uint64_t> live_by_sink_reason;  // (sink, reason) -> live entries
  Nanos oldest = 0;  // time of the oldest live entry (a lower bound after partial replays); 0 = none
};

}  // namespace logcap
