#include "dlq/dlq_record.h"

#include <gtest/gtest.h>

#include "dlq/dlq_done_sidecar.h"
#include "dlq/dlq_file_names.h"
#include "dlq/dlq_line_reader.h"
#include "unit/dlq/dlq_test_util.h"

namespace logcap {
namespace {

using namespace dlq_test;

TEST(DlqRecordTest, WritesAndParsesEveryField) {
  DlqEntry e;
  e.sink = "lo\"ki";
  e.reason = "bad_request";
  e.error = "line1\nline2\t\\ é";
  e.attempts = 4000000000u;
  e.first_attempt = 1795428000LL * kNanosPerSecond + 1;
  e.last_attempt = 1795428001LL * kNanosPerSecond + 999999999;
  e.event_json = R"({"message":"m","labels":{"a":"b"},"fields":{"x":[1,{"y":null}]}})";
  TimestampFormatter ts;
  std::string line;
  AppendDlqRecord(e, ts, &line);
  EXPECT_EQ(line,
            "{\"time\":\"2026-11-23T10:00:01.999999999Z\",\"sink\":\"lo\\\"ki\",\"reason\":\"bad_request\","
            "\"error\":\"line1\\nline2\\t\\\\ é\",\"attempts\":4000000000,\"first_attempt\":"
            "\"2026-11-23T10:00:00.000000001Z\",\"last_attempt\":\"2026-11-23T10:00:01.999999999Z\",\"event\":" +
                e.event_json + "}\n");
  DlqRecordParser parser;
  DlqRecordView view;
  ASSERT_TRUE(parser.Parse(line, &view).ok());
  EXPECT_EQ(view.time, e.last_attempt);
  const DlqEntry back = view.ToEntry();
  EXPECT_EQ(back.sink, e.sink);
  EXPECT_EQ(back.reason, e.reason);
  EXPECT_EQ(back.error, e.error);
  EXPECT_EQ(back.attempts, e.attempts);
  EXPECT_EQ(back.first_attempt, e.first_attempt);
  EXPECT_EQ(back.last_attempt, e.last_attempt);
  EXPECT_EQ(back.event_json, e.event_json);
}

TEST(DlqRecordTest, ReadsKeysInAnyOrderAndRejectsBadLines) {
  DlqRecordParser parser;
  DlqRecordView view;
  ASSERT_TRUE(parser.Parse(R"({"event": {"message":"x"} , "other":[1], "reason":"r","sink":"s"})", &view).ok());
  EXPECT_EQ(view.event, R"({"message":"x"})");
  EXPECT_EQ(view.attempts, 1u);
  EXPECT_EQ(view.time, 0);

  const std::pair<const char*, const char*> bad[] = {
      {"", "invalid JSON"},
      {"nope", "invalid JSON"},
      {R"({"sink":"s","reason":"r"})", "missing \"event\""},
      {R"({"sink":"s","event":{}})", "missing \"reason\""},
      {R"({"reason":"r","event":{}})", "missing \"sink\""},
      {R"({"sink":1,"reason":"r","event":{}})", "\"sink\" must be a string"},
      {R"({"sink":"s","reason":"r","event":"{}"})", "\"event\" must be an object"},
      {R"({"sink":"s","reason":"r","event":{},"time":"later"})", "\"time\" must be an RFC 3339 time"},
      {R"({"sink":"s","reason":"r","event":{},"attempts":-1})", "\"attempts\""},
      {R"({"sink":"s","reason":"r","event":{},"last_attempt":"9999-01-01T00:00:00Z"})", "\"last_attempt\" must be"},
      {R"({"sink":"s","reason":"r","event":{}} {"a":1})", "after the object"},
      {R"({"sink":"s","reason":"r","event":{}} x)", "dlq record: "},
      {R"({"sink":"s","reason":"r","event":{"a":1})", "invalid JSON"},
  };
  for (const auto& [line, problem] : bad) {
    Status s = parser.Parse(line, &view);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << line;
    EXPECT_NE(s.message().find(problem), std::string::npos) << line << " -> " << s.message();
  }
}

TEST(DlqFileNamesTest, FormatsAndParses) {
  EXPECT_EQ(DlqDataFileName(42), "dlq-00000000000000000042.ndjson");
  EXPECT_EQ(ParseDlqDataFileName("dlq-00000000000000000042.ndjson"), 42u);
  EXPECT_EQ(ParseDlqDataFileName(DlqDataFileName(UINT64_MAX)), UINT64_MAX);
  EXPECT_EQ(ParseDlqDataFileName("dlq-99999999999999999999.ndjson"), std::nullopt);  // overflows
  EXPECT_EQ(ParseDlqDataFileName("dlq-0000000000000000004x.ndjson"), std::nullopt);
  EXPECT_EQ(ParseDlqDataFileName("dlq-42.ndjson"), std::nullopt);
  EXPECT_EQ(ParseDlqDataFileName("dlq-00000000000000000042.ndjson.done"), std::nullopt);
  EXPECT_EQ(ParseDlqSidecarName("dlq-00000000000000000042.ndjson.done"), 42u);
  EXPECT_EQ(ParseDlqSidecarName("dlq-00000000000000000042.ndjson"), std::nullopt);
}

TEST(DlqDoneSidecarTest, IgnoresTornAndMalformedLines) {
  TempDir dir;
  const std::string path = dir.path() + "/x.done";
  std::unordered_set<uint64_t> offsets;
  ASSERT_TRUE(ReadDlqDoneOffsets(path, &offsets).ok());  // missing: empty
  EXPECT_TRUE(offsets.empty());
  {
    std::ofstream out(path);
    const uint64_t values[] = {0, 17, 18446744073709551615ull};
    out << FormatDlqDoneOffsets(values) << "12x\n\n99999999999999999999\n12";
  }
  ASSERT_TRUE(ReadDlqDoneOffsets(path, &offsets).ok());
  EXPECT_EQ(offsets, (std::unordered_set<uint64_t>{0, 17, 18446744073709551615ull}));
}

TEST(DlqLineReaderTest, ReadsLinesLongerThanItsBufferAndStopsAtTheLimit) {
  TempDir dir;
  const std::string path = dir.path() + "/lines";
  const std::string long_line(3 * 1024 * 1024 + 7, 'L');
  {
    std::ofstream out(path, std::ios::binary);
    out << "a\n" << long_line << "\n\nlast" << "\n" << "torn";
  }
  DlqLineReader reader;
  ASSERT_TRUE(reader.Open(path, UINT64_MAX).ok());
  std::vector<std::pair<std::string, uint64_t>> lines;
  std::string_view line;
  uint64_t offset;
  while (reader.Next(&line, &offset)) lines.emplace_back(std::string(line), offset);
  ASSERT_TRUE(reader.status().ok());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], (std::pair<std::string, uint64_t>{"a", 0}));
  EXPECT_EQ(lines[1].first, long_line);
  EXPECT_EQ(lines[1].second, 2u);
  EXPECT_EQ(lines[2], (std::pair<std::string, uint64_t>{"", long_line.size() + 3}));
  EXPECT_EQ(lines[3], (std::pair<std::string, uint64_t>{"last", long_line.size() + 4}));
  EXPECT_EQ(reader.torn_bytes(), 4u);
  EXPECT_EQ(reader.complete_bytes(), long_line.size() + 9);

  // With a limit inside the long line, only the first line is seen.
  ASSERT_TRUE(reader.Open(path, 1000).ok());
  ASSERT_TRUE(reader.Next(&line, &offset));
  EXPECT_EQ(line, "a");
  EXPECT_FALSE(reader.Next(&line, &offset));
  EXPECT_EQ(reader.torn_bytes(), 998u);
}

}  // namespace
}  // namespace logcap
