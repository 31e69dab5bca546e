#include "buffer/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace logcap::crc32c {
namespace {

constexpr uint32_t kPolynomial = 0x82f63b78u;  // Castagnoli, bit-reflected

// kTables[k][b]: the CRC contribution of byte b followed by k zero bytes (slicing-by-8).
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1) ? kPolynomial : 0);
    t[0][b] = c;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));  // x86 and every target we build for are little-endian
  return v;
}

using ExtendFn = uint32_t (*)(uint32_t, const void*, size_t);

ExtendFn Choose() {
  return internal::HardwareAvailable() ? internal::ExtendHardware : internal::ExtendPortable;
}

}  // namespace

namespace internal {

uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t l = crc ^ 0xffffffffu;
  while (n >= 8) {
    const uint64_t v = LoadLE64(p) ^ l;
    l = kTables[7][v & 0xff] ^ kTables[6][(v >> 8) & 0xff] ^ kTables[5][(v >> 16) & 0xff] ^
        kTables[4][(v >> 24) & 0xff] ^ kTables[3][(v >> 32) & 0xff] ^ kTables[2][(v >> 40) & 0xff] ^
        kTables[1][(v >> 48) & 0xff] ^ kTables[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) l = kTables[0][(l ^ *p++) & 0xff] ^ (l >> 8);
  return l ^ 0xffffffffu;
}

}  // namespace internal

#if defined(__x86_64__)
namespace {

// The crc32 instruction takes 3 cycles but can start every cycle, so one dependent chain uses a
// third of it. Long inputs are cut into runs of 3 stripes summed by three independent chains,
// then joined: the CRC register is linear, so the register after stripes A|B is Shift(a) ^ b,
// where Shift(x) is x followed by a stripe of zero bytes. Two stripe sizes: long runs for the
// bulk, short runs so that a 32 KiB fragment's remainder is not left to one chain.
constexpr size_t kLongStripe = 4096;
constexpr size_t kShortStripe = 256;

// Shift as a table: the operator is linear over GF(2), so Shift(x) is the XOR of the images of
// x's four bytes.
struct ShiftTables {
  uint32_t t[4][256];
};

ShiftTables MakeShiftTables(size_t stripe) {
  uint32_t basis[32];
  for (int b = 0; b < 32; ++b) {
    uint32_t reg = 1u << b;
    for (size_t i = 0; i < stripe * 8; ++i) reg = (reg >> 1) ^ ((reg & 1) ? kPolynomial : 0);
    basis[b] = reg;
  }
  ShiftTables st{};
  for (int k = 0; k < 4; ++k) {
    for (uint32_t v = 0; v < 256; ++v) {
      uint32_t r = 0;
      for (int b = 0; b < 8; ++b) {
        if (v & (1u << b)) r ^= basis[8 * k + b];
      }
      st.t[k][v] = r;
    }
  }
  return st;
}

inline uint32_t Shift(const ShiftTables& st, uint32_t reg) {
  return st.t[0][reg & 0xff] ^ st.t[1][(reg >> 8) & 0xff] ^ st.t[2][(reg >> 16) & 0xff] ^ st.t[3][reg >> 24];
}

template <size_t kStripe>
__attribute__((target("sse4.2"))) inline uint64_t ThreeWay(const ShiftTables& st, uint64_t l, const uint8_t** data,
                                                           size_t* n) {
  const uint8_t* p = *data;
  while (*n >= 3 * kStripe) {
    uint64_t a = l, b = 0, c = 0;
    for (size_t i = 0; i < kStripe; i += 8) {
      a = _mm_crc32_u64(a, LoadLE64(p + i));
      b = _mm_crc32_u64(b, LoadLE64(p + kStripe + i));
      c = _mm_crc32_u64(c, LoadLE64(p + 2 * kStripe + i));
    }
    l = Shift(st, Shift(st, static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b)) ^ static_cast<uint32_t>(c);
    p += 3 * kStripe;
    *n -= 3 * kStripe;
  }
  *data = p;
  return l;
}

}  // namespace

namespace internal {

bool HardwareAvailable() { return __builtin_cpu_supports("sse4.2"); }

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc, const void* data, size_t n) {
  static const ShiftTables kLong = MakeShiftTables(kLongStripe);
  static const ShiftTables kShort = MakeShiftTables(kShortStripe);
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t l = crc ^ 0xffffffffu;
  // Byte steps up to 8-byte alignment, so the wide loads below never straddle a cache line.
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    l = _mm_crc32_u8(static_cast<uint32_t>(l), *p++);
    --n;
  }
  l = ThreeWay<kLongStripe>(kLong, l, &p, &n);
  l = ThreeWay<kShortStripe>(kShort, l, &p, &n);
  while (n >= 8) {
    l = _mm_crc32_u64(l, LoadLE64(p));
    p += 8;
    n -= 8;
  }
  while (n-- > 0) l = _mm_crc32_u8(static_cast<uint32_t>(l), *p++);
  return static_cast<uint32_t>(l) ^ 0xffffffffu;
}
}  // namespace internal
#else
namespace internal {
bool HardwareAvailable() { return false; }
uint32_t ExtendHardware(uint32_t crc, const void* data, size_t n) { return ExtendPortable(crc, data, n); }
}  // namespace internal
#endif

uint32_t Extend(uint32_t crc, const void* data, size_t n) {
  static const ExtendFn fn = Choose();
  return fn(crc, data, n);
}

}  // namespace logcap::crc32c
