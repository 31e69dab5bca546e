// WalReader: one reader's (sink's) view of the disk buffer: the records after its cursor, in
// append order, and the commits that move the cursor. Obtained from Wal::OpenReader.
//
// Thread-safety: one thread per reader (Next, Commit, Checkpoint); readers of different names
// run in parallel. Must be destroyed before its Wal; destroying it keeps the reader known (its
// cursor stays and still holds segments) until Wal::RetainReaders forgets it.
// Delivery: at-least-once. After a crash the reader resumes after its last PERSISTED cursor, so
// records committed since are read again. Corrupt records are skipped, counted in WalStats and
// logged, never returned and never fatal. Records are visible as soon as they are written,
// before they are synced.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "buffer/record_codec.h"
#include "buffer/wal_record_id.h"
#include "core/clock.h"
#include "core/status.h"

namespace logcap {

class Wal;
struct ReaderState;

class WalReader {
 public:
  ~WalReader();
  WalReader(const WalReader&) = delete;
  WalReader& operator=(const WalReader&) = delete;

  // Waits until deadline (monotonic; 0 = return at once if nothing) for the next record after
  // the read position. Returns true with the payload (decompressed), its id and event_count;
  // false on timeout or after Close().
  bool Next(std::string* payload, WalRecordId* id, uint32_t* event_count, Nanos deadline);

  // Everything up to and including id is done for this reader (delivered, or sent to the DLQ).
  // Persisted at most every cursor_save_interval, at Checkpoint and at Close. Ids beyond what
  // Next returned are clamped to it; ids at or before the previous commit are ignored.
  void Commit(const WalRecordId& id);

  // Persists the cursor now (temp file, fsync, rename, directory fsync).
  Status Checkpoint();

  const std::string& name() const { return name_; }

 private:
  friend class Wal;
  WalReader(Wal* wal, ReaderState* state);
  // Reads and decodes [start, end) of the open segment; false if the record is damaged.
  bool ReadRecord(uint64_t start, uint64_t end, std::string* payload, uint32_t* event_count, const char** error);

  Wal* const wal_;
  ReaderState* const state_;  // owned by the Wal, guarded by its mutex
  const std::string name_;
  int fd_ = -1;  // the segment being read; opened under the Wal's mutex
  uint64_t fd_segment_ = 0;
  std::string raw_;                            // the record's bytes as stored
  std::vector<std::string_view> fragments_;    // its data, in pieces (views into raw_)
  std::string joined_;                         // compressed data spread over several fragments
  RecordDecompressor decompressor_;
};

}  // namespace logcap
