#include "sinks/loki/loki_error.h"

#include <gtest/gtest.h>

#include <ctime>
#include <random>
#include <string>

namespace logcap {
namespace {

constexpr Nanos kSecond = 1'000'000'000;

// Seconds since the epoch of a UTC calendar time, computed by the C library.
Nanos Utc(int year, int month, int day, int hour, int minute, int second, Nanos nanos = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<Nanos>(timegm(&tm)) * kSecond + nanos;
}

// ---- ParseGoTime

TEST(LokiGoTime, Basic) {
  EXPECT_EQ(ParseGoTime("2026-11-23 10:00:00 +0000 UTC"), Utc(2026, 11, 23, 10, 0, 0));
  EXPECT_EQ(ParseGoTime("2026-11-23 10:00:00.123456789 +0000 UTC"), Utc(2026, 11, 23, 10, 0, 0, 123456789));
  EXPECT_EQ(ParseGoTime("2026-11-16 10:00:00.5 +0000 UTC"), Utc(2026, 11, 16, 10, 0, 0, 500000000));
  EXPECT_EQ(ParseGoTime("1970-01-01 00:00:00 +0000 UTC"), 0);
  EXPECT_EQ(ParseGoTime("1969-12-31 23:59:59.999999999 +0000 UTC"), -1);
}

TEST(LokiGoTime, OffsetsAndZones) {
  const Nanos t = Utc(2026, 11, 23, 10, 0, 0);
  EXPECT_EQ(ParseGoTime("2026-11-23 11:00:00 +0100 CET"), t);
  EXPECT_EQ(ParseGoTime("2026-11-23 06:30:00 -0330 -0330"), t);
  EXPECT_EQ(ParseGoTime("2026-11-23 13:00:00 +0300 +03"), t);
  EXPECT_EQ(ParseGoTime("2026-11-23 02:00:00 -0800 PST"), t);
}

TEST(LokiGoTime, MonotonicReadingIsIgnored) {
  const Nanos t = Utc(2026, 11, 23, 10, 0, 0, 100);
  EXPECT_EQ(ParseGoTime("2026-11-23 10:00:00.0000001 +0000 UTC m=+1.234567891"), t);
  EXPECT_EQ(ParseGoTime("2026-11-23 10:00:00.0000001 +0000 UTC m=-0.5"), t);
  EXPECT_EQ(ParseGoTime("2026-11-23 10:00:00.0000001 +0000 UTC m=+12"), t);
}

TEST(LokiGoTime, Malformed) {
  for (std::string_view s : {
           "", "2026-11-23", "2026-11-23 10:00:00", "2026-11-23 10:00:00 +0000", "2026-11-23 10:00:00 +0000 ",
           "2026-11-23T10:00:00Z", "2026-11-23 10:00:00. +0000 UTC", "2026-11-23 10:00:00.1234567891 +0000 UTC",
           "2026-13-23 10:00:00 +0000 UTC", "2026-11-23 24:00:00 +0000 UTC", "2026-11-23 10:60:00 +0000 UTC",
           "2026-11-23 10:00:00 +00:00 UTC", "2026-11-23 10:00:00 0000 UTC", "2026-11-23 10:00:00 +0000 UTC trailing",
           "2026-11-23 10:00:00 +0000 UTC m=", "x026-11-23 10:00:00 +0000 UTC", "2026-11-23  10:00:00 +0000 UTC"}) {
    EXPECT_EQ(ParseGoTime(s), std::nullopt) << s;
  }
}

TEST(LokiGoTime, OutsideNanos) {
  EXPECT_EQ(ParseGoTime("1500-01-01 00:00:00 +0000 UTC"), std::nullopt);
  EXPECT_EQ(ParseGoTime("2300-01-01 00:00:00 +0000 UTC"), std::nullopt);
  EXPECT_EQ(ParseGoTime("0001-01-01 00:00:00 +0000 UTC"), std::nullopt);  // Go's zero time
}

// ---- ParseLokiError: the ingester

constexpr std::string_view kIngester =
    "entry with timestamp 2026-11-23 10:00:00.123456789 +0000 UTC ignored, reason: 'entry out of order',\n"
    "entry with timestamp 2026-11-23 10:00:00 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: "
    "2026-11-23T10:00:00Z, oldest acceptable timestamp is: 2026-11-23T11:00:00Z',\n"
    "user 'fake', total ignored: 3 out of 100 for stream: {job=\"app\", level=\"info\"}";

TEST(LokiError, IngesterBody) {
  for (std::string suffix : {"", "\n", "\r\n", "\n\n"}) {
    const LokiErrorSummary s = ParseLokiError(std::string(kIngester) + suffix);
    ASSERT_EQ(s.refusals.size(), 2u);
    EXPECT_EQ(s.refusals[0].kind, LokiRefusalKind::kOutOfOrder);
    EXPECT_EQ(s.refusals[0].entry_time, Utc(2026, 11, 23, 10, 0, 0, 123456789));
    EXPECT_EQ(s.refusals[0].oldest_acceptable, std::nullopt);
    EXPECT_EQ(s.refusals[0].stream, R"({job="app", level="info"})");
    EXPECT_EQ(s.refusals[0].count, 1u);
    EXPECT_EQ(s.refusals[1].kind, LokiRefusalKind::kTooFarBehind);
    EXPECT_EQ(s.refusals[1].entry_time, Utc(2026, 11, 23, 10, 0, 0));
    EXPECT_EQ(s.refusals[1].oldest_acceptable, Utc(2026, 11, 23, 11, 0, 0));
    EXPECT_EQ(s.refusals[1].stream, R"({job="app", level="info"})");
    EXPECT_FALSE(s.other_errors);
    EXPECT_EQ(s.total_ignored, 3u);
    EXPECT_EQ(s.total_entries, 100u);
    EXPECT_EQ(s.ignored_stream, R"({job="app", level="info"})");
    EXPECT_TRUE(s.timestamp_only());
  }
}

TEST(LokiError, IngesterBodyWithCrlfLines) {
  std::string body(kIngester);
  for (size_t i = body.find('\n'); i != std::string::npos; i = body.find('\n', i + 2)) body.replace(i, 1, "\r\n");
  const LokiErrorSummary s = ParseLokiError(body);
  EXPECT_EQ(s.refusals.size(), 2u);
  EXPECT_TRUE(s.timestamp_only());
  EXPECT_EQ(s.ignored_stream, R"({job="app", level="info"})");
}

TEST(LokiError, OlderIngesterBody) {
  const LokiErrorSummary s = ParseLokiError(
      "entry with timestamp 1970-01-01 00:00:00 +0000 UTC ignored, reason: 'entry out of order' for stream: {foo=\"bar\"},\n"
      "entry with timestamp 1970-01-01 00:00:01 +0000 UTC ignored, reason: 'entry out of order' for stream: {foo=\"bar\"},\n"
      "entry with timestamp 1970-01-01 00:00:02 +0000 UTC ignored, reason: 'entry too far behind' for stream: {foo=\"bar\"},\n"
      "total ignored: 3 out of 3\n");
  ASSERT_EQ(s.refusals.size(), 3u);
  EXPECT_EQ(s.refusals[0].entry_time, 0);
  EXPECT_EQ(s.refusals[1].entry_time, kSecond);
  EXPECT_EQ(s.refusals[2].kind, LokiRefusalKind::kTooFarBehind);
  EXPECT_EQ(s.refusals[2].oldest_acceptable, std::nullopt);
  for (const LokiRefusal& r : s.refusals) EXPECT_EQ(r.stream, R"({foo="bar"})");
  EXPECT_EQ(s.ignored_stream, R"({foo="bar"})");
  EXPECT_EQ(s.total_ignored, 3u);
  EXPECT_EQ(s.total_entries, 3u);
  EXPECT_TRUE(s.timestamp_only());
}

TEST(LokiError, IngesterLocalZoneAndOtherReasons) {
  const LokiErrorSummary s = ParseLokiError(
      "entry with timestamp 2026-11-23 11:00:00.5 +0100 CET ignored, reason: 'entry out of order',\n"
      "entry with timestamp 2026-11-23 11:00:01 +0100 CET ignored, reason: 'Per stream rate limit exceeded (limit: "
      "3MB/sec) while attempting to ingest for stream '{job=\"app\"}' totaling 5KB, consider splitting a stream via "
      "additional labels or contact your Loki administrator to see if the limit can be increased',\n"
      "user 'tenant-1', total ignored: 2 out of 2 for stream: {job=\"app\"}\n");
  ASSERT_EQ(s.refusals.size(), 1u);
  EXPECT_EQ(s.refusals[0].entry_time, Utc(2026, 11, 23, 10, 0, 0, 500000000));
  EXPECT_EQ(s.refusals[0].stream, R"({job="app"})");
  EXPECT_TRUE(s.other_errors);
  EXPECT_FALSE(s.timestamp_only());
}

TEST(LokiError, StreamWithTrickyValues) {
  const std::string stream = R"({job="a'b; c", msg="x}, \"y\" total ignored: 1 out of 2"})";
  const LokiErrorSummary s = ParseLokiError(
      "entry with timestamp 2026-11-23 10:00:00 +0000 UTC ignored, reason: 'entry out of order',\n"
      "user 'fake', total ignored: 1 out of 2 for stream: " + stream + "\n");
  ASSERT_EQ(s.refusals.size(), 1u);
  EXPECT_EQ(s.refusals[0].stream, stream);
  EXPECT_EQ(s.total_ignored, 1u);
  EXPECT_EQ(s.total_entries, 2u);
  EXPECT_TRUE(s.timestamp_only());
}

// ---- ParseLokiError: the distributor

TEST(LokiError, DistributorTooOldAndTooNew) {
  const LokiErrorSummary s = ParseLokiError(
      "entry for stream '{job=\"app\"}' has timestamp too old: 2026-11-01 10:00:00 +0000 UTC, oldest acceptable "
      "timestamp is: 2026-11-16 10:00:00.5 +0000 UTC\n"
      "entry for stream '{job=\"app\"}' has timestamp too new: 2026-11-23 12:00:00 +0000 UTC\n");
  ASSERT_EQ(s.refusals.size(), 2u);
  EXPECT_EQ(s.refusals[0].kind, LokiRefusalKind::kTooOld);
  EXPECT_EQ(s.refusals[0].entry_time, Utc(2026, 11, 1, 10, 0, 0));
  EXPECT_EQ(s.refusals[0].oldest_acceptable, Utc(2026, 11, 16, 10, 0, 0, 500000000));
  EXPECT_EQ(s.refusals[0].stream, R"({job="app"})");
  EXPECT_EQ(s.refusals[1].kind, LokiRefusalKind::kTooNew);
  EXPECT_EQ(s.refusals[1].entry_time, Utc(2026, 11, 23, 12, 0, 0));
  EXPECT_EQ(s.refusals[1].oldest_acceptable, std::nullopt);
  EXPECT_TRUE(s.timestamp_only());
  EXPECT_EQ(s.total_ignored, std::nullopt);
  EXPECT_EQ(s.ignored_stream, "");
}

TEST(LokiError, DistributorOldFormWithoutOldestAndWithMonotonic) {
  const LokiErrorSummary s = ParseLokiError(
      "entry for stream '{job=\"app\"}' has timestamp too old: 2026-11-01 10:00:00 +0000 UTC\n"
      "entry for stream '{job=\"app\"}' has timestamp too old: 2026-11-01 10:00:01 +0000 UTC, oldest acceptable "
      "timestamp is: 2026-11-16 10:00:00 +0000 UTC m=+3600.000000001");
  ASSERT_EQ(s.refusals.size(), 2u);
  EXPECT_EQ(s.refusals[0].oldest_acceptable, std::nullopt);
  EXPECT_EQ(s.refusals[1].oldest_acceptable, Utc(2026, 11, 16, 10, 0, 0));
  EXPECT_TRUE(s.timestamp_only());
}

TEST(LokiError, DistributorGroupedMessages) {
  // Loki 3 joins distinct messages with "; " and counts identical ones.
  const LokiErrorSummary s = ParseLokiError(
      "3 errors like: entry for stream '{job=\"a; b\"}' has timestamp too new: 2026-11-23 12:00:00 +0000 UTC; "
      "1 errors like: entry for stream '{job=\"app\"}' has timestamp too old: 2026-11-01 10:00:00 +0000 UTC, oldest "
      "acceptable timestamp is: 2026-11-16 10:00:00 +0000 UTC\n");
  ASSERT_EQ(s.refusals.size(), 2u);
  EXPECT_EQ(s.refusals[0].kind, LokiRefusalKind::kTooNew);
  EXPECT_EQ(s.refusals[0].count, 3u);
  EXPECT_EQ(s.refusals[0].stream, R"({job="a; b"})");
  EXPECT_EQ(s.refusals[1].kind, LokiRefusalKind::kTooOld);
  EXPECT_EQ(s.refusals[1].count, 1u);
  EXPECT_EQ(s.refusals[1].oldest_acceptable, Utc(2026, 11, 16, 10, 0, 0));
  EXPECT_TRUE(s.timestamp_only());
}

TEST(LokiError, DistributorMixedWithOtherErrors) {
  const LokiErrorSummary s = ParseLokiError(
      "2 errors like: Max entry size '256' bytes exceeded for stream '{job=\"app\"}' while adding an entry with "
      "length '300' bytes; 1 errors like: entry for stream '{job=\"app\"}' has timestamp too new: 2026-11-23 "
      "12:00:00 +0000 UTC\n");
  ASSERT_EQ(s.refusals.size(), 1u);
  EXPECT_EQ(s.refusals[0].kind, LokiRefusalKind::kTooNew);
  EXPECT_TRUE(s.other_errors);
  EXPECT_FALSE(s.timestamp_only());
}

TEST(LokiError, NonTimestampErrors) {
  for (std::string_view body : {
           "Max entry size '256' bytes exceeded for stream '{job=\"app\"}' while adding an entry with length '300' bytes",
           "Error parsing labels '{x}' with error: 1:3: parse error: unexpected \"}\" in label matching",
           "stream '{x=\"1\", x=\"2\"}' has duplicate label name: 'x'",
           "error at least one label pair is required per stream",
           "stream '{job=\"app\"}' includes structured metadata, but this feature is disallowed. Please see "
           "`limits_config.allow_structured_metadata` or contact your Loki administrator to enable it.",
           "user 'fake', something else entirely",
           "entry with timestamp 2026-11-23 10:00:00 +0000 UTC ignored, reason: 'truncated",
           "entry with timestamp garbage ignored, reason: 'entry out of order',",
           "entry for stream '{job=\"app\"}' has timestamp too new: yesterday",
           "entry for stream '{job=\"app\"}' has timestamp too weird: 2026-11-23 12:00:00 +0000 UTC",
       }) {
    const LokiErrorSummary s = ParseLokiError(body);
    EXPECT_TRUE(s.other_errors) << body;
    EXPECT_FALSE(s.timestamp_only()) << body;
  }
  const LokiErrorSummary empty = ParseLokiError("");
  EXPECT_TRUE(empty.refusals.empty());
  EXPECT_FALSE(empty.other_errors);
  EXPECT_FALSE(empty.timestamp_only());
}

TEST(LokiError, StreamValueHoldingTheMarker) {
  const LokiErrorSummary s = ParseLokiError(
      "entry for stream '{job=\"x' has timestamp too \"}' has timestamp too new: 2026-11-23 12:00:00 +0000 UTC");
  ASSERT_EQ(s.refusals.size(), 1u);
  EXPECT_EQ(s.refusals[0].stream, R"({job="x' has timestamp too "})");
  EXPECT_EQ(s.refusals[0].kind, LokiRefusalKind::kTooNew);
  EXPECT_TRUE(s.timestamp_only());
}

TEST(LokiError, UnreadableTimeIsKeptButFlagged) {
  const LokiErrorSummary s = ParseLokiError("entry for stream '{job=\"app\"}' has timestamp too new: 2026-99-23 12:00:00 +0000 UTC");
  ASSERT_EQ(s.refusals.size(), 1u);
  EXPECT_EQ(s.refusals[0].entry_time, std::nullopt);
  EXPECT_TRUE(s.other_errors);
}

TEST(LokiError, HugeNumbers) {
  const LokiErrorSummary a = ParseLokiError("total ignored: 99999999999999999999999 out of 5");
  EXPECT_TRUE(a.other_errors);
  EXPECT_EQ(a.total_ignored, std::nullopt);
  const LokiErrorSummary b = ParseLokiError("total ignored: 18446744073709551615 out of 18446744073709551615");
  EXPECT_EQ(b.total_ignored, UINT64_MAX);
  const LokiErrorSummary c = ParseLokiError(
      "99999999999999999999999 errors like: entry for stream '{a=\"b\"}' has timestamp too new: 2026-11-23 12:00:00 +0000 UTC");
  EXPECT_TRUE(c.other_errors);  // the count does not fit: the message is not understood
  const LokiErrorSummary d = ParseLokiError(
      "18446744073709551615 errors like: entry for stream '{a=\"b\"}' has timestamp too new: 2026-11-23 12:00:00 +0000 UTC");
  ASSERT_EQ(d.refusals.size(), 1u);
  EXPECT_EQ(d.refusals[0].count, UINT64_MAX);
  EXPECT_EQ(ParseGoTime("99999-11-23 10:00:00 +0000 UTC"), std::nullopt);
}

TEST(LokiError, ReasonNames) {
  EXPECT_EQ(LokiRefusalReason(LokiRefusalKind::kOutOfOrder), "out_of_order");
  EXPECT_EQ(LokiRefusalReason(LokiRefusalKind::kTooFarBehind), "too_far_behind");
  EXPECT_EQ(LokiRefusalReason(LokiRefusalKind::kTooOld), "too_old");
  EXPECT_EQ(LokiRefusalReason(LokiRefusalKind::kTooNew), "too_new");
}

// ---- Robustness: whatever comes in, it returns (and ASan/UBSan builds check the reads).

const std::string kDistributor =
    "3 errors like: entry for stream '{job=\"a; b\"}' has timestamp too new: 2026-11-23 12:00:00 +0000 UTC; "
    "1 errors like: entry for stream '{job=\"app\"}' has timestamp too old: 2026-11-01 10:00:00.25 +0000 UTC, oldest "
    "acceptable timestamp is: 2026-11-16 10:00:00 +0000 UTC m=+1.5\n";

TEST(LokiError, EveryTruncationParses) {
  for (const std::string& body : {std::string(kIngester), kDistributor}) {
    for (size_t n = 0; n <= body.size(); ++n) {
      const LokiErrorSummary s = ParseLokiError(std::string_view(body).substr(0, n));
      EXPECT_LE(s.refusals.size(), 2u);
      for (size_t k = 0; k < n; ++k) ParseLokiError(std::string_view(body).substr(k, n - k));
    }
  }
}

TEST(LokiError, RandomBytesAndMutations) {
  std::mt19937_64 rng(99);
  const std::string pieces[] = {"entry with timestamp ", " ignored, reason: '", "entry out of order", "',\n",
                                "entry for stream '", "{job=\"", "\"}", "' has timestamp too ", "old: ", "new: ",
                                "2026-11-23 10:00:00", ".123", " +0000 UTC", " m=+1.2", "; ", "3 errors like: ",
                                "total ignored: ", " out of ", " for stream: ", "\\", "\"", "'", "\n", "\r"};
  for (int round = 0; round < 20000; ++round) {
    std::string body;
    const int parts = static_cast<int>(rng() % 20);
    for (int k = 0; k < parts; ++k) {
      if (rng() % 4 == 0) {
        body.push_back(static_cast<char>(rng()));
      } else {
        body += pieces[rng() % std::size(pieces)];
      }
    }
    ParseLokiError(body);
    std::string mutated = rng() % 2 ? std::string(kIngester) : kDistributor;
    for (int k = 0; k < 3; ++k) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    ParseLokiError(mutated);
  }
}

TEST(LokiError, LargePathologicalBodiesStayLinear) {
  // Each would be quadratic with a naive "find the end of this message" scan from every start.
  std::string unclosed;
  while (unclosed.size() < (1 << 20)) unclosed += "entry for stream '{job=\"";
  std::string no_has;
  while (no_has.size() < (1 << 20)) no_has += "entry for stream '{}' ; ";
  std::string many;
  while (many.size() < (1 << 20)) many += "1 errors like: entry for stream '{a=\"b\"}' has timestamp too new: 2026-11-23 12:00:00 +0000 UTC; ";
  std::string lines;
  while (lines.size() < (1 << 20)) lines += "entry with timestamp \n";
  std::string overshoot;  // every label scan would run to the '}' at the very end
  while (overshoot.size() < (1 << 20)) overshoot += "entry for stream '{\"' has timestamp too new: 2026-11-23 12:00:00 +0000 UTC; ";
  overshoot += "\"}";
  std::string nested = "entry for stream '{a=\"";  // false starts inside one value
  while (nested.size() < (1 << 20)) nested += "; entry for stream '{b=\"";
  nested += "\"}' has timestamp too bogus";
  const std::string digits(1 << 20, '7');
  EXPECT_TRUE(ParseLokiError(unclosed).other_errors);
  EXPECT_TRUE(ParseLokiError(no_has).other_errors);
  EXPECT_TRUE(ParseLokiError(nested).other_errors);
  EXPECT_TRUE(ParseLokiError(digits).other_errors);
  EXPECT_FALSE(ParseLokiError(overshoot).refusals.empty());
  const LokiErrorSummary s = ParseLokiError(many);
  EXPECT_GT(s.refusals.size(), 5000u);
  EXPECT_TRUE(s.timestamp_only());
  EXPECT_TRUE(ParseLokiError(lines).other_errors);
}

}  // namespace
}  // namespace logcap
