// SnappyCompressor: compresses request bodies in snappy's *block* format (not the framing format),
// as Loki's protobuf push expects (Content-Type application/x-protobuf, no Content-Encoding).
//
// Contract (the same as GzipCompressor's): Compress writes the compressed form of in into out,
// which is grown as needed and never shrunk: its size is capacity, not content. The result is the
// returned view of out's first bytes, valid until out is next changed. Reusing out across bodies
// means compressing allocates nothing once out has reached its working size.
//
// Inputs must be below 4 GiB (snappy stores the length as a 32-bit varint); request bodies are far
// smaller. Stateless and cheap to construct; not tied to a thread.
#pragma once

#include <string>
#include <string_view>

namespace logcap {

class SnappyCompressor {
 public:
  std::string_view Compress(std::string_view in, std::string& out);
  // A valid snappy block that holds in as it is (literal elements only, no matching): for a peer
  // that requires snappy framing (Loki's protobuf push) when CPU matters more than bytes on the
  // wire. Costs a copy (~10 GB/s) instead of compressing (~0.7 GB/s on log lines here), for about
  // three times the bytes. Same out contract as Compress.
  std::string_view Store(std::string_view in, std::string& out);
};

}  // namespace logcap
