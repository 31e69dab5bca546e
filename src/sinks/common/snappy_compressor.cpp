#include "sinks/common/snappy_compressor.h"

#include <snappy.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace logcap {

std::string_view SnappyCompressor::Compress(std::string_view in, std::string& out) {
  // RawCompress writes at most MaxCompressedLength bytes and never checks room itself.
  const size_t bound = snappy::MaxCompressedLength(in.size());
  if (out.size() < bound) out.resize(bound);
  size_t produced = 0;
  snappy::RawCompress(in.data(), in.size(), out.data(), &produced);
  return std::string_view(out.data(), produced);
}

std::string_view SnappyCompressor::Store(std::string_view in, std::string& out) {
  // Block format: the uncompressed length as a varint, then elements. A literal element is a tag
  // byte (low bits 00) whose upper six bits, 61, say "the length - 1 follows in 2 bytes", then the
  // bytes: 64 KiB per element, 3 bytes of overhead each.
  constexpr size_t kChunk = 64 * 1024;
  const size_t bound = 5 + in.size() + 3 * (in.size() / kChunk + 1);
  if (out.size() < bound) out.resize(bound);
  char* p = out.data();
  uint64_t length = in.size();
  while (length >= 0x80) {
    *p++ = static_cast<char>((length & 0x7F) | 0x80);
    length >>= 7;
  }
  *p++ = static_cast<char>(length);
  for (size_t at = 0; at < in.size(); at += kChunk) {
    const size_t n = std::min(kChunk, in.size() - at);
    *p++ = static_cast<char>(61 << 2);
    *p++ = static_cast<char>((n - 1) & 0xFF);
    *p++ = static_cast<char>((n - 1) >> 8);
    std::memcpy(p, in.data() + at, n);
    p += n;
  }
  return std::string_view(out.data(), static_cast<size_t>(p - out.data()));
}

}  // namespace logcap
