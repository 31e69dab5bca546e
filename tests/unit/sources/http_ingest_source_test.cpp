#include "sources/http/http_ingest_source.h"

#include <gtest/gtest.h>

#include <vector>

namespace logcap {
namespace {

// Takes or refuses batches as told, and keeps what it took.
class FakeConsumer : public BatchConsumer {
 public:
  bool Push(EventBatch&& batch) override {
    batches.push_back(std::move(batch));
    return true;
  }
  Offer TryPush(EventBatch&& batch) override {
    if (answer != Offer::kAccepted) return answer;
    batches.push_back(std::move(batch));
    return Offer::kAccepted;
  }
  Offer answer = Offer::kAccepted;
  std::vector<EventBatch> batches;
};

class HttpIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SourceContext context;
    context.output = &consumer_;
    ASSERT_TRUE(source_.Start(context).ok());
  }
  FakeConsumer consumer_;
  HttpIngestSource source_;
};

TEST_F(HttpIngestTest, OneObjectBecomesOneEventWithLevelTimeAndLabels) {
  IngestResponse r = source_.Ingest(
      R"({"message":"hello","level":"WARNING","timestamp":"2026-11-23T10:00:00.5Z","labels":{"app":"web"}})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.json, R"({"accepted":1})");
  ASSERT_EQ(consumer_.batches.size(), 1u);
  const EventBatch& b = consumer_.batches[0];
  ASSERT_EQ(b.size(), 1u);
  const Event& e = b.events()[0];
  EXPECT_EQ(e.message, "hello");
  EXPECT_EQ(e.level, Level::kWarn);
  EXPECT_EQ(e.source_time, 1795428000500000000LL);
  EXPECT_NE(e.read_time, 0);
  EXPECT_EQ(e.source->type, "http");
  EXPECT_EQ(e.source->id, "http-ingest");
  ASSERT_NE(b.AttributesOf(e), nullptr);
  EXPECT_EQ(*b.AttributesOf(e)->labels.Find("app"), "web");
}

TEST_F(HttpIngestTest, PrettyPrintedObjectIsOneEvent) {
  EXPECT_EQ(source_.Ingest("{\n  \"message\": \"multi\nline?\"\n}").status, 400);  // raw newline in a string
  EXPECT_EQ(source_.Ingest("{\n  \"message\": \"pretty\"\n}\n").status, 202);
  ASSERT_EQ(consumer_.batches.size(), 1u);
  EXPECT_EQ(consumer_.batches[0].events()[0].message, "pretty");
}

TEST_F(HttpIngestTest, NdjsonBecomesOneBatchInOrder) {
  IngestResponse r = source_.Ingest("{\"message\":\"a\"}\n\n{\"message\":\"b\",\"timestamp\":1795428000.25}\r\n{\"message\":\"c\"}");
  EXPECT_EQ(r.status, 202) << r.json;
  ASSERT_EQ(consumer_.batches.size(), 1u);
  const auto& events = consumer_.batches[0].events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].message, "a");
  EXPECT_EQ(events[1].message, "b");
  EXPECT_EQ(events[1].source_time, 1795428000250000000LL);
  EXPECT_EQ(events[2].message, "c");
}

TEST_F(HttpIngestTest, OneBadLineRejectsTheWholeRequestAndNamesTheLine) {
  IngestResponse r = source_.Ingest("{\"message\":\"ok\"}\n{\"msg\":\"typo\"}\n{not json}\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.json.find("line 2"), std::string::npos) << r.json;
  EXPECT_NE(r.json.find("line 3"), std::string::npos) << r.json;
  EXPECT_TRUE(consumer_.batches.empty());
}

TEST_F(HttpIngestTest, WrongTypesAndUnknownLevelsAreRejected) {
  EXPECT_EQ(source_.Ingest(R"({"message":42})").status, 400);
  EXPECT_EQ(source_.Ingest(R"({"message":"x","level":"loud"})").status, 400);
  EXPECT_EQ(source_.Ingest(R"({"message":"x","timestamp":"yesterday"})").status, 400);
  EXPECT_EQ(source_.Ingest(R"({"message":"x","labels":{"n":1}})").status, 400);
  EXPECT_EQ(source_.Ingest(R"(["message"])").status, 400);
  EXPECT_EQ(source_.Ingest("").status, 400);
  EXPECT_TRUE(consumer_.batches.empty());
}

TEST_F(HttpIngestTest, FullPipelineAnswers429AndStoppingAnswers503) {
  consumer_.answer = BatchConsumer::Offer::kFull;
  EXPECT_EQ(source_.Ingest(R"({"message":"x"})").status, 429);
  consumer_.answer = BatchConsumer::Offer::kClosed;
  EXPECT_EQ(source_.Ingest(R"({"message":"x"})").status, 503);
  consumer_.answer = BatchConsumer::Offer::kAccepted;
  source_.Stop();
  EXPECT_EQ(source_.Ingest(R"({"message":"x"})").status, 503);
  EXPECT_TRUE(consumer_.batches.empty());
  EXPECT_NE(source_.StatsJson().find("\"refused_requests\":3"), std::string::npos) << source_.StatsJson();
}

}  // namespace
}  // namespace logcap
