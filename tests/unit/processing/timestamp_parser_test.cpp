// TimestampParser: every format kind with good and bad input, validation, zones (UTC, fixed, IANA
// across DST changes both ways, Local through TZ), year inference, garbage, and no allocation on
// the hot path. Counts calls to the global operator new (testing/allocation_counter.h replaces it
// for this test binary).
#include "processing/timestamp_parser.h"

#include <absl/time/time.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "processing/timestamp/time_zone_rules.h"
#include "testing/allocation_counter.h"

namespace logcap {
namespace {

constexpr Nanos kSecond = kNanosPerSecond;
constexpr Nanos kMinute = 60 * kSecond;
constexpr Nanos kHour = 60 * kMinute;
constexpr Nanos kDay = 24 * kHour;
// 2026-01-02T15:04:05Z, Go's reference time moved to 2026: most cases are this instant.
constexpr Nanos kRef = 1'767'366'245 * kSecond;
constexpr Nanos kJan1st2026 = kRef - 15 * kHour - 4 * kMinute - 5 * kSecond - kDay;  // 2026-01-01T00:00:00Z

TimestampParser Make(std::vector<std::string> formats, std::string_view zone = "UTC") {
  std::string error;
  std::optional<TimestampParser> parser = TimestampParser::Create(formats, zone, &error);
  EXPECT_TRUE(parser.has_value()) << error;
  if (!parser) return *TimestampParser::Create({"auto"}, "UTC", nullptr);
  return std::move(*parser);
}

std::string CreateError(std::vector<std::string> formats, std::string_view zone = "UTC") {
  std::string error;
  EXPECT_FALSE(TimestampParser::Create(formats, zone, &error).has_value());
  return error;
}

// ---------------------------------------------------------------- strftime

TEST(TimestampParserStrftimeTest, ReadsTheCommonFormat) {
  const TimestampParser p = Make({"%Y-%m-%d %H:%M:%S"});
  EXPECT_EQ(p.Parse("2026-01-02 15:04:05"), kRef);
  EXPECT_EQ(p.Parse("  2026-01-02 15:04:05 \r\n"), kRef);  // surrounding spaces
  EXPECT_EQ(p.Parse("2026-1-2 15:4:5"), kRef);             // strptime takes 1-2 digits
  EXPECT_EQ(p.Parse("2026-01-02  15:04:05"), kRef);        // a space matches a run of them
  EXPECT_EQ(p.Parse("2026-01-02 15:04:05.123"), std::nullopt);  // no fraction in the format
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-02 15:04"), std::nullopt);
  EXPECT_EQ(p.Parse("x2026-01-02 15:04:05"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-02 15:04:05 trailing"), std::nullopt);
  EXPECT_EQ(p.Parse(""), std::nullopt);
}

TEST(TimestampParserStrftimeTest, ReadsFractionsOfEveryLength) {
  const TimestampParser p = Make({"%Y-%m-%dT%H:%M:%S.%f"});
  const char* digits = "123456789";
  for (int n = 1; n <= 9; ++n) {
    Nanos fraction = std::stoll(std::string(digits, n));
    for (int k = n; k < 9; ++k) fraction *= 10;
    EXPECT_EQ(p.Parse("2026-01-02T15:04:05." + std::string(digits, n)), kRef + fraction) << n << " digits";
  }
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05.000000001"), kRef + 1);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05.1234567891"), std::nullopt);  // %f: at most 9 digits
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05."), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05"), std::nullopt);

