// timestamp_parse: good and bad config, and records through a compiled pipeline (the parsing
// itself is TimestampParser's, tested in timestamp_parser_test.cpp).
#include <gtest/gtest.h>

#include "testing/pipeline_testing.h"

namespace logcap {
namespace {

using testing::CompilePipelinesYaml;
using testing::ErrorsText;
using testing::EventLabel;
using testing::FieldsJson;

constexpr Nanos kSecond = kNanosPerSecond;
constexpr Nanos kRef = 1'767'366'245 * kSecond;  // 2026-01-02T15:04:05Z

class TimestampParseStepTest : public testing::PipelineStepTest {
 protected:
  // Lines read an hour after kRef, so a time without a year takes kRef's.
  EventBatch Run(const PipelineSet& set, const std::vector<std::string>& lines, Nanos read_time = kRef + 3600 * kSecond) {
    return PipelineStepTest::Run(set, lines, nullptr, read_time);
  }
};

TEST_F(TimestampParseStepTest, ByDefaultDetectsTheMessagesTimeAndSetsTheEventTime) {
  auto set = Compile(R"(
      - type: timestamp_parse
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"2026-01-02T15:04:05.5Z", " 1767366245 ", "Fri, 02 Jan 2026 16:04:05 +0100"});
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.events()[0].timestamp(), kRef + 500'000'000);
  EXPECT_EQ(batch.events()[1].timestamp(), kRef);
  EXPECT_EQ(batch.events()[2].timestamp(), kRef);
  EXPECT_EQ(batch.events()[0].message, "2026-01-02T15:04:05.5Z");  // the message is left alone
  EXPECT_EQ(FieldsJson(batch, batch.events()[0]), "");
}

TEST_F(TimestampParseStepTest, ReadsAFieldCutOutByARegexAndRemovesIt) {
  auto set = Compile(R"yaml(
      - type: regex_extract
        config:
          pattern: '^\S+ - \S+ \[(?<_temp_time>[^\]]+)\] "(?<request>[^"]*)"'
      - type: timestamp_parse
        config:
          field: _temp_time
          format: "02/Jan/2006:15:04:05 -0700"
          remove_field: true
)yaml");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {R"(203.0.113.7 - alice [02/Jan/2026:08:04:05 -0700] "GET / HTTP/1.1" 200 5)"});
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.timestamp(), kRef);
  EXPECT_EQ(FieldsJson(batch, e), R"({"request":"GET / HTTP/1.1"})");
}

TEST_F(TimestampParseStepTest, TriesFormatsInOrderInTheGivenZone) {
  auto set = Compile(R"(
      - type: timestamp_parse
        config:
          formats: ["%d/%m/%Y %H:%M:%S", "unix_ms"]
          timezone: Europe/Berlin
)");
  ASSERT_NE(set, nullptr);
  EventBatch batch = Run(*set, {"02/01/2026 16:04:05", "1767366245000"});
  EXPECT_EQ(batch.events()[0].timestamp(), kRef);  // 16:04 in Berlin's winter is 15:04 UTC
  EXPECT_EQ(batch.events()[1].timestamp(), kRef);
}

TEST_F(TimestampParseStepTest, WritesRfc3339IntoATargetFieldOrLabel) {
  auto set = Compile(R"(
      - name: to_field
        type: timestamp_parse
        config:
          format: "%Y-%m-%d %H:%M:%S"
          target: fields.parsed_at
      - name: to_label_and_time
        type: timestamp_parse
        config:
          format: "%Y-%m-%d %H:%M:%S"
          target_field: labels.day_time
          use_as_log_timestamp: true
)");
  ASSERT_NE(set, nullptr);
  const Nanos read_time = kRef + 3600 * kSecond;
  EventBatch batch = Run(*set, {"2026-01-02 15:04:05"}, read_time);
  const Event& e = batch.events()[0];
  EXPECT_EQ(FieldsJson(batch, e), R"({"parsed_at":"2026-01-02T15:04:05.000000000Z"})");
  EXPECT_EQ(EventLabel(batch, e, "day_time"), "2026-01-02T15:04:05.000000000Z");
  EXPECT_EQ(e.timestamp(), kRef);  // set by the second step only
}

