#include "sinks/common/snappy_compressor.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <random>
#include <string>

namespace logcap {
namespace {

std::string Uncompress(std::string_view compressed) {
  std::string out;
  EXPECT_TRUE(snappy::Uncompress(compressed.data(), compressed.size(), &out));
  return out;
}

TEST(SnappyCompressor, RoundTripsTextAndShrinksIt) {
  std::string in;
  for (int i = 0; i < 2000; ++i) in += "level=info msg=\"request completed\" path=/api/v1/users status=200 i=" + std::to_string(i) + "\n";
  SnappyCompressor snappy;
  std::string out;
  const std::string_view compressed = snappy.Compress(in, out);
  EXPECT_LT(compressed.size(), in.size() / 3);
  EXPECT_EQ(compressed.data(), out.data());
  EXPECT_TRUE(snappy::IsValidCompressedBuffer(compressed.data(), compressed.size()));
  EXPECT_EQ(Uncompress(compressed), in);
  // RawUncompress, as Loki's Go side does it (block format: no framing header).
  size_t length = 0;
  ASSERT_TRUE(snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length));
  std::string raw(length, '\0');
  ASSERT_TRUE(snappy::RawUncompress(compressed.data(), compressed.size(), raw.data()));
  EXPECT_EQ(raw, in);
}

TEST(SnappyCompressor, EmptyInput) {
  SnappyCompressor snappy;
  std::string out;
  const std::string_view compressed = snappy.Compress("", out);
  EXPECT_FALSE(compressed.empty());  // the varint length 0
  EXPECT_EQ(Uncompress(compressed), "");
}

TEST(SnappyCompressor, IncompressibleInput) {
  std::mt19937_64 rng(7);
  std::string in(100000, '\0');
  for (char& c : in) c = static_cast<char>(rng());
  SnappyCompressor snappy;
  std::string out;
  const std::string_view compressed = snappy.Compress(in, out);
  EXPECT_LE(compressed.size(), snappy::MaxCompressedLength(in.size()));
  EXPECT_GE(compressed.size(), in.size());
  EXPECT_EQ(Uncompress(compressed), in);
}

TEST(SnappyCompressor, ReusesAndNeverShrinksTheOutput) {
  SnappyCompressor snappy;
  std::string out;
  const std::string big(1 << 20, 'x');
  snappy.Compress(big, out);
  const size_t room = out.size();
  const char* data = out.data();
  const std::string_view small = snappy.Compress("hello hello hello", out);
  EXPECT_EQ(out.size(), room);
  EXPECT_EQ(out.data(), data);  // no reallocation
  EXPECT_EQ(Uncompress(small), "hello hello hello");
  EXPECT_EQ(Uncompress(snappy.Compress(big, out)), big);
}

}  // namespace
}  // namespace logcap

namespace logcap {
namespace {

TEST(SnappyCompressor, StoredBlocksDecodeWithSnappyItself) {
  SnappyCompressor snappy;
  std::string out;
  for (size_t size : {size_t{0}, size_t{1}, size_t{60}, size_t{65535}, size_t{65536}, size_t{65537}, size_t{300000}}) {
    std::string in(size, '\0');
    for (size_t i = 0; i < size; ++i) in[i] = static_cast<char>('a' + (i * 7919) % 26);
    const std::string_view stored = snappy.Store(in, out);
    EXPECT_LE(stored.size(), in.size() + 5 + 3 * (size / 65536 + 1)) << size;
    ASSERT_TRUE(snappy::IsValidCompressedBuffer(stored.data(), stored.size())) << size;
    std::string back;
    ASSERT_TRUE(snappy::Uncompress(stored.data(), stored.size(), &back)) << size;
    EXPECT_EQ(back, in) << size;
  }
}

}  // namespace
}  // namespace logcap
