// Wal: the disk buffer. A segmented write-ahead log of opaque records (event batches) with one
// read cursor per reader (sink); format and recovery rules in log_format.h.
//
// Data flow: Append writes a record to the active segment (visible to readers at once); a
// background sync thread fdatasyncs at most sync_interval later and then runs the records'
// DurableCallbacks in append order. Each WalReader reads records after its cursor and Commits
// them; cursors are persisted at most every cursor_save_interval, and a segment is deleted once
// every reader's persisted cursor is past it (or, under kDropOldest, when space is needed).
//
// Thread-safety: every method may be called from any thread. Append from several threads gives
// the records one total order. One thread per WalReader. DurableCallbacks run on the sync thread
// (or, with sync_interval == 0, inside some thread's Append) with no Wal lock held except the one
// serializing syncs: they must be quick and must not call Close(), CrashForTesting() or, with
// sync_interval == 0, Append().
// Lifetime: WalReaders must be destroyed before their Wal. The directory is flock'ed from Open
// to Close: a second process opening it gets Unavailable naming the directory.
// Failure: Open repairs what a crash leaves (torn tails are cut, corrupt records skipped and
// counted) and fails only when the directory is unusable (I/O error, locked, bad options). I/O
// errors afterwards are returned by the call that met them (or given to DurableCallbacks) and
// shown in Stats().last_error; the log stays consistent and later calls retry.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "buffer/file_util.h"
#include "buffer/log_writer.h"
#include "buffer/reader_state.h"
#include "buffer/segment.h"
#include "buffer/wal_options.h"
#include "buffer/wal_reader.h"
#include "buffer/wal_record_id.h"
#include "buffer/wal_stats.h"
#include "core/clock.h"
#include "core/status.h"

namespace logcap {

class Wal {
 public:
  using DurableCallback = std::function<void(const Status&)>;  // Ok = the record is on disk (fdatasync'ed)
  using DropCallback = std::function<void(uint64_t events_lost)>;  // kDropOldest: events deleted before the slowest reader read them

  // Opens (creating if needed) the buffer in options.directory, recovering what is there.
  // report (may be null) receives what recovery found. Appends go to a new segment.
  static Status Open(const WalOptions& options, std::unique_ptr<Wal>* out, WalRecoveryReport* report);
  ~Wal();  // Close()s
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends one record holding payload (opaque bytes; event_count is kept for accounting).
  // on_durable runs exactly once, after the fdatasync that covers this record, with an error if
  // that sync failed (see the class comment for where it runs). When the buffer is full
  // (max_total_size): kBlock waits until readers free space, Close() or deadline (monotonic; 0 =
  // none), then returns Unavailable("disk buffer full") without writing; kDropOldest deletes the
  // oldest segments (DropCallback gets what the slowest reader lost) and writes. A write error
  // (ENOSPC, EIO) returns IOError with the errno text, the partial record is cut (or the writer
  // moves to a new segment) and on_durable is NOT called: the caller still owns the record.
  // Payloads over 1 GiB, or over max_total_size once framed, are InvalidArgument.
  Status Append(std::string_view payload, uint32_t event_count, Nanos deadline, DurableCallback on_durable,
                WalRecordId* id = nullptr);

  // REQUIRES: before the first Append.
  void SetDropCallback(DropCallback cb);

  // A reader (one per sink, by name) resumes after its persisted cursor; a name never seen before
  // starts at the current end (it does not receive older records) and its cursor file is written
  // at once. Opening a name that is already open is InvalidArgument.
  Status OpenReader(const std::string& name, std::unique_ptr<WalReader>* out);

  // Forgets the cursors of readers not named here (sinks removed from the configuration) and
  // deletes their files, so they no longer hold segments. InvalidArgument (and nothing changes)
  // if such a reader is open.
  Status RetainReaders(const std::vector<std::string>& names);

  // Syncs, runs pending DurableCallbacks, saves every cursor, wakes waiters (a blocked Append
  // returns Unavailable, WalReader::Next returns false) and releases the directory. Idempotent.
  void Close();