TEST_F(TimestampParseStepTest, SyslogTimesTakeTheYearOfTheReadTime) {
  auto set = Compile(R"(
      - type: timestamp_parse
        config:
          format: "Jan _2 15:04:05"
)");
  ASSERT_NE(set, nullptr);
  // Read on 2026-01-01 00:10 UTC: a Dec 31 line is from 2025.
  const Nanos new_year = 1'767'225'600 * kSecond;
  EventBatch batch = Run(*set, {"Dec 31 23:59:59", "Jan  1 00:05:00"}, new_year + 600 * kSecond);
  EXPECT_EQ(batch.events()[0].timestamp(), new_year - kSecond);
  EXPECT_EQ(batch.events()[1].timestamp(), new_year + 300 * kSecond);
}

TEST_F(TimestampParseStepTest, AnUnreadableTimeIsMarkedAndCountedNotLost) {
  auto set = Compile(R"(
      - name: parse_time
        type: timestamp_parse
        config:
          format: rfc3339
)");
  ASSERT_NE(set, nullptr);
  const Nanos read_time = kRef + 3600 * kSecond;
  EventBatch batch = Run(*set, {"2026-13-02T15:04:05Z", "ok 2026-01-02T15:04:05Z"}, read_time);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.events()[0].timestamp(), read_time);  // unchanged
  EXPECT_EQ(FieldsJson(batch, batch.events()[0]), R"({"_error":"parse_time: no format matched '2026-13-02T15:04:05Z'"})");
  EXPECT_EQ(FieldsJson(batch, batch.events()[1]),
            R"({"_error":"parse_time: no format matched 'ok 2026-01-02T15:04:05Z'"})");
  EXPECT_EQ(metrics_.PipelineStepEvents("default", "parse_time", "error").Value(), 2);

  // A long text is cut in the message.
  batch = Run(*set, {std::string(100, 'x')}, read_time);
  EXPECT_EQ(FieldsJson(batch, batch.events()[0]),
            R"({"_error":"parse_time: no format matched ')" + std::string(64, 'x') + R"(...'"})");
  // ... between characters: "é" (2 bytes) at bytes 63-64 is left out whole.
  batch = Run(*set, {std::string(63, 'x') + "\xC3\xA9" + std::string(10, 'x')}, read_time);
  EXPECT_EQ(FieldsJson(batch, batch.events()[0]),
            R"({"_error":"parse_time: no format matched ')" + std::string(63, 'x') + R"(...'"})");
}

TEST_F(TimestampParseStepTest, AMissingFieldIsLeftAlone) {
  auto set = Compile(R"(
      - type: timestamp_parse
        config:
          field: time
)");
  ASSERT_NE(set, nullptr);
  const Nanos read_time = kRef + 3600 * kSecond;
  EventBatch batch = Run(*set, {"no time field here"}, read_time);
  EXPECT_EQ(batch.events()[0].timestamp(), read_time);
  EXPECT_EQ(FieldsJson(batch, batch.events()[0]), "");
}

TEST_F(TimestampParseStepTest, ReportsBadConfigAtTheKey) {
  EXPECT_NE(CompileErrors(R"(
      - type: timestamp_parse
        config:
          format: "%Y-%m-%d %Q"
)").find("format: invalid timestamp format \"%Y-%m-%d %Q\": unknown directive %Q"),
            std::string::npos)
      << ErrorsText(errors_);
  EXPECT_NE(CompileErrors(R"(
      - type: timestamp_parse
        config:
          timezone: Mars/Olympus_Mons
)").find("unknown time zone \"Mars/Olympus_Mons\""),
            std::string::npos)
      << ErrorsText(errors_);
  EXPECT_NE(CompileErrors(R"(
      - type: timestamp_parse
        config:
          format: rfc3339
          formats: [unix]
)").find("give either `format` or `formats`"),
            std::string::npos);
  EXPECT_NE(CompileErrors(R"(
      - type: timestamp_parse
        config:
          target: source_type
)").find("target: expected `timestamp`"),
            std::string::npos);
  EXPECT_NE(CompileErrors(R"(
      - type: timestamp_parse
        config:
          remove_field: true
)").find("only a field or a label can be removed"),
            std::string::npos);
  EXPECT_NE(CompileErrors(R"(
      - type: timestamp_parse
        config:
          field: t
          remove_field: true
          keep_field: true
)").find("keep_field: contradicts remove_field"),
            std::string::npos);
  EXPECT_NE(CompileErrors(R"(
      - type: timestamp_parse
        config:
          use_as_log_timestamp: false
)").find("the time would go nowhere"),
            std::string::npos);
  EXPECT_NE(CompileErrors(R"(
      - type: timestamp_parse
        config:
          formt: rfc3339
)").find("unknown key 'formt'"),
            std::string::npos)
      << ErrorsText(errors_);
}

}  // namespace
}  // namespace logcap
