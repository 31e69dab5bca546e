#include "core/clock.h"

#include <gtest/gtest.h>

namespace logcap {

TEST(TimestampFormatter, FormatsNanosecondsInUtc) {
  TimestampFormatter f;
  EXPECT_EQ(f.Format(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(f.Format(1795428000123456789LL), "2026-11-23T10:00:00.123456789Z");
  // The cached prefix must not leak into the next second.
  EXPECT_EQ(f.Format(1795428001000000001LL), "2026-11-23T10:00:01.000000001Z");
}

TEST(TimestampFormatter, HandlesTimesBeforeTheEpoch) {
  TimestampFormatter f;
  EXPECT_EQ(f.Format(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(ParseRfc3339, RoundTripsWithFormatter) {
  TimestampFormatter f;
  const Nanos t = 1795428000123456789LL;
  auto parsed = ParseRfc3339(f.Format(t));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, t);
}

TEST(ParseRfc3339, TimesBeyondWhatNanosHoldsAreRejectedNotWrapped) {
  EXPECT_FALSE(ParseRfc3339("3026-11-23T10:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59.999999999Z").has_value());
  EXPECT_FALSE(ParseRfc3339("1000-01-01T00:00:00Z").has_value());
  EXPECT_TRUE(ParseRfc3339("2262-01-01T00:00:00Z").has_value());
  EXPECT_TRUE(ParseRfc3339("1700-01-01T00:00:00Z").has_value());
}

TEST(ParseRfc3339, AppliesOffsetsAndShortFractions) {
  auto a = ParseRfc3339("2026-11-23T12:00:00.5+02:00");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, 1795428000500000000LL);
}

TEST(ParseRfc3339, RejectsGarbage) {
  EXPECT_FALSE(ParseRfc3339("").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-11-23T10:00:00").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-11-23T10:00:00Zjunk").has_value());
}

}  // namespace logcap
