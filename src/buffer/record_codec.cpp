#include "buffer/record_codec.h"

#include <zstd.h>

#include <cstring>

namespace logcap {
namespace {
constexpr int kZstdLevel = 1;  // 334 MB/s and ratio ~6.7 on log text (shared/STACK.md)
}

bool DecodeRecordHeader(std::string_view record, RecordHeader* header) {
  std::string_view in = record;
  if (in.empty()) return false;
  header->flags = static_cast<uint8_t>(in[0]);
  if ((header->flags & ~kRecordFlagZstd) != 0) return false;  // reserved bits
  in.remove_prefix(1);
  if (!coding::GetVarint32(&in, &header->event_count)) return false;
  if (header->compressed()) {
    if (!coding::GetVarint64(&in, &header->uncompressed_size)) return false;
    if (header->uncompressed_size > kMaxRecordPayload) return false;
  } else {
    header->uncompressed_size = in.size();
  }
  header->header_size = record.size() - in.size();
  return true;
}

RecordEncoder::RecordEncoder() = default;
RecordEncoder::~RecordEncoder() { ZSTD_freeCCtx(cctx_); }

void RecordEncoder::Encode(std::string_view payload, uint32_t event_count, bool compress, std::string_view* head,
                           std::string_view* body) {
  char* p = head_;
  if (compress && !payload.empty()) {
    if (cctx_ == nullptr) cctx_ = ZSTD_createCCtx();
    const size_t bound = ZSTD_compressBound(payload.size());
    if (compressed_capacity_ < bound) {
      compressed_ = std::make_unique<char[]>(bound);
      compressed_capacity_ = bound;
    }
    const size_t n = cctx_ == nullptr ? 0
                                      : ZSTD_compressCCtx(cctx_, compressed_.get(), compressed_capacity_, payload.data(),
                                                          payload.size(), kZstdLevel);
    // Keep the compressed form only when it is smaller, header included.
    if (cctx_ != nullptr && !ZSTD_isError(n) && n + coding::kMaxVarint64Bytes < payload.size()) {
      *p++ = static_cast<char>(kRecordFlagZstd);
      p = coding::PutVarint32(p, event_count);
      p = coding::PutVarint64(p, payload.size());
      *head = std::string_view(head_, static_cast<size_t>(p - head_));
      *body = std::string_view(compressed_.get(), n);
      return;
    }
  }
  *p++ = 0;
  p = coding::PutVarint32(p, event_count);
  *head = std::string_view(head_, static_cast<size_t>(p - head_));
  *body = payload;
}

RecordDecompressor::RecordDecompressor() = default;
RecordDecompressor::~RecordDecompressor() { ZSTD_freeDCtx(dctx_); }

bool RecordDecompressor::Decompress(const RecordHeader& header, std::string_view body, std::string* out) {
  if (!header.compressed()) {
    out->assign(body.data(), body.size());
    return true;
  }
  if (dctx_ == nullptr && (dctx_ = ZSTD_createDCtx()) == nullptr) return false;
  out->resize(header.uncompressed_size);
  const size_t n = ZSTD_decompressDCtx(dctx_, out->data(), out->size(), body.data(), body.size());
  return !ZSTD_isError(n) && n == header.uncompressed_size;
}

}  // namespace logcap
