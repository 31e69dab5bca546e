// record_codec: the framing of one Wal record inside a log record (see log_format.h, RECORD):
// flags, event count, uncompressed size when the body is zstd-compressed, body.
//
// Contract: RecordEncoder and RecordDecompressor each own a zstd context and reusable buffers, so
// a steady stream of records does not allocate; neither is thread-safe (use one per thread: the
// Wal keeps one encoder per appending thread and one decompressor per reader). DecodeRecordHeader
// is a pure function. Failures: malformed framing makes DecodeRecordHeader/Decompress return false
// (the caller counts the record as corrupt); compression failures fall back to storing raw bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "buffer/coding.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace logcap {

inline constexpr uint8_t kRecordFlagZstd = 1;
// Larger payloads are refused by Append; larger sizes in a header are treated as corruption.
inline constexpr uint64_t kMaxRecordPayload = 1ull << 30;

struct RecordHeader {
  uint8_t flags = 0;
  uint32_t event_count = 0;
  uint64_t uncompressed_size = 0;  // the payload's size (also when not compressed)
  size_t header_size = 0;          // bytes before the body
  bool compressed() const { return (flags & kRecordFlagZstd) != 0; }
};

// Parses the framing at the front of a record's data (or of just its first bytes: then
// uncompressed_size is meaningless for an uncompressed record). False if malformed.
bool DecodeRecordHeader(std::string_view record, RecordHeader* header);

class RecordEncoder {
 public:
  RecordEncoder();
  ~RecordEncoder();
  RecordEncoder(const RecordEncoder&) = delete;
  RecordEncoder& operator=(const RecordEncoder&) = delete;

  // Frames payload. The record's data is concat(*head, *body); *head points into this encoder,
  // *body into payload or into this encoder. Both stay valid until the next Encode.
  // With compress, the body is zstd level 1 if that is smaller than the payload.
  void Encode(std::string_view payload, uint32_t event_count, bool compress, std::string_view* head,
              std::string_view* body);

 private:
  ZSTD_CCtx_s* cctx_ = nullptr;
  std::unique_ptr<char[]> compressed_;
  size_t compressed_capacity_ = 0;
  char head_[1 + coding::kMaxVarint32Bytes + coding::kMaxVarint64Bytes];
};

class RecordDecompressor {
 public:
  RecordDecompressor();
  ~RecordDecompressor();
  RecordDecompressor(const RecordDecompressor&) = delete;
  RecordDecompressor& operator=(const RecordDecompressor&) = delete;

  // Writes the payload of a record whose header is `header` and body is `body` into *out.
  // False if the body does not decompress to exactly header.uncompressed_size bytes.
  bool Decompress(const RecordHeader& header, std::string_view body, std::string* out);

 private:
  ZSTD_DCtx_s* dctx_ = nullptr;
};

}  // namespace logcap