  const TimestampParser fixed3 = Make({"%Y-%m-%d %H:%M:%S,%3f"});
  EXPECT_EQ(fixed3.Parse("2026-01-02 15:04:05,042"), kRef + 42'000'000);
  EXPECT_EQ(fixed3.Parse("2026-01-02 15:04:05,42"), std::nullopt);
  EXPECT_EQ(fixed3.Parse("2026-01-02 15:04:05,0420"), std::nullopt);
  EXPECT_EQ(Make({"%F %T.%6f"}).Parse("2026-01-02 15:04:05.000042"), kRef + 42'000);
  EXPECT_EQ(Make({"%F %T.%9f"}).Parse("2026-01-02 15:04:05.000000042"), kRef + 42);
  EXPECT_EQ(Make({"%F %T.%9f"}).Parse("2026-01-02 15:04:05.00000042"), std::nullopt);

  const TimestampParser optional = Make({"%F %T%.f"});
  EXPECT_EQ(optional.Parse("2026-01-02 15:04:05"), kRef);
  EXPECT_EQ(optional.Parse("2026-01-02 15:04:05.5"), kRef + 500'000'000);
  EXPECT_EQ(optional.Parse("2026-01-02 15:04:05,25"), kRef + 250'000'000);
  EXPECT_EQ(optional.Parse("2026-01-02 15:04:05."), std::nullopt);
}

TEST(TimestampParserStrftimeTest, ReadsNamesAndOtherDirectives) {
  EXPECT_EQ(Make({"%b %e %H:%M:%S %Y"}).Parse("Jan  2 15:04:05 2026"), kRef);
  EXPECT_EQ(Make({"%b %e %H:%M:%S %Y"}).Parse("JAN 2 15:04:05 2026"), kRef);
  EXPECT_EQ(Make({"%h %d %T %Y"}).Parse("jan 02 15:04:05 2026"), kRef);
  EXPECT_EQ(Make({"%B %d, %Y %T"}).Parse("January 02, 2026 15:04:05"), kRef);
  EXPECT_EQ(Make({"%B %d, %Y %T"}).Parse("Janu 02, 2026 15:04:05"), std::nullopt);
  EXPECT_EQ(Make({"%a %b %d %T %Y"}).Parse("Fri Jan 02 15:04:05 2026"), kRef);
  EXPECT_EQ(Make({"%A, %d-%b-%y %T"}).Parse("Friday, 02-Jan-26 15:04:05"), kRef);
  EXPECT_EQ(Make({"%a %b %d %T %Y"}).Parse("Fry Jan 02 15:04:05 2026"), std::nullopt);
  EXPECT_EQ(Make({"%d/%m/%y %T"}).Parse("02/01/69 15:04:05"), kRef - 57 * 365 * kDay - 14 * kDay);  // 1969
  EXPECT_EQ(Make({"%D %T"}).Parse("01/02/26 15:04:05"), kRef);
  EXPECT_EQ(Make({"%Y%m%d%H%M%S"}).Parse("20260102150405"), kRef);
  EXPECT_EQ(Make({"%Y-%j %T"}).Parse("2026-002 15:04:05"), kRef);
  EXPECT_EQ(Make({"%Y-%j %T"}).Parse("2026-366 15:04:05"), std::nullopt);  // 2026 has 365 days
  EXPECT_EQ(Make({"%Y-%j %T"}).Parse("2024-366 00:00:00"), 1'735'603'200 * kSecond);  // 2024-12-31
  EXPECT_EQ(Make({"%F %R"}).Parse("2026-01-02 15:04"), kRef - 5 * kSecond);
  EXPECT_EQ(Make({"%F %k:%M"}).Parse("2026-01-02  9:04"), kRef - 6 * kHour - 5 * kSecond);
  EXPECT_EQ(Make({"100%% at %F %T"}).Parse("100% at 2026-01-02 15:04:05"), kRef);
  EXPECT_EQ(Make({"%F%n%T"}).Parse("2026-01-02\t15:04:05"), kRef);
}

TEST(TimestampParserStrftimeTest, ReadsTwelveHourClocks) {
  const TimestampParser p = Make({"%Y-%m-%d %I:%M:%S %p"});
  EXPECT_EQ(p.Parse("2026-01-02 03:04:05 PM"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02 03:04:05 pm"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02 03:04:05 AM"), kRef - 12 * kHour);
  EXPECT_EQ(p.Parse("2026-01-02 12:04:05 AM"), kRef - 15 * kHour);  // midnight
  EXPECT_EQ(p.Parse("2026-01-02 12:04:05 PM"), kRef - 3 * kHour);   // noon
  EXPECT_EQ(p.Parse("2026-01-02 03:04:05 XM"), std::nullopt);
  EXPECT_EQ(Make({"%F %l:%M %p"}).Parse("2026-01-02  3:04 PM"), kRef - 5 * kSecond);
}

TEST(TimestampParserStrftimeTest, ReadsOffsetsZonesAndEpochs) {
  const TimestampParser p = Make({"%Y-%m-%dT%H:%M:%S%z"});
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05Z"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05+0100"), kRef - kHour);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05+01:00"), kRef - kHour);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05-05"), kRef + 5 * kHour);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05-05:30"), kRef + 5 * kHour + 30 * kMinute);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05+2400"), kRef - 24 * kHour);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05+2401"), std::nullopt);  // beyond 24 hours
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05+0160"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05+1"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05"), std::nullopt);  // %z is required

  const TimestampParser zone = Make({"%a, %d %b %Y %T %Z"});
  EXPECT_EQ(zone.Parse("Fri, 02 Jan 2026 15:04:05 GMT"), kRef);
  EXPECT_EQ(zone.Parse("Fri, 02 Jan 2026 15:04:05 UTC"), kRef);
  EXPECT_EQ(zone.Parse("Fri, 02 Jan 2026 15:04:05 Z"), kRef);
  EXPECT_EQ(zone.Parse("Fri, 02 Jan 2026 15:04:05 PST"), kRef + 8 * kHour);
  EXPECT_EQ(zone.Parse("Fri, 02 Jan 2026 15:04:05 EDT"), kRef + 4 * kHour);
  EXPECT_EQ(zone.Parse("Fri, 02 Jan 2026 15:04:05 CEST"), std::nullopt);  // not certain: refused
  EXPECT_EQ(zone.Parse("Fri, 02 Jan 2026 15:04:05 XYZ"), std::nullopt);

  const TimestampParser epoch = Make({"%s"}, "Europe/Berlin");  // epochs ignore the zone
  EXPECT_EQ(epoch.Parse("1767366245"), kRef);
  EXPECT_EQ(epoch.Parse("0"), 0);
  EXPECT_EQ(epoch.Parse("-86400"), -kDay);
  EXPECT_EQ(epoch.Parse("1767366245x"), std::nullopt);
  EXPECT_EQ(epoch.Parse("99999999999999999999"), std::nullopt);
  EXPECT_EQ(Make({"%s.%f"}).Parse("1767366245.25"), kRef + 250'000'000);
  EXPECT_EQ(Make({"%s.%f"}).Parse("-1.25"), -1'250'000'000);
}

TEST(TimestampParserStrftimeTest, RefusesBadFormatsWithAClearMessage) {
  EXPECT_EQ(CreateError({"%Y-%m-%d %Q"}),
            "invalid timestamp format \"%Y-%m-%d %Q\": unknown directive %Q at offset 9");
  EXPECT_NE(CreateError({"%Y-%m-%d %"}).find("lone '%'"), std::string::npos);
  EXPECT_NE(CreateError({"%H:%M:%S"}).find("reads no date"), std::string::npos);
  EXPECT_NE(CreateError({"yyyy-MM-dd"}).find("\"yyyy-MM-dd\": neither a name"), std::string::npos);
  EXPECT_EQ(CreateError({}), "no timestamp format given");
  // The first bad format is named even after good ones.
  EXPECT_NE(CreateError({"rfc3339", "%Y %q"}).find("\"%Y %q\""), std::string::npos);
}