  WalStats Stats() const;

  // Test hook: stops as kill -9 would: no sync, no cursor save (bytes already written stay in the
  // files). Pending DurableCallbacks get Aborted. The Wal is closed afterwards.
  void CrashForTesting();

 private:
  friend class WalReader;
  enum class ErrorSource { kNone, kAppend, kSync, kCursor, kRead };
  struct UnsyncedFile {
    uint64_t segment;
    int fd;
  };

  explicit Wal(const WalOptions& options);

  Status Recover(WalRecoveryReport* report);
  Status RecoverSegments(WalRecoveryReport* report);
  void RecoverReaders(WalRecoveryReport* report);

  // REQUIRES: mu_ held.
  Status MakeRoomLocked(uint64_t bytes, Nanos deadline, std::unique_lock<std::mutex>& lock, uint64_t* lost_events);
  Status RollLocked();
  void SealActiveLocked();
  void DropOldestLocked(uint64_t* lost_events);
  bool SegmentNeededLocked(const Segment& segment) const;
  Segment* FindSegmentLocked(uint64_t number) const;  // first segment numbered >= number, or null
  WalRecordId EndLocked() const;
  void NoteErrorLocked(ErrorSource source, const Status& s);
  void ClearErrorLocked(ErrorSource source);
  void CloseFilesLocked();

  // REQUIRES: mu_ not held.
  void SyncThreadMain();
  void SyncNow();
  Status SaveCursorsNow(const std::string* only);
  void DeleteObsoleteSegments();
  void Stop(bool crash);

  const WalOptions options_;
  const std::string dir_;
  uint64_t max_segment_size_;
  std::unique_ptr<fileutil::DirLock> lock_;

  mutable std::mutex mu_;
  std::condition_variable data_cv_;   // readers: a record was written, or Close
  std::condition_variable space_cv_;  // blocked appends: space was freed, or Close
  std::condition_variable sync_cv_;   // sync thread: work arrived, or Close
  // The following are guarded by mu_.
  std::deque<std::unique_ptr<Segment>> segments_;  // oldest first; the back one is active when writer_ is set
  int active_fd_ = -1;
  std::unique_ptr<log::LogWriter> writer_;  // null: the next Append starts a new segment
  std::vector<UnsyncedFile> unsynced_sealed_;  // sealed segments the next sync covers (then closes)
  uint64_t next_segment_ = 1;
  uint64_t disk_bytes_ = 0;
  bool dir_dirty_ = false;                  // a segment was created since the last directory fsync
  std::vector<DurableCallback> pending_;    // written records awaiting a sync, in append order
  Nanos unsynced_since_ = 0;                // first write not covered by a started sync; 0 = none
  std::map<std::string, std::unique_ptr<ReaderState>> readers_;
  bool cursors_dirty_ = false;
  bool cursor_save_urgent_ = false;  // a commit while an Append waits for space: save now
  Nanos last_cursor_save_ = 0;
  int blocked_appends_ = 0;
  bool closed_ = false;
  bool stop_thread_ = false;
  uint64_t records_appended_ = 0, events_appended_ = 0;
  uint64_t corrupt_records_ = 0, corrupt_bytes_ = 0, torn_tail_bytes_ = 0;
  uint64_t dropped_records_ = 0, dropped_events_ = 0;
  std::string last_error_;
  ErrorSource last_error_source_ = ErrorSource::kNone;
  Nanos last_error_log_ = 0;
  DropCallback drop_callback_;  // set before the first Append, then only read

  std::mutex sync_mu_;                  // one sync at a time, so callbacks run in append order
  std::vector<DurableCallback> syncing_;  // guarded by sync_mu_
  std::mutex cursor_io_mu_;             // one writer of cursor files at a time
  std::mutex close_mu_;                 // Close and CrashForTesting run once
  std::thread sync_thread_;
};

}  // namespace logcap
