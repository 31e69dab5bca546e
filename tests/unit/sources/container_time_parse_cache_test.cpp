#include "sources/container/time_parse_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sources/container/cri_line.h"

namespace logcap {
namespace {

// A sequence mixing hits, misses and malformed times: the cache must agree with the full parse on
// every one, whatever it remembered from the previous.
TEST(ContainerTimeParseCacheTest, AgreesWithTheFullParse) {
  const std::vector<std::string> times = {
      "2026-11-24T07:00:00.123456789Z",
      "2026-11-24T07:00:00.5Z",
      "2026-11-24T07:00:00Z",
      "2026-11-24T07:00:00.1234567891234Z",  // digits beyond 9 ignored
      "2026-11-24T07:00:00.Z",               // no fraction digit
      "2026-11-24T07:00:00.12x",
      "2026-11-24T07:00:00.1",               // no zone
      "2026-11-24T07:00:00.1+01:00",         // same prefix, other zone
      "2026-11-24T07:00:00.2+01:00",
      "2026-11-24T07:00:00.2+01:0",
      "2026-11-24T07:00:00.2z",
      "2026-11-24T07:00:01.2Z",
      "2026-11-24T07:00:01.2ZZ",
      "2026-11-24T07:00:01 2Z",
      "2026-11-24T07:00:01",
      "2026-11-24T07:00:0",
      "",
      "9999-11-24T07:00:00Z",
      "2026-11-24T07:00:01.999999999-00:30",
      "2026-11-24T07:00:01.000000001-00:30",
      "2026-11-24T07:00:01.000000001Z",
  };
  TimeParseCache cache;
  for (int round = 0; round < 2; ++round) {
    for (const std::string& t : times) EXPECT_EQ(cache.Parse(t), ParseRfc3339InRange(t)) << t;
  }
}

TEST(ContainerTimeParseCacheTest, CriLinesWithACacheParseAlike) {
  TimeParseCache cache;
  for (const char* text : {"2026-11-24T07:00:00.1Z stdout F a", "2026-11-24T07:00:00.2Z stdout F b",
                           "2026-11-24T07:00:00.Z stdout F c", "2026-11-24T08:00:00.3+01:00 stderr P d"}) {
    CriLine with, without;
    Status a = ParseCriLine(text, &with, &cache);
    Status b = ParseCriLine(text, &without);
    EXPECT_EQ(a.ok(), b.ok()) << text;
    if (a.ok()) {
      EXPECT_EQ(with.time, without.time) << text;
    } else {
      EXPECT_EQ(a.message(), b.message());
    }
  }
}

}  // namespace
}  // namespace logcap