// ---------------------------------------------------------------- Go layouts

TEST(TimestampParserGoLayoutTest, ReadsTheOriginalSystemsLayouts) {
  EXPECT_EQ(Make({"2006-01-02T15:04:05.000Z"}).Parse("2026-01-02T15:04:05.123Z"), kRef + 123'000'000);
  EXPECT_EQ(Make({"2006-01-02 15:04:05.000000"}).Parse("2026-01-02 15:04:05.123456"), kRef + 123'456'000);
  EXPECT_EQ(Make({"2006-01-02T15:04:05.000000-07:00"}).Parse("2026-01-02T15:04:05.000001-07:00"),
            kRef + 7 * kHour + 1'000);
  EXPECT_EQ(Make({"2006-01-02T15:04:05.000000-07:00"}).Parse("2026-01-02T15:04:05.000001+05:30"),
            kRef - 5 * kHour - 30 * kMinute + 1'000);
  EXPECT_EQ(Make({"2006-01-02T15:04:05+00:00"}).Parse("2026-01-02T15:04:05+00:00"), kRef);
  EXPECT_EQ(Make({"02/Jan/2006:15:04:05 -0700"}).Parse("02/Jan/2026:15:04:05 -0700"), kRef + 7 * kHour);
  EXPECT_EQ(Make({"02/Jan/2006:15:04:05 -0700"}).Parse("02/jan/2026:15:04:05 +0000"), kRef);
  EXPECT_EQ(Make({"2006-01-02T15:04:05.000000000Z07:00"}).Parse("2026-01-02T15:04:05.123456789Z"), kRef + 123'456'789);
}

TEST(TimestampParserGoLayoutTest, ReadsEveryField) {
  EXPECT_EQ(Make({"2006-1-2 3:4:5 PM"}).Parse("2026-1-2 3:4:5 PM"), kRef);
  EXPECT_EQ(Make({"2006-1-2 03:04:05 pm"}).Parse("2026-1-2 03:04:05 am"), kRef - 12 * kHour);
  EXPECT_EQ(Make({"02/01/06 15:04:05"}).Parse("02/01/26 15:04:05"), kRef);
  EXPECT_EQ(Make({"02/01/06 15:04:05"}).Parse("02/01/70 15:04:05"), kRef - 56 * 365 * kDay - 14 * kDay);  // 1970
  EXPECT_EQ(Make({"Monday, January 2 2006 15:04:05"}).Parse("Friday, January 2 2026 15:04:05"), kRef);
  EXPECT_EQ(Make({"Mon Jan _2 15:04:05 2006"}).Parse("Fri Jan  2 15:04:05 2026"), kRef);
  EXPECT_EQ(Make({"Mon Jan _2 15:04:05 2006"}).Parse("Fri Jan 12 15:04:05 2026"), kRef + 10 * kDay);
  EXPECT_EQ(Make({"Mon Jan _2 15:04:05 MST 2006"}).Parse("Fri Jan  2 15:04:05 PST 2026"), kRef + 8 * kHour);
  EXPECT_EQ(Make({"2006-002 15:04:05"}).Parse("2026-002 15:04:05"), kRef);
  EXPECT_EQ(Make({"2006-01-02 15:04:05 -07"}).Parse("2026-01-02 15:04:05 +03"), kRef - 3 * kHour);
  EXPECT_EQ(Make({"2006-01-02 15:04:05 -070000"}).Parse("2026-01-02 15:04:05 +013000"), kRef - 90 * kMinute);
  EXPECT_EQ(Make({"2006-01-02 15:04:05 -07:00:00"}).Parse("2026-01-02 15:04:05 -00:00:30"), kRef + 30 * kSecond);
  EXPECT_EQ(Make({"2006-01-02 15:04:05Z0700"}).Parse("2026-01-02 15:04:05Z"), kRef);
  EXPECT_EQ(Make({"2006-01-02 15:04:05Z0700"}).Parse("2026-01-02 15:04:05+0100"), kRef - kHour);
  EXPECT_EQ(Make({"2006-01-02 15:04:05Z07"}).Parse("2026-01-02 15:04:05-01"), kRef + kHour);
  // -0700 (no Z) refuses 'Z', as Go does.
  EXPECT_EQ(Make({"2006-01-02 15:04:05-0700"}).Parse("2026-01-02 15:04:05Z"), std::nullopt);
  // Zero-padded fields need both digits; "15", "1", "2" take one or two.
  EXPECT_EQ(Make({"2006-01-02 15:04:05"}).Parse("2026-1-02 15:04:05"), std::nullopt);
  EXPECT_EQ(Make({"2006-1-2 15:04:05"}).Parse("2026-1-2 5:04:05"), kRef - 10 * kHour);
  // "Janet" is a literal, not a month.
  EXPECT_EQ(Make({"Janet 2006-01-02 15:04:05"}).Parse("Janet 2026-01-02 15:04:05"), kRef);
  EXPECT_EQ(Make({"2006_01_02 15:04"}).Parse("2026_01_02 15:04"), kRef - 5 * kSecond);
}

TEST(TimestampParserGoLayoutTest, FractionsFollowGo) {
  // .000: exactly that many digits, after '.' or ','.
  const TimestampParser fixed = Make({"2006-01-02 15:04:05.000"});
  EXPECT_EQ(fixed.Parse("2026-01-02 15:04:05.007"), kRef + 7'000'000);
  EXPECT_EQ(fixed.Parse("2026-01-02 15:04:05,007"), kRef + 7'000'000);
  EXPECT_EQ(fixed.Parse("2026-01-02 15:04:05.07"), std::nullopt);
  EXPECT_EQ(fixed.Parse("2026-01-02 15:04:05.0070"), std::nullopt);
  EXPECT_EQ(fixed.Parse("2026-01-02 15:04:05"), std::nullopt);
  EXPECT_EQ(Make({"2006-01-02 15:04:05,000"}).Parse("2026-01-02 15:04:05,999"), kRef + 999'000'000);
  // .999: optional, any length (digits past nine dropped).
  const TimestampParser optional = Make({"2006-01-02T15:04:05.999999999Z07:00"});
  EXPECT_EQ(optional.Parse("2026-01-02T15:04:05Z"), kRef);
  EXPECT_EQ(optional.Parse("2026-01-02T15:04:05.1Z"), kRef + 100'000'000);
  EXPECT_EQ(optional.Parse("2026-01-02T15:04:05.123456789123Z"), kRef + 123'456'789);
  // No fraction in the layout after the seconds: Go reads one all the same.
  const TimestampParser none = Make({"2006-01-02 15:04:05"});
  EXPECT_EQ(none.Parse("2026-01-02 15:04:05.5"), kRef + 500'000'000);
  EXPECT_EQ(none.Parse("2026-01-02 15:04:05,000001"), kRef + 1'000);
  EXPECT_EQ(none.Parse("2026-01-02 15:04:05."), std::nullopt);
  EXPECT_EQ(Make({"2006-01-02T15:04:05Z07:00"}).Parse("2026-01-02T15:04:05.25+01:00"), kRef - kHour + 250'000'000);
  EXPECT_EQ(Make({"02/Jan/2006:15:04:05 -0700"}).Parse("02/Jan/2026:15:04:05.5 -0700"), kRef + 7 * kHour + 500'000'000);
}

TEST(TimestampParserGoLayoutTest, DetectsLayoutsAndRefusesIncompleteOnes) {
  EXPECT_NE(CreateError({"15:04:05"}).find("reads no date"), std::string::npos);
  // Without "2006" or "15:04" a format is no Go layout (and without '%' no strftime format).
  EXPECT_NE(CreateError({"06-1-2 3:4:5 PM"}).find("neither a name"), std::string::npos);
  EXPECT_EQ(Make({"Jan _2 15:04:05"}).Parse("Jan  2 15:04:05", kRef + kHour), kRef);  // no year: inferred
}

// ---------------------------------------------------------------- named formats

TEST(TimestampParserNamedTest, Rfc3339) {
  const TimestampParser p = Make({"rfc3339"}, "Europe/Berlin");  // the text's offset wins
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05Z"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02t15:04:05z"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02 15:04:05Z"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05.123456789Z"), kRef + 123'456'789);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05.1234567891234Z"), kRef + 123'456'789);
  EXPECT_EQ(p.Parse("2026-01-02T16:04:05+01:00"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02T10:04:05.5-05:00"), kRef + 500'000'000);
  EXPECT_EQ(Make({"RFC3339Nano"}).Parse("2026-01-02T15:04:05.000000001Z"), kRef + 1);
  for (const char* bad : {"2026-01-02T15:04:05", "2026-01-02T15:04:05+0100", "2026-01-02T15:04Z", "2026-01-02",
                          "2026-01-02T15:04:05.Z", "2026-01-02T15:04:05,5Z", "20260102T150405Z", "2026-01-02X15:04:05Z",
                          "2026-01-02T15:04:05Zjunk", "2026-13-02T15:04:05Z", "2026-01-32T15:04:05Z"}) {
    EXPECT_EQ(p.Parse(bad), std::nullopt) << bad;
  }
}

TEST(TimestampParserNamedTest, Iso8601) {
  const TimestampParser p = Make({"iso8601"}, "+01:00");
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05Z"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02T16:04:05"), kRef);  // no offset: the parser's zone
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05+0000"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02T17:04:05+02"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05,5Z"), kRef + 500'000'000);
  EXPECT_EQ(p.Parse("2026-01-02T15:04Z"), kRef - 5 * kSecond);
  EXPECT_EQ(p.Parse("2026-01-02"), kJan1st2026 + kDay - kHour);  // midnight, +01:00
  EXPECT_EQ(p.Parse("20260102T150405Z"), kRef);
  EXPECT_EQ(p.Parse("20260102T150405.25+0100"), kRef - kHour + 250'000'000);
  EXPECT_EQ(p.Parse("20260102T1504Z"), kRef - 5 * kSecond);
  for (const char* bad : {"20260102", "2026-01-02T15", "20260102T15Z", "2026-01-02T15:04:05+1", "2026/01/02T15:04:05Z",
                          "2026-01-02T25:04:05Z"}) {
    EXPECT_EQ(p.Parse(bad), std::nullopt) << bad;
  }
}

TEST(TimestampParserNamedTest, Epochs) {
  const TimestampParser s = Make({"unix"});
  EXPECT_EQ(s.Parse("1767366245"), kRef);
  EXPECT_EQ(s.Parse("1767366245.123"), kRef + 123'000'000);
  EXPECT_EQ(s.Parse("1767366245.123456789999"), kRef + 123'456'789);
  EXPECT_EQ(s.Parse("-1.5"), -1'500'000'000);
  EXPECT_EQ(s.Parse("9223372036"), 9'223'372'036 * kSecond);
  EXPECT_EQ(s.Parse("9223372037"), std::nullopt);  // beyond Nanos
  EXPECT_EQ(Make({"epoch"}).Parse("1767366245"), kRef);
  EXPECT_EQ(Make({"unix_s"}).Parse("1767366245"), kRef);
  EXPECT_EQ(Make({"unix_ms"}).Parse("1767366245123"), kRef + 123'000'000);
  EXPECT_EQ(Make({"unix_ms"}).Parse("1767366245123.5"), kRef + 123'500'000);
  EXPECT_EQ(Make({"unix_us"}).Parse("1767366245123456"), kRef + 123'456'000);
  EXPECT_EQ(Make({"unix_us"}).Parse("1767366245123456.789"), kRef + 123'456'789);
  EXPECT_EQ(Make({"unix_ns"}).Parse("1767366245123456789"), kRef + 123'456'789);
  EXPECT_EQ(Make({"unix_ns"}).Parse("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(Make({"unix_ns"}).Parse("9223372036854775808"), std::nullopt);
  EXPECT_EQ(Make({"unix_ns"}).Parse("1767366245123456789.5"), std::nullopt);
  for (const char* bad : {"", "-", "1767366245.", "1767366245 1", "+1767366245", "17673x66245", "0x10", "1e9"}) {
    EXPECT_EQ(s.Parse(bad), std::nullopt) << bad;
  }
}

TEST(TimestampParserNamedTest, FormatsAreTriedInOrder) {
  // Day-first, then month-first: 13/01 is only a day-first date; 01/13 only a month-first one.
  const TimestampParser p = Make({"%d/%m/%Y %T", "%m/%d/%Y %T", "unix"});
  EXPECT_EQ(p.Parse("02/01/2026 15:04:05"), kRef);                 // the first wins
  EXPECT_EQ(p.Parse("01/13/2026 15:04:05"), kRef + 11 * kDay);     // the first reads it, but invalid
  EXPECT_EQ(p.Parse("1767366245"), kRef);
  EXPECT_EQ(p.Parse("2026-01-02 15:04:05"), std::nullopt);
}

// ---------------------------------------------------------------- auto

TEST(TimestampParserAutoTest, DetectsEachFamily) {
  const TimestampParser p = Make({"auto"});
  struct Case {
    const char* text;
    Nanos expected;
  };
  const Case cases[] = {
      {"2026-01-02T15:04:05Z", kRef},
      {"2026-01-02T15:04:05.123456789Z", kRef + 123'456'789},
      {"2026-01-02T16:04:05.5+01:00", kRef + 500'000'000},
      {"2026-01-02T15:04:05", kRef},                         // ISO without offset: the zone (UTC)
      {"2026-01-02 15:04:05", kRef},                         // MySQL
      {"2026-01-02 15:04:05.123456", kRef + 123'456'000},    // MySQL with microseconds
      {"2026-01-02 15:04:05,123", kRef + 123'000'000},       // Python logging
      {"20260102T150405Z", kRef},                            // ISO basic
      {"2026/01/02 15:04:05", kRef},                         // Go log
      {"2026/01/02 15:04:05.000123", kRef + 123'000},
      {"02/Jan/2026:15:04:05 -0700", kRef + 7 * kHour},      // nginx / Apache
      {"02/Jan/2026:15:04:05 +0000", kRef},
      {"1767366245", kRef},                                  // epoch by digit count
      {"1767366245.25", kRef + 250'000'000},
      {"1767366245123", kRef + 123'000'000},
      {"1767366245123456", kRef + 123'456'000},
      {"1767366245123456789", kRef + 123'456'789},
      {"Fri, 02 Jan 2026 15:04:05 GMT", kRef},               // RFC 1123
      {"Fri, 02 Jan 2026 15:04:05 -0700", kRef + 7 * kHour}, // RFC 1123Z
      {"Fri, 2 Jan 2026 15:04:05 +0100", kRef - kHour},      // RFC 2822
      {"Fri Jan  2 15:04:05 2026", kRef},                    // ANSIC
      {"Fri Jan 02 15:04:05 2026", kRef},
      {"Fri Jan  2 15:04:05 PST 2026", kRef + 8 * kHour},    // Unix date
      {"Fri Jan 02 15:04:05 -0700 2026", kRef + 7 * kHour},  // Ruby date
  };
  for (const Case& c : cases) EXPECT_EQ(p.Parse(c.text), c.expected) << c.text;
  for (const char* bad : {"", "2026", "176736624", "17673662451", "17673662451234567890", "12345678901234",
                          "1767366245123456789.5", "2026-01-02T15:04:05+", "2026/01/02T15:04:05",
                          "02/Jan/2026:15:04:05", "02/Foo/2026:15:04:05 -0700", "Fri, 02 Jan 2026 15:04:05",
                          "Fri, 02 Jan 2026 15:04:05 CEST", "Fri Jan  2 15:04:05", "Foo Jan  2 15:04:05 2026",
                          "Jan 32 15:04:05", "Foo  2 15:04:05", "-1767366245", "hello world, this is no time",
                          "2026-02-29 00:00:00"}) {
    EXPECT_EQ(p.Parse(bad), std::nullopt) << bad;
  }
}

TEST(TimestampParserAutoTest, SyslogTakesTheYearClosestBeforeNow) {
  const TimestampParser p = Make({"auto"});
  // Read on 2026-01-02 at 16:00: this year's Jan 2.
  EXPECT_EQ(p.Parse("Jan  2 15:04:05", kRef + kHour), kRef);
  EXPECT_EQ(p.Parse("jan 2 15:04:05.250", kRef + kHour), kRef + 250'000'000);
  // Less than a day ahead of now (a clock a little fast): still this year.
  EXPECT_EQ(p.Parse("Jan  2 15:04:05", kRef - 20 * kHour), kRef);
  // More than a day ahead: last year's.
  EXPECT_EQ(p.Parse("Jan  3 15:04:05", kRef - kHour), kRef + kDay - 365 * kDay);
  // Dec 31 lines read on Jan 1: last year.
  const Nanos new_year_morning = kJan1st2026 + 10 * kMinute;
  EXPECT_EQ(p.Parse("Dec 31 23:59:59", new_year_morning), kJan1st2026 - kSecond);
  // Jan 1 lines read on Dec 31: next year, when at most a day ahead.
  EXPECT_EQ(p.Parse("Jan  1 00:00:01", kJan1st2026 - kMinute), kJan1st2026 + kSecond);
  // Feb 29 read in 2026: 2024's.
  EXPECT_EQ(p.Parse("Feb 29 12:00:00", kRef), 1'709'164'800 * kSecond + 12 * kHour);
  // Without `now`, the clock: a time a minute ago is today's.
  const Nanos now = WallNowNanos();
  const TimestampParser strftime = Make({"%b %e %H:%M:%S"});
  const std::optional<Nanos> recent = strftime.Parse(
      [&] {
        const absl::CivilSecond c = absl::ToCivilSecond(absl::FromUnixNanos(now - kMinute), absl::UTCTimeZone());
        char text[32];
        static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        std::snprintf(text, sizeof text, "%s %2d %02d:%02d:%02d", kMonths[c.month() - 1], c.day(), c.hour(),
                      c.minute(), c.second());
        return std::string(text);
      }());
  ASSERT_TRUE(recent.has_value());
  EXPECT_NEAR(static_cast<double>(*recent), static_cast<double>(now - kMinute), 1.0 * kSecond);
}

// ---------------------------------------------------------------- validation

TEST(TimestampParserValidationTest, RefusesImpossibleDatesAndTimes) {
  const TimestampParser p = Make({"%Y-%m-%d %H:%M:%S"});
  EXPECT_EQ(p.Parse("2024-02-29 00:00:00"), 1'709'164'800 * kSecond);  // leap year
  EXPECT_EQ(p.Parse("2000-02-29 00:00:00"), 951'782'400 * kSecond);    // divisible by 400: leap
  EXPECT_EQ(p.Parse("2026-02-29 00:00:00"), std::nullopt);
  EXPECT_EQ(p.Parse("2100-02-29 00:00:00"), std::nullopt);  // divisible by 100: not leap
  EXPECT_EQ(p.Parse("1900-02-29 00:00:00"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-04-31 00:00:00"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-04-30 00:00:00"), 1'777'507'200 * kSecond);
  EXPECT_EQ(p.Parse("2026-00-10 00:00:00"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-13-10 00:00:00"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-00 00:00:00"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-02 24:00:00"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-02 23:60:00"), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-02 23:59:61"), std::nullopt);
  EXPECT_EQ(p.Parse("2016-12-31 23:59:60"), 1'483'228'799 * kSecond);  // a leap second reads as :59
  EXPECT_EQ(p.Parse("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(p.Parse("1969-12-31 23:59:59"), -kSecond);
  EXPECT_EQ(p.Parse("2262-04-11 23:47:16"), 9'223'372'036 * kSecond);  // the last second Nanos holds
  EXPECT_EQ(p.Parse("2262-04-11 23:47:17"), std::nullopt);
  EXPECT_EQ(p.Parse("1677-09-21 00:12:44"), -9'223'372'036 * kSecond);
  EXPECT_EQ(p.Parse("1677-09-21 00:12:43"), std::nullopt);
  EXPECT_EQ(p.Parse("0000-01-01 00:00:00"), std::nullopt);  // a valid year, outside Nanos
  EXPECT_EQ(p.Parse("9999-12-31 23:59:59"), std::nullopt);
  EXPECT_EQ(Make({"%I:%M %p %F"}).Parse("13:00 PM 2026-01-02"), kRef - 2 * kHour - 4 * kMinute - 5 * kSecond);
}

TEST(TimestampParserValidationTest, EveryDayOfFourHundredYearsMatchesAbseil) {
  const TimestampParser p = Make({"%F %T"});
  char text[32];
  for (int year = 1800; year < 2200; ++year) {
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= 31; ++day) {
        std::snprintf(text, sizeof text, "%04d-%02d-%02d 12:34:56", year, month, day);
        const absl::CivilSecond civil(year, month, day, 12, 34, 56);
        const bool exists = civil.day() == day;  // abseil normalises Feb 30 to Mar 2
        const std::optional<Nanos> parsed = p.Parse(text);
        ASSERT_EQ(parsed.has_value(), exists) << text;
        if (exists) {
          ASSERT_EQ(*parsed, absl::ToUnixNanos(absl::FromCivil(civil, absl::UTCTimeZone()))) << text;
        }
      }
    }
  }
}

// ---------------------------------------------------------------- zones

TEST(TimestampParserZoneTest, FixedOffsetsAndUtc) {
  for (const char* utc : {"UTC", "utc", "Z", "GMT", "", "+00:00"}) {
    EXPECT_EQ(Make({"%F %T"}, utc).Parse("2026-01-02 15:04:05"), kRef) << utc;
  }
  EXPECT_EQ(Make({"%F %T"}, "+02:00").Parse("2026-01-02 17:04:05"), kRef);
  EXPECT_EQ(Make({"%F %T"}, "-0530").Parse("2026-01-02 09:34:05"), kRef);
  EXPECT_EQ(Make({"%F %T"}, "+02").Parse("2026-01-02 17:04:05"), kRef);
  EXPECT_EQ(Make({"%F %T"}, "UTC+02:00").Parse("2026-01-02 17:04:05"), kRef);
  EXPECT_EQ(Make({"%F %T"}, "-05:00").time_zone().name(), "-05:00");
  EXPECT_TRUE(Make({"%F %T"}, "-05:00").time_zone().has_fixed_offset());
  // A zone without changes since 1677 needs no table either.
  EXPECT_TRUE(Make({"%F %T"}, "Etc/GMT-3").time_zone().has_fixed_offset());
  EXPECT_EQ(Make({"%F %T"}, "Etc/GMT-3").Parse("2026-01-02 18:04:05"), kRef);  // POSIX sign: GMT-3 is +03:00
}

TEST(TimestampParserZoneTest, RefusesBadZonesWithAClearMessage) {
  EXPECT_EQ(CreateError({"rfc3339"}, "Europe/Berln"),
            "unknown time zone \"Europe/Berln\": expected UTC, Local, an offset like +02:00, or an IANA name like "
            "Europe/Berlin (from /usr/share/zoneinfo; is tzdata installed?)");
  EXPECT_NE(CreateError({"rfc3339"}, "+25:00").find("invalid time zone offset \"+25:00\""), std::string::npos);
  EXPECT_NE(CreateError({"rfc3339"}, "+02:60").find("invalid time zone offset"), std::string::npos);
  EXPECT_NE(CreateError({"rfc3339"}, "+2:3").find("invalid time zone offset"), std::string::npos);
  EXPECT_NE(CreateError({"rfc3339"}, "../../etc/passwd").find("unknown time zone"), std::string::npos);
  EXPECT_NE(CreateError({"rfc3339"}, "/etc/localtime").find("unknown time zone"), std::string::npos);
}

TEST(TimestampParserZoneTest, IanaZoneAcrossDaylightSavingChanges) {
  const TimestampParser p = Make({"%F %T"}, "Europe/Berlin");
  EXPECT_FALSE(p.time_zone().has_fixed_offset());
  EXPECT_EQ(p.Parse("2026-01-02 16:04:05"), kRef);  // winter: +01:00
  // 2026-03-29: clocks go forward at 02:00 (01:00 UTC) to 03:00.
  const Nanos spring = 1'774'746'000 * kSecond;  // 2026-03-29T01:00:00Z
  EXPECT_EQ(p.Parse("2026-03-29 01:59:59"), spring - kSecond);
  EXPECT_EQ(p.Parse("2026-03-29 03:00:00"), spring);
  // 02:30 does not exist: read with the offset before the change (+01:00): 01:30 UTC = 03:30 CEST.
  EXPECT_EQ(p.Parse("2026-03-29 02:30:00"), spring + 30 * kMinute);
  EXPECT_EQ(p.Parse("2026-07-01 14:00:00"), 1'782'907'200 * kSecond);  // summer: +02:00
  // 2026-10-25: clocks go back at 03:00 (01:00 UTC) to 02:00; 02:00-02:59 happen twice.
  const Nanos autumn = 1'792'890'000 * kSecond;  // 2026-10-25T01:00:00Z
  EXPECT_EQ(p.Parse("2026-10-25 01:59:59"), autumn - kHour - kSecond);
  EXPECT_EQ(p.Parse("2026-10-25 02:30:00"), autumn - 30 * kMinute);  // the first 02:30 (+02:00)
  EXPECT_EQ(p.Parse("2026-10-25 03:00:00"), autumn + kHour);
  // The offset in the text wins over the zone.
  EXPECT_EQ(Make({"%F %T%z"}, "Europe/Berlin").Parse("2026-07-01 14:00:00Z"), 1'782'914'400 * kSecond);

  const TimestampParser ny = Make({"%F %T"}, "America/New_York");
  EXPECT_EQ(ny.Parse("2026-01-02 10:04:05"), kRef);  // -05:00
  EXPECT_EQ(ny.Parse("2026-07-01 08:00:00"), 1'782'907'200 * kSecond);  // -04:00
  // Far future (beyond the tzdata file's explicit transitions: its rule): still DST in July.
  EXPECT_EQ(ny.Parse("2200-07-01 08:00:00"), 7'273'800'000 * kSecond);
}

// The table made at Create converts exactly as abseil does (TimeInfo::pre), over the whole span.
TEST(TimestampParserZoneTest, TableAgreesWithAbseilEverywhere) {
  std::mt19937_64 rng(7);
  for (const char* name : {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                           "America/Sao_Paulo", "Pacific/Apia", "Europe/Dublin", "Africa/Casablanca"}) {
    std::string error;
    const std::optional<TimeZoneRules> rules = TimeZoneRules::Create(name, &error);
    ASSERT_TRUE(rules.has_value()) << error;
    absl::TimeZone zone;
    ASSERT_TRUE(absl::LoadTimeZone(name, &zone));
    const int64_t first = -9'000'000'000, last = 9'000'000'000;
    for (int i = 0; i < 200'000; ++i) {
      const int64_t local = first + static_cast<int64_t>(rng() % static_cast<uint64_t>(last - first));
      const absl::CivilSecond civil = absl::CivilSecond(1970, 1, 1, 0, 0, 0) + local;
      const int64_t expected = absl::ToUnixSeconds(zone.At(civil).pre);
      ASSERT_EQ(rules->LocalToUnixSeconds(local), expected) << name << " " << civil;
    }
    // Around every change from 1900 on, second by second near the edges.
    absl::Time cursor = absl::FromCivil(absl::CivilSecond(1900, 1, 1, 0, 0, 0), zone);
    absl::TimeZone::CivilTransition change;
    while (zone.NextTransition(cursor, &change) && change.to.year() < 2200) {
      cursor = zone.At(change.to).trans;
      for (const absl::CivilSecond edge : {change.from, change.to}) {
        for (int delta : {-3601, -3600, -1, 0, 1, 1799, 3599, 3600}) {
          const absl::CivilSecond civil = edge + delta;
          const int64_t local = civil - absl::CivilSecond(1970, 1, 1, 0, 0, 0);
          ASSERT_EQ(rules->LocalToUnixSeconds(local), absl::ToUnixSeconds(zone.At(civil).pre)) << name << " " << civil;
        }
      }
    }
  }
}

TEST(TimestampParserZoneTest, LocalFollowsTheTzVariableAtCreate) {
  const char* saved = std::getenv("TZ");
  const std::string saved_value = saved ? saved : "";
  setenv("TZ", "America/New_York", 1);
  const TimestampParser ny = Make({"%F %T"}, "Local");
  setenv("TZ", "Asia/Tokyo", 1);
  const TimestampParser tokyo = Make({"%F %T"}, "local");
  setenv("TZ", "UTC", 1);
  EXPECT_EQ(ny.Parse("2026-01-02 10:04:05"), kRef);  // resolved at Create: TZ changes do not matter
  EXPECT_EQ(tokyo.Parse("2026-01-03 00:04:05"), kRef);
  EXPECT_EQ(ny.time_zone().name(), "America/New_York");
  if (saved) {
    setenv("TZ", saved_value.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
}

// ---------------------------------------------------------------- robustness

TEST(TimestampParserRobustnessTest, GarbageAndOverlongInputAreNoTime) {
  const TimestampParser p = Make({"auto", "rfc3339", "iso8601", "unix_ms", "%Y-%m-%d %H:%M:%S%.f %z",
                                  "2006-01-02T15:04:05.999999999Z07:00", "Jan _2 15:04:05", "%s"});
  const std::string long_digits(1 << 20, '7');
  EXPECT_EQ(p.Parse(long_digits), std::nullopt);
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05." + long_digits + "Z"), kRef + 777'777'777);  // RFC 3339: any length
  EXPECT_EQ(p.Parse("2026-01-02T15:04:05Z" + std::string(1 << 20, 'x')), std::nullopt);
  EXPECT_EQ(p.Parse(std::string(1 << 20, ' ')), std::nullopt);
  EXPECT_EQ(p.Parse(std::string("2026-01-02T15:04:05Z\0", 21)), std::nullopt);
  std::mt19937_64 rng(42);
  const std::string alphabet = "0123456789-:T Z.+,/JanFebMonPMamz\xff\x00";
  for (int i = 0; i < 200'000; ++i) {
    std::string text(rng() % 40, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    (void)p.Parse(text, kRef);  // no crash, no sanitizer report
  }
  // Mutations of valid texts: still no crash, and never a time far from the original's day.
  const std::string valid = "2026-01-02T15:04:05.123456789+01:00";
  for (int i = 0; i < 100'000; ++i) {
    std::string text = valid;
    text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    if (rng() % 2) text.resize(rng() % text.size());
    (void)p.Parse(text, kRef);
  }
}

TEST(TimestampParserRobustnessTest, ParsersAreCopyableAndIndependent) {
  const TimestampParser original = Make({"%F %T"}, "Europe/Berlin");
  const TimestampParser copy = original;  // shares the zone table
  EXPECT_EQ(copy.Parse("2026-01-02 16:04:05"), kRef);
  EXPECT_EQ(original.Parse("2026-01-02 16:04:05"), kRef);
}

TEST(TimestampParserAllocationTest, ParseDoesNotAllocate) {
  const TimestampParser rfc = Make({"rfc3339"});
  const TimestampParser several = Make({"%Y-%m-%d %H:%M:%S%.f", "2006-01-02T15:04:05.000Z07:00", "unix_ms"},
                                       "Europe/Berlin");
  const TimestampParser automatic = Make({"auto"}, "America/New_York");
  const std::vector<std::string> texts = {
      "2026-01-02T15:04:05.123456789Z", "2026-01-02 15:04:05.123", "2026-01-02T15:04:05.123+01:00",
      "1767366245123", "Jan  2 15:04:05", "02/Jan/2026:15:04:05 -0700", "Fri, 02 Jan 2026 15:04:05 GMT",
      "not a time at all", std::string(4096, '9')};
  testing::AllocationCounter allocations;
  int parsed = 0;
  for (int round = 0; round < 100; ++round) {
    for (const std::string& text : texts) {
      parsed += rfc.Parse(text).has_value();
      parsed += several.Parse(text).has_value();
      parsed += automatic.Parse(text).has_value();
      parsed += automatic.Parse(text, kRef).has_value();
    }
  }
  allocations.Stop();
  EXPECT_EQ(allocations.count(), 0u);
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace logcap
