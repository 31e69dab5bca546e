// Durations, sizes, booleans and integers: accepted forms, rejected forms and their hints.
#include "config/units.h"

#include <gtest/gtest.h>

namespace logcap {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

Duration MustParseDuration(std::string_view text) {
  Duration value{-1};
  std::string error;
  EXPECT_TRUE(ParseDuration(text, &value, &error)) << text << ": " << error;
  return value;
}

std::string DurationError(std::string_view text) {
  Duration value{};
  std::string error;
  EXPECT_FALSE(ParseDuration(text, &value, &error)) << text;
  return error;
}

uint64_t MustParseSize(std::string_view text) {
  uint64_t value = 0;
  std::string error;
  EXPECT_TRUE(ParseSize(text, &value, &error)) << text << ": " << error;
  return value;
}

std::string SizeError(std::string_view text) {
  uint64_t value = 0;
  std::string error;
  EXPECT_FALSE(ParseSize(text, &value, &error)) << text;
  return error;
}

TEST(Durations, EveryContractUnitParses) {
  EXPECT_EQ(MustParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(MustParseDuration("5s"), seconds(5));
  EXPECT_EQ(MustParseDuration("1m"), minutes(1));
  EXPECT_EQ(MustParseDuration("2h"), hours(2));
  EXPECT_EQ(MustParseDuration("7d"), hours(24 * 7));
}

TEST(Durations, CompoundAndZeroParse) {
  EXPECT_EQ(MustParseDuration("1m30s"), seconds(90));
  EXPECT_EQ(MustParseDuration("1h2m3s4ms"), hours(1) + minutes(2) + seconds(3) + milliseconds(4));
  EXPECT_EQ(MustParseDuration("0"), milliseconds(0));
  EXPECT_EQ(MustParseDuration("0s"), milliseconds(0));
}

TEST(Durations, BareNumberIsRejectedWithUnitHint) {
  std::string error = DurationError("30");
  EXPECT_NE(error.find("has no unit"), std::string::npos) << error;
  EXPECT_NE(error.find("250ms"), std::string::npos) << error;
}

TEST(Durations, MalformedTextIsRejected) {
  for (std::string_view bad : {"", "s", "5", "5x", "-5s", "5 s", "5S", "1.5s", "abc", "5s3", "ms"}) {
    if (bad == "5") continue;  // covered by BareNumberIsRejectedWithUnitHint
    EXPECT_FALSE(DurationError(bad).empty()) << bad;
  }
  EXPECT_NE(DurationError("1.5s").find("1500ms"), std::string::npos);
}

TEST(Durations, OverflowIsRejected) {
  EXPECT_NE(DurationError("99999999999999999999d").find("too large"), std::string::npos);
  EXPECT_NE(DurationError("999999999999999d").find("too large"), std::string::npos);
}

TEST(Durations, FormatReadsBack) {
  EXPECT_EQ(FormatDuration(seconds(30)), "30s");
  EXPECT_EQ(FormatDuration(hours(24 * 7)), "7d");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  for (Duration d : {Duration(milliseconds(1)), Duration(milliseconds(1500)), Duration(minutes(61)),
                    Duration(hours(49) + milliseconds(7))}) {
    EXPECT_EQ(MustParseDuration(FormatDuration(d)), d);
  }
}

TEST(Sizes, BytesAndBinaryUnitsParse) {
  EXPECT_EQ(MustParseSize("0"), 0u);
  EXPECT_EQ(MustParseSize("1048576"), 1048576u);
  EXPECT_EQ(MustParseSize("64KiB"), 64u * 1024);
  EXPECT_EQ(MustParseSize("100MiB"), 100u * 1024 * 1024);
  EXPECT_EQ(MustParseSize("1GiB"), 1024ull * 1024 * 1024);
  EXPECT_EQ(MustParseSize("2TiB"), 2ull * 1024 * 1024 * 1024 * 1024);
  EXPECT_EQ(MustParseSize("512B"), 512u);
  EXPECT_EQ(MustParseSize("64 KiB"), 64u * 1024);
}

TEST(Sizes, DecimalUnitsAreThousandBased) {
  EXPECT_EQ(MustParseSize("1KB"), 1000u);
  EXPECT_EQ(MustParseSize("5MB"), 5000000u);
  EXPECT_EQ(MustParseSize("1GB"), 1000000000u);
  EXPECT_EQ(MustParseSize("1TB"), 1000000000000u);
}

TEST(Sizes, AmbiguousUnitSuggestsBinaryUnit) {
  EXPECT_NE(SizeError("100M").find("did you mean '100MiB'?"), std::string::npos);
  EXPECT_NE(SizeError("64k").find("did you mean '64KiB'?"), std::string::npos);
  EXPECT_NE(SizeError("1gb").find("did you mean '1GiB'?"), std::string::npos);
}

TEST(Sizes, MalformedTextIsRejectedWithUnitList) {
  for (std::string_view bad : {"", "MiB", "-1", "1.5GiB", "12 MiBs", "1PiB", "ten"}) {
    std::string error = SizeError(bad);
    EXPECT_NE(error.find("KiB, MiB, GiB, TiB"), std::string::npos) << bad << ": " << error;
  }
}

TEST(Sizes, OverflowIsRejected) {
  EXPECT_NE(SizeError("99999999999999999999").find("too large"), std::string::npos);
  EXPECT_NE(SizeError("99999999TiB").find("too large"), std::string::npos);
}

TEST(Sizes, FormatUsesLargestWholeBinaryUnit) {
  EXPECT_EQ(FormatSize(kMiB), "1MiB");
  EXPECT_EQ(FormatSize(256 * kKiB), "256KiB");
  EXPECT_EQ(FormatSize(kGiB), "1GiB");
  EXPECT_EQ(FormatSize(1536 * kKiB), "1536KiB");
  EXPECT_EQ(FormatSize(256), "256");
  EXPECT_EQ(FormatSize(0), "0");
}

TEST(Bools, OnlyTrueAndFalseAreAccepted) {
  bool value = false;
  std::string error;
  EXPECT_TRUE(ParseBool("true", &value, &error));
  EXPECT_TRUE(value);
  EXPECT_TRUE(ParseBool("FALSE", &value, &error));
  EXPECT_FALSE(value);
  for (std::string_view bad : {"yes", "no", "on", "off", "1", "0", "tru", ""}) {
    EXPECT_FALSE(ParseBool(bad, &value, &error)) << bad;
  }
  EXPECT_NE(error.find("expected true or false"), std::string::npos);
}

TEST(Integers, SignedAndUnsignedForms) {
  int64_t s = 0;
  uint64_t u = 0;
  std::string error;
  EXPECT_TRUE(ParseInt("-1", &s, &error));
  EXPECT_EQ(s, -1);
  EXPECT_TRUE(ParseInt("+42", &s, &error));
  EXPECT_EQ(s, 42);
  EXPECT_FALSE(ParseInt("+-1", &s, &error));
  EXPECT_FALSE(ParseInt("abc", &s, &error));
  EXPECT_EQ(error, "expected an integer, got 'abc'");
  EXPECT_FALSE(ParseInt("1.5", &s, &error));
  EXPECT_FALSE(ParseInt("0x10", &s, &error));
  EXPECT_FALSE(ParseInt("99999999999999999999", &s, &error));
  EXPECT_TRUE(ParseUint("42", &u, &error));
  EXPECT_EQ(u, 42u);
  EXPECT_FALSE(ParseUint("-1", &u, &error));
  EXPECT_EQ(error, "expected a non-negative integer, got '-1'");
}

}  // namespace
}  // namespace logcap
