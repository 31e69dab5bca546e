// coding: the byte encodings of the disk buffer's files.
//
// Fixed-width integers are little-endian. Varints are LEB128 (7 bits a byte, low group first, high
// bit = more follows): at most 5 bytes for 32 bits and 10 for 64. Every Put* writes to a caller
// buffer and returns the end; every Get* reads from the front of a string_view, advances it, and
// returns false (input unchanged) when the bytes are missing or malformed. Pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace logcap::coding {

inline constexpr size_t kMaxVarint32Bytes = 5;
inline constexpr size_t kMaxVarint64Bytes = 10;

inline void EncodeFixed16(char* dst, uint16_t v) {
  dst[0] = static_cast<char>(v & 0xff);
  dst[1] = static_cast<char>(v >> 8);
}
inline void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline void EncodeFixed64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline uint16_t DecodeFixed16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}
inline uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) | (static_cast<uint32_t>(u[2]) << 16) |
         (static_cast<uint32_t>(u[3]) << 24);
}
inline uint64_t DecodeFixed64(const char* p) {
  return static_cast<uint64_t>(DecodeFixed32(p)) | (static_cast<uint64_t>(DecodeFixed32(p + 4)) << 32);
}

inline char* PutVarint64(char* dst, uint64_t v) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(p);
}
inline char* PutVarint32(char* dst, uint32_t v) { return PutVarint64(dst, v); }

inline bool GetVarint64(std::string_view* in, uint64_t* value) {
  uint64_t result = 0;
  for (size_t i = 0; i < in->size() && i < kMaxVarint64Bytes; ++i) {
    const auto byte = static_cast<unsigned char>((*in)[i]);
    if (i == kMaxVarint64Bytes - 1 && byte > 1) return false;  // would overflow 64 bits
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *value = result;
      in->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}
inline bool GetVarint32(std::string_view* in, uint32_t* value) {
  std::string_view copy = *in;
  uint64_t v = 0;
  if (!GetVarint64(&copy, &v) || v > UINT32_MAX) return false;
  *value = static_cast<uint32_t>(v);
  *in = copy;
  return true;
}

}  // namespace logcap::coding
