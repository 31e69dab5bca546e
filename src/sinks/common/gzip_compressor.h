// GzipCompressor: compresses request bodies to gzip (RFC 1952) with one reused zlib stream.
//
// deflateInit2 allocates about 256 KiB of state; the stream is initialised once and only reset
// between bodies, so compressing a body allocates nothing beyond the growth of the output buffer.
// Level 1 by default: see gzip_compressor.cpp for the measurement behind it.
//
// Threading: not thread-safe; one per sink (used from the runner's thread).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace logcap {

class GzipCompressor {
 public:
  static constexpr int kDefaultLevel = 1;

  GzipCompressor();
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;

  // Sets up the stream (level 0-9). Unavailable if zlib cannot (out of memory).
  Status Init(int level = kDefaultLevel);

  // Compresses in as one complete gzip member into out, which is grown as needed and never shrunk
  // (its size is capacity, not content): the result is the returned view of out's first bytes,
  // valid until out is next changed. Init() must have succeeded.
  std::string_view Compress(std::string_view in, std::string& out);

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
};

}  // namespace logcap
