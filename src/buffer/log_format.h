// log_format: the on-disk format of the disk buffer (write-ahead log). This comment is the format's
// specification; log_writer, log_reader, segment_scan, record_codec and cursor_file implement it.
//
// DIRECTORY
//   LOCK                          empty; flock(LOCK_EX) while an agent (or RepairWal) uses the directory.
//   segment-<20 digits>.wal       segments, numbered 1, 2, ... in write order (zero-padded decimal).
//   segment-<20 digits>.wal.tmp   a segment being rewritten by RepairWal; deleted at Open.
//   readers/<name>.cursor         one cursor per reader (sink). <name> is the reader's name with every
//                                 byte outside [A-Za-z0-9_-] (and a leading '.') written as %XX.
//   readers/<name>.cursor.tmp     a cursor being saved; used at Open only if it is valid and newer.
//
// SEGMENT = a sequence of 32 KiB blocks (the last one may be partial).
//   block    := fragment* trailer?
//   fragment := checksum:fixed32  length:fixed16  type:uint8  data:uint8[length]
//   trailer  := up to 6 zero bytes (a block's tail too short for a 7-byte header)
//   checksum = crc32c::Mask(CRC32C(type byte, then data)).  All integers little-endian.
//   type     : 1 FULL (a whole record), 2 FIRST, 3 MIDDLE, 4 LAST (a record split across blocks).
//              0 is never written: a zero header is either a zero-filled tail or corruption.
//   A fragment never crosses a block boundary; a record never crosses a segment boundary.
//   A record's id is (segment number, file offset of the end of its last fragment), i.e. where the
//   next record starts. Example: a 100-byte record, then a 40,000-byte one, in a new segment:
//     [0,7) header FULL len 100 | [7,107) data | [107,114) header FIRST len 32654 | ... to 32768 |
//     [32768,32775) header LAST len 7346 | data to 40121.   Ids: (n, 107) and (n, 40121).
//
// RECORD (the data of one FULL fragment or of one FIRST..LAST chain):
//   flags:uint8  event_count:varint32  [uncompressed_size:varint64 if flags & 1]  body
//   flags bit 0 = body is one zstd frame (level 1); set only when compression shrank the payload.
//   Other flag bits are reserved and must be 0 (a record with one set is reported as corrupt).
//
// CURSOR FILE (readers/<name>.cursor, 31 + name bytes):
//   magic "LCWC"  version:uint8 (=1)  segment:fixed64  offset:fixed64  name_length:fixed16  name
//   checksum:fixed32 = crc32c::Mask(CRC32C(every preceding byte)).
//   (segment, offset) is the id of the last record the reader is done with: it resumes after it.
//   Written as <name>.cursor.tmp, fsync'ed, renamed over <name>.cursor, then readers/ is fsync'ed.
//
// RECOVERY (Open, CheckWal)
//   - A torn tail (the writer died mid-record): a header or fragment cut by the end of the file, a
//     FIRST..MIDDLE chain with no LAST before the end, or a run of zero bytes to the end. Normal
//     after kill -9: cut off (ftruncate) at the start of the incomplete record and reported as
//     torn_tail_bytes, not as corruption.
//   - Corruption (anything else): checksum mismatch, a length running past its block, an unknown
//     type, a fragment out of sequence, a record whose header does not decode. Counted and skipped,
//     never fatal. After a checksum mismatch the reader trusts the length only if a valid fragment
//     (or the block's end) follows it; otherwise, like LevelDB, it resyncs at the next block, since
//     the length itself may be what was damaged. MIDDLE/LAST fragments found while resyncing belong
//     to the damaged record. Contiguous skipped bytes count as one corrupt record.
//   - Appends after Open always go to a new segment, never after a possibly torn tail.
#pragma once

#include <cstddef>
#include <cstdint>

namespace logcap::log {

enum RecordType : uint8_t {
  kZeroType = 0,  // never written
  kFullType = 1,
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
};
inline constexpr uint8_t kMaxRecordType = kLastType;

inline constexpr size_t kBlockSize = 32768;
inline constexpr size_t kHeaderSize = 4 + 2 + 1;  // checksum, length, type

// Upper bound of the bytes a record of n data bytes takes on disk, wherever it starts: a trailer
// of up to 6 bytes, then one header per (block - header) bytes of data, plus one for a first
// fragment that starts mid-block.
inline constexpr uint64_t MaxPhysicalSize(uint64_t n) {
  return (kHeaderSize - 1) + n + kHeaderSize * (n / (kBlockSize - kHeaderSize) + 2);
}

}  // namespace logcap::log
