// WalOptions: the settings of one disk buffer (Wal). A plain value type.
//
// Wal::Open refuses (InvalidArgument) an empty directory, max_total_size under 128 KiB,
// max_segment_size under 32 KiB and negative intervals. The segment size actually used is at
// most a quarter of max_total_size (so that space is reclaimed, or dropped, in small steps) and
// at most 1 GiB (the in-memory index keeps 32-bit offsets).
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"

namespace logcap {

struct WalOptions {
  std::string directory;
  uint64_t max_total_size = 1ull << 30;   // bytes on disk across segments
  uint64_t max_segment_size = 64ull << 20;  // a segment is closed once the next record would pass this
  // What Append does when max_total_size is reached.
  enum class WhenFull { kBlock, kDropOldest } when_full = WhenFull::kBlock;
  Nanos sync_interval = 100 * kNanosPerMilli;  // fdatasync at most this long after a write; 0 = before Append returns
  bool compress = false;                        // zstd level 1 per record (only when it shrinks the record)
  Nanos cursor_save_interval = 1 * kNanosPerSecond;
};

}  // namespace logcap
