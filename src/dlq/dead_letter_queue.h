// DeadLetterQueue: a durable store of the events sinks rejected for good, with the reason, for
// inspection (GET /api/v1/dlq) and replay (POST /api/v1/dlq/replay).
//
// Files, in DlqOptions::directory:
//   dlq-<20-digit sequence>.ndjson   data: one entry per line, appended, never rewritten. The format
//                                    of a line is in dlq_record.h:
//     {"time":"<RFC 3339 of last_attempt>","sink":"..","reason":"..","error":"..","attempts":N,
//      "first_attempt":"<RFC 3339>","last_attempt":"<RFC 3339>","event":{...event JSON as is...}}
//   dlq-<sequence>.ndjson.done       sidecar: offsets of the entries a replay delivered, one decimal
//                                    number per line (dlq_done_sidecar.h).
// Every Open starts a new data file (at the first Append), and a data file is closed before it
// would grow past max_file_size (one Append always goes to one file, so a single huge call may make
// a file larger). Readers look only at complete lines: a torn last line (a crash during a write) is
// cut off at Open and counted; a complete line that does not parse is skipped and counted.
//
// Durability: Append is one pwrite and one fdatasync per call (plus a directory fsync when it starts
// a file); a failed write is truncated away, so an ENOSPC leaves the file as it was. A replay marks
// delivered entries by appending their offsets to the sidecar (fdatasync'ed) before it counts them
// as replayed: after a crash an entry is replayed again at worst, never lost, and never returned
// again once its offset is in the sidecar. A data file whose entries are all done is deleted (the
// data file first, then its sidecar, so a crash between the two leaves only an orphan sidecar, which
// Open removes).
//
// Limits (after every Append, and when the agent calls EnforceLimits): whole files go, oldest first:
// those whose newest entry's time (last_attempt) is older than now - retention (their live entries
// counted in expired_total), then as many as needed to bring the data files under max_total_size
// (counted in evicted_total).
//
// Threading: every method may be called from any thread. Appends are serialised by a write lock
// held across the write and fdatasync; the state (files, counters) has its own lock, held only
// briefly, so Stats never waits for a disk. One replay runs at a time (another gets Unavailable).
// A replay holds no lock while it reads a file or calls deliver: it pins the file it reads, so the
// limits never unlink it under the replay (they drop it from the counts at once and the replay
// unlinks it when it lets go), and it reads only the bytes that were durable when it pinned the
// file, while appends continue past them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/status.h"
#include "dlq/dlq_types.h"

namespace logcap {

class DlqLineReader;
class DlqRecordParser;

class DeadLetterQueue {
 public:
  // Creates the directory if needed and scans the files there, rebuilding the statistics.
  static Status Open(const DlqOptions& options, std::unique_ptr<DeadLetterQueue>* out);
  ~DeadLetterQueue();
  DeadLetterQueue(const DeadLetterQueue&) = delete;
  DeadLetterQueue& operator=(const DeadLetterQueue&) = delete;

  // Appends entries durably (one write and one fdatasync for the call), then enforces the limits
  // at the wall clock's now. An entry's zero times are set to now. InvalidArgument (nothing written)
  // when an event_json is not one JSON object on one line; IoError on a write failure (e.g. "No
  // space left on device"), after which nothing of the call is stored.
  Status Append(std::span<const DlqEntry> entries);

  // Removes whole files past the retention or over the size limit (see above), judged at now_wall.
  Status EnforceLimits(Nanos now_wall);

  DlqStats Stats() const;
  // {"entries":N,"bytes":N,"files":N,"oldest":"RFC 3339"|null,"by_sink":{"http":{"bad_request":3}},
  //  "written_total":N,"replayed_total":N,"expired_total":N,"evicted_total":N,"write_errors":N,
  //  "torn_lines":N,"corrupt_lines":N}
  std::string StatsJson() const;

  // Hands the live entries matching filter, in file order, to deliver in chunks of at most `chunk`
  // entries; deliver answers one bool per entry (true = delivered; a missing answer counts as
  // false). Delivered entries are marked done and never returned again; the others stay. Adds to
  // *delivered and *failed (either may be null). Unavailable when a replay is already running;
  // IoError when a file cannot be read or a sidecar written (the entries of that chunk stay live).
  Status Replay(const DlqReplayFilter& filter, size_t chunk,
                const std::function<std::vector<bool>(std::span<const DlqStoredEntry>)>& deliver,
                uint64_t* delivered, uint64_t* failed);

 private:
  struct DataFile {
    uint64_t sequence = 0;
    std::string name;  // within the directory
    uint64_t size = 0;     // bytes of complete entries: what readers may read
    uint64_t entries = 0;  // entries in [0, size)
    uint64_t live = 0;     // entries not marked done
    std::unordered_set<uint64_t> done;  // offsets marked done
    std::map<std::pair<std::string, std::string>, uint64_t> live_by_key;  // (sink, reason)
    Nanos oldest_live = INT64_MAX;  // a lower bound of the live entries' times
    Nanos newest = INT64_MIN;       // the newest entry's time (retention)
    int pins = 0;          // replays reading it
    bool removed = false;  // dropped by the limits while pinned: unlinked when unpinned
  };
  using FileMap = std::map<uint64_t, std::unique_ptr<DataFile>>;

  explicit DeadLetterQueue(DlqOptions options);
  Status Scan();
  std::string PathOf(const std::string& name) const { return options_.directory + "/" + name; }
  // Requires write_mu_. Starts a new data file and makes it the active one.
  Status StartFileLocked();
  // Requires write_mu_.
  Status EnforceLimitsLocked(Nanos now_wall);
  // Requires mu_. Takes f out of the counts (adding its live entries to *counter); closes it if it
  // is the active file; erases it and queues its paths for unlinking unless a replay pins it.
  void RemoveFileLocked(FileMap::iterator it, uint64_t* counter, std::vector<std::string>* unlink);
  void UnlinkAll(const std::vector<std::string>& paths);

  // One data file of a replay. *handed counts entries given to deliver, against filter.max_entries.
  Status ReplayFile(DataFile* f, uint64_t limit, const DlqReplayFilter& filter, size_t chunk,
                    const std::function<std::vector<bool>(std::span<const DlqStoredEntry>)>& deliver,
                    DlqLineReader* reader, DlqRecordParser* parser, uint64_t* handed, uint64_t* delivered,
                    uint64_t* failed);
  // Lets go of a pinned file: unlinks it if it was removed meanwhile or is now fully replayed.
  void Unpin(DataFile* f);

  const DlqOptions options_;

  std::mutex write_mu_;  // serialises appends (held across write + fdatasync); taken before mu_
  mutable std::mutex mu_;  // the state below
  FileMap files_;
  DataFile* active_ = nullptr;  // the file appends go to, or none yet
  int active_fd_ = -1;
  bool active_broken_ = false;  // a failed write could not be taken back: the next append starts a file
  uint64_t next_sequence_ = 1;
  uint64_t written_total_ = 0, replayed_total_ = 0, expired_total_ = 0, evicted_total_ = 0;
  uint64_t write_errors_ = 0, torn_lines_ = 0, corrupt_lines_ = 0;

  std::atomic<bool> replaying_{false};
};

}  // namespace logcap
