#include "buffer/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace logcap::crc32c {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Value("123456789", 9), 0xE3069283u);
  char zeros[32] = {};
  EXPECT_EQ(Value(zeros, sizeof(zeros)), 0x8A9136AAu);
  char ones[32];
  std::memset(ones, 0xff, sizeof(ones));
  EXPECT_EQ(Value(ones, sizeof(ones)), 0x62A8AB43u);
  char ascending[32];
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  EXPECT_EQ(Value(ascending, sizeof(ascending)), 0x46DD794Eu);
  EXPECT_EQ(Value("", 0), 0u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  const std::string s = "hello world, this is a crc test";
  for (size_t split = 0; split <= s.size(); ++split) {
    EXPECT_EQ(Extend(Value(s.data(), split), s.data() + split, s.size() - split), Value(s.data(), s.size()));
  }
}

TEST(Crc32cTest, MaskRoundTripsAndDiffers) {
  const uint32_t crc = Value("foo", 3);
  EXPECT_NE(Mask(crc), crc);
  EXPECT_NE(Mask(Mask(crc)), crc);
  EXPECT_EQ(Unmask(Mask(crc)), crc);
  EXPECT_EQ(Unmask(Unmask(Mask(Mask(crc)))), crc);
}

TEST(Crc32cTest, HardwareMatchesTableOnRandomDataLengthsAndAlignments) {
  if (!internal::HardwareAvailable()) GTEST_SKIP() << "no SSE4.2 on this CPU: only the table is used";
  std::mt19937_64 rng(7);
  std::vector<char> buf(70000);
  for (char& c : buf) c = static_cast<char>(rng());
  for (int i = 0; i < 2000; ++i) {
    const size_t align = rng() % 16;
    const size_t len = (i < 100) ? static_cast<size_t>(i) : rng() % (buf.size() - 16);
    const uint32_t seed = (i % 3 == 0) ? 0 : static_cast<uint32_t>(rng());
    ASSERT_EQ(internal::ExtendHardware(seed, buf.data() + align, len),
              internal::ExtendPortable(seed, buf.data() + align, len))
        << "len " << len << " align " << align;
  }
  EXPECT_EQ(internal::ExtendHardware(0, "123456789", 9), 0xE3069283u);
}

}  // namespace
}  // namespace logcap::crc32c
