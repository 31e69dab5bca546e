// ReaderState: the Wal's record of one reader (sink), open or only known from its cursor file.
// Internal to the buffer module; guarded by the Wal's mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "buffer/wal_record_id.h"

namespace logcap {

struct ReaderState {
  std::string name;
  bool open = false;      // a WalReader exists for it
  WalRecordId read;       // Next() resumes after this record
  WalRecordId committed;  // the reader is done up to here
  WalRecordId persisted;  // what its cursor file says: segments before it may be deleted
  bool dirty = false;     // committed is ahead of persisted
  // Where Next() found the previous record: spares a binary search per record.
  uint64_t cached_segment = UINT64_MAX;
  size_t cached_index = 0;
};

}  // namespace logcap
