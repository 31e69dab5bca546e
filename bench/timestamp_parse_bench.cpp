// TimestampParser, the hot path of the timestamp_parse step: ns per parse (the Time column; one
// parse per iteration) for each kind of format, and two references: core's ParseRfc3339 (one
// fixed format, hand-written) and abseil's absl::ParseTime (a general strftime-style parser).
//
// Input: 1,024 times spread over two years (2025-2026) with random fractions, written in the
// benchmark's format; iterations cycle through them, so the branch predictor cannot learn one
// text.
#include <benchmark/benchmark.h>

#include <absl/time/time.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "processing/timestamp_parser.h"

namespace logcap {
namespace {

constexpr size_t kTexts = 1024;  // a power of two: the index wraps with a mask

// kTexts times, written with absl::FormatTime(layout) in zone.
std::vector<std::string> Texts(const std::string& layout, absl::TimeZone zone = absl::UTCTimeZone()) {
  std::mt19937_64 rng(42);
  const int64_t start = 1'735'689'600;  // 2025-01-01T00:00:00Z
  std::vector<std::string> out;
  for (size_t i = 0; i < kTexts; ++i) {
    const int64_t seconds = start + static_cast<int64_t>(rng() % (2 * 365 * 86400));
    const int64_t nanos = static_cast<int64_t>(rng() % 1'000'000'000);
    out.push_back(absl::FormatTime(layout, absl::FromUnixNanos(seconds * kNanosPerSecond + nanos), zone));
  }
  return out;
}

TimestampParser Parser(std::vector<std::string> formats, std::string_view zone = "UTC") {
  std::string error;
  std::optional<TimestampParser> parser = TimestampParser::Create(formats, zone, &error);
  if (!parser) std::abort();
  return std::move(*parser);
}

// One parse per iteration, cycling through texts; now is fixed so yearless texts do not read the clock.
void RunParser(benchmark::State& state, const TimestampParser& parser, const std::vector<std::string>& texts) {
  const Nanos now = 1'798'761'600 * kNanosPerSecond;  // 2027-01-01
  for (const std::string& text : texts) {
    if (!parser.Parse(text, now)) {
      state.SkipWithError(("not parsed: " + text).c_str());
      return;
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parser.Parse(texts[i++ & (kTexts - 1)], now));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Rfc3339(benchmark::State& state) {
  RunParser(state, Parser({"rfc3339"}), Texts("%Y-%m-%d%ET%H:%M:%E*S%Ez"));
}
BENCHMARK(BM_Rfc3339);

void BM_Rfc3339NanosZ(benchmark::State& state) {
  RunParser(state, Parser({"rfc3339"}), Texts("%Y-%m-%d%ET%H:%M:%E9SZ"));
}
BENCHMARK(BM_Rfc3339NanosZ);

void BM_Strftime(benchmark::State& state) {
  RunParser(state, Parser({"%Y-%m-%d %H:%M:%S"}), Texts("%Y-%m-%d %H:%M:%S"));
}
BENCHMARK(BM_Strftime);

void BM_StrftimeFraction(benchmark::State& state) {
  RunParser(state, Parser({"%Y-%m-%d %H:%M:%S.%f"}), Texts("%Y-%m-%d %H:%M:%E6S"));
}
BENCHMARK(BM_StrftimeFraction);

void BM_GoLayoutIso(benchmark::State& state) {
  RunParser(state, Parser({"2006-01-02T15:04:05.000Z07:00"}), Texts("%Y-%m-%d%ET%H:%M:%E3S%Ez"));
}
BENCHMARK(BM_GoLayoutIso);

void BM_GoLayoutNginx(benchmark::State& state) {
  RunParser(state, Parser({"02/Jan/2006:15:04:05 -0700"}), Texts("%d/%b/%Y:%H:%M:%S %z"));
}
BENCHMARK(BM_GoLayoutNginx);

void BM_UnixMillis(benchmark::State& state) {
  std::vector<std::string> texts = Texts("%s%E3f");  // seconds then 3 fraction digits, no point
  for (std::string& t : texts) t.erase(std::remove(t.begin(), t.end(), '.'), t.end());
  RunParser(state, Parser({"unix_ms"}), texts);
}
BENCHMARK(BM_UnixMillis);

void BM_AutoRfc3339(benchmark::State& state) {
  RunParser(state, Parser({"auto"}), Texts("%Y-%m-%d%ET%H:%M:%E*S%Ez"));
}
BENCHMARK(BM_AutoRfc3339);

void BM_AutoMysql(benchmark::State& state) {
  RunParser(state, Parser({"auto"}), Texts("%Y-%m-%d %H:%M:%E6S"));
}
BENCHMARK(BM_AutoMysql);

void BM_AutoNginx(benchmark::State& state) {
  RunParser(state, Parser({"auto"}), Texts("%d/%b/%Y:%H:%M:%S %z"));
}
BENCHMARK(BM_AutoNginx);

void BM_AutoSyslog(benchmark::State& state) {
  RunParser(state, Parser({"auto"}), Texts("%b %e %H:%M:%S"));
}
BENCHMARK(BM_AutoSyslog);

void BM_AutoEpochSeconds(benchmark::State& state) {
  RunParser(state, Parser({"auto"}), Texts("%s"));
}
BENCHMARK(BM_AutoEpochSeconds);

// Every family in turn: what `auto` costs on a mixed input.
void BM_AutoMixed(benchmark::State& state) {
  const char* layouts[] = {"%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d %H:%M:%E6S", "%Y/%m/%d %H:%M:%S",
                           "%d/%b/%Y:%H:%M:%S %z",      "%b %e %H:%M:%S",      "%a, %d %b %Y %H:%M:%S %z",
                           "%a %b %e %H:%M:%S %Y",      "%s"};
  std::vector<std::vector<std::string>> families;
  for (const char* layout : layouts) families.push_back(Texts(layout));
  std::vector<std::string> texts;
  for (size_t i = 0; i < kTexts; ++i) texts.push_back(families[i % families.size()][i]);
  RunParser(state, Parser({"auto"}), texts);
}
BENCHMARK(BM_AutoMixed);

// Local times in an IANA zone (a binary search in the zone's table), and in a fixed offset.
void BM_StrftimeIanaZone(benchmark::State& state) {
  absl::TimeZone berlin;
  if (!absl::LoadTimeZone("Europe/Berlin", &berlin)) std::abort();
  RunParser(state, Parser({"%Y-%m-%d %H:%M:%S"}, "Europe/Berlin"), Texts("%Y-%m-%d %H:%M:%S", berlin));
}
BENCHMARK(BM_StrftimeIanaZone);

void BM_StrftimeFixedOffset(benchmark::State& state) {
  RunParser(state, Parser({"%Y-%m-%d %H:%M:%S"}, "+02:00"), Texts("%Y-%m-%d %H:%M:%S", absl::FixedTimeZone(7200)));
}
BENCHMARK(BM_StrftimeFixedOffset);

// The second of three formats matches: the cost of a miss first.
void BM_ThreeFormatsSecondMatches(benchmark::State& state) {
  RunParser(state, Parser({"%d/%m/%Y %H:%M:%S", "rfc3339", "unix"}), Texts("%Y-%m-%d%ET%H:%M:%E*S%Ez"));
}
BENCHMARK(BM_ThreeFormatsSecondMatches);

// References.
void BM_ReferenceCoreParseRfc3339(benchmark::State& state) {
  const std::vector<std::string> texts = Texts("%Y-%m-%d%ET%H:%M:%E*S%Ez");
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ParseRfc3339(texts[i++ & (kTexts - 1)]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReferenceCoreParseRfc3339);

void BM_ReferenceAbslParseTimeRfc3339(benchmark::State& state) {
  const std::vector<std::string> texts = Texts("%Y-%m-%d%ET%H:%M:%E*S%Ez");
  size_t i = 0;
  for (auto _ : state) {
    absl::Time t;
    std::string error;
    benchmark::DoNotOptimize(absl::ParseTime(absl::RFC3339_full, texts[i++ & (kTexts - 1)], &t, &error));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReferenceAbslParseTimeRfc3339);

}  // namespace
}  // namespace logcap
