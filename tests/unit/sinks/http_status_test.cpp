#include "sinks/common/http_status.h"

#include <gtest/gtest.h>

namespace logcap {
namespace {

constexpr Nanos kSecond = kNanosPerSecond;
// Sun, 06 Nov 1994 08:49:37 GMT
constexpr Nanos kRfcExample = 784111777LL * kSecond;

TEST(HttpStatus, ClassifiesEveryStatusClass) {
  for (long s : {200L, 201L, 202L, 204L, 299L}) EXPECT_EQ(ClassifyHttpStatus(s), HttpOutcome::kOk) << s;
  for (long s : {0L, 408L, 425L, 429L, 500L, 502L, 503L, 504L, 599L}) {
    EXPECT_EQ(ClassifyHttpStatus(s), HttpOutcome::kRetry) << s;
  }
  for (long s : {401L, 403L, 407L, 300L, 301L, 302L, 307L, 308L}) {
    EXPECT_EQ(ClassifyHttpStatus(s), HttpOutcome::kMisconfigured) << s;
  }
  EXPECT_EQ(ClassifyHttpStatus(413), HttpOutcome::kTooLarge);
  for (long s : {400L, 404L, 405L, 409L, 410L, 411L, 415L, 422L, 451L, 499L}) {
    EXPECT_EQ(ClassifyHttpStatus(s), HttpOutcome::kBadData) << s;
  }
}

TEST(HttpStatus, UnknownCodesKeepTheData) {
  for (long s : {100L, 101L, 199L, 600L, 999L, -1L}) EXPECT_EQ(ClassifyHttpStatus(s), HttpOutcome::kRetry) << s;
}

TEST(HttpStatus, OutcomeNames) {
  EXPECT_EQ(HttpOutcomeName(HttpOutcome::kOk), "ok");
  EXPECT_EQ(HttpOutcomeName(HttpOutcome::kRetry), "retry");
  EXPECT_EQ(HttpOutcomeName(HttpOutcome::kMisconfigured), "misconfigured");
  EXPECT_EQ(HttpOutcomeName(HttpOutcome::kTooLarge), "too_large");
  EXPECT_EQ(HttpOutcomeName(HttpOutcome::kBadData), "bad_data");
}

TEST(RetryAfter, DeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("3", 0), 3 * kSecond);
  EXPECT_EQ(ParseRetryAfter("0", 0), 0);
  EXPECT_EQ(ParseRetryAfter("  120\t", 0), 120 * kSecond);
  EXPECT_EQ(ParseRetryAfter("007", 0), 7 * kSecond);
}

TEST(RetryAfter, HugeDeltaIsCappedNotOverflowed) {
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999999", 0), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("86401", 0), kMaxRetryAfter);
  EXPECT_EQ(ParseRetryAfter("86400", 0), 86400 * kSecond);
}

TEST(RetryAfter, NonsenseIsIgnored) {
  for (const char* v : {"", " ", "-1", "+3", "1.5", "3s", "abc", "3 4", "Sun, 06 Nov 1994", "0x10",
                        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun,  06 Nov 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(ParseRetryAfter(v, 0).has_value()) << '"' << v << '"';
  }
}

TEST(RetryAfter, HttpDateInTheFutureIsTheWaitUntilThen) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kRfcExample - 90 * kSecond), 90 * kSecond);
  // The wall clock may be anywhere inside a second.
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kRfcExample - 500 * kNanosPerMilli),
            500 * kNanosPerMilli);
}

TEST(RetryAfter, HttpDateInThePastMeansNoWait) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kRfcExample + 3600 * kSecond), 0);
}

TEST(RetryAfter, FarFutureDateIsCapped) {
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", kRfcExample), kMaxRetryAfter);
}

TEST(HttpDate, TheThreeFormsOfRfc9110) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), kRfcExample);
  EXPECT_EQ(ParseHttpDate("Sun Nov 06 08:49:37 1994"), kRfcExample);
}

TEST(HttpDate, EpochAndCalendarEdges) {
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Wed, 31 Dec 1969 23:59:59 GMT"), -kSecond);
  EXPECT_EQ(ParseHttpDate("Thu, 29 Feb 2024 00:00:00 GMT"), 1709164800LL * kSecond);
  EXPECT_EQ(ParseHttpDate("Tue, 29 Feb 2000 12:00:00 GMT"), 951825600LL * kSecond);
  EXPECT_EQ(ParseHttpDate("Mon, 23 Nov 2026 10:00:00 GMT"), 1795428000LL * kSecond);
  EXPECT_EQ(ParseHttpDate("Tuesday, 01-Jan-30 00:00:00 GMT"), 1893456000LL * kSecond);  // two-digit year
}

TEST(HttpDate, ImpossibleDatesAreRejected) {
  for (const char* v : {"Wed, 29 Feb 2023 00:00:00 GMT", "Mon, 29 Feb 2100 00:00:00 GMT",
                        "Sat, 31 Apr 2026 00:00:00 GMT", "Sat, 00 Jan 2026 00:00:00 GMT",
                        "Sat, 01 Jan 2026 24:00:00 GMT", "Sat, 01 Jan 2026 00:60:00 GMT",
                        "Sat, 01 Foo 2026 00:00:00 GMT", "Xyz, 01 Jan 2026 00:00:00 GMT",
                        "Sat, 1 Jan 2026 00:00:00 GMT", "Sat, 01 Jan 26 00:00:00 GMT",
                        "Sat, 01 Jan 2026 00:00:00 GMT trailing"}) {
    EXPECT_FALSE(ParseHttpDate(v).has_value()) << v;
  }
}

}  // namespace
}  // namespace logcap
