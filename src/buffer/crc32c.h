// crc32c: the CRC-32C (Castagnoli) checksum used by every on-disk structure of the disk buffer.
//
// Contract: pure functions, safe from any thread. Extend() picks the SSE4.2 crc32 instruction when
// the CPU has it (checked once, at first use) and a slicing-by-8 table otherwise; both give the
// same result for every input. No package ships CRC32C (see shared/STACK.md), hence our own.
#pragma once

#include <cstddef>
#include <cstdint>

namespace logcap::crc32c {

// Returns the CRC32C of concat(A, data[0,n-1]) where crc is the CRC32C of some string A.
// Extend(0, data, n) is the CRC32C of data.
uint32_t Extend(uint32_t crc, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }

// A CRC stored next to the data it covers is masked, so that computing the CRC of a string that
// contains CRCs (a log block, a cursor file) does not degenerate. Same rotation and constant as
// LevelDB, so the two formats' checksums mean the same thing.
inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// Exposed for tests and benchmarks: both implementations, whatever the CPU.
namespace internal {
uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n);
bool HardwareAvailable();
// REQUIRES: HardwareAvailable().
uint32_t ExtendHardware(uint32_t crc, const void* data, size_t n);
}  // namespace internal

}  // namespace logcap::crc32c
