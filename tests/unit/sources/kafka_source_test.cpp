// KafkaSource against librdkafka's in-process mock cluster (3 brokers, real consumer groups), and
// its pure parts (consumer properties, KafkaBatchBuilder) without a broker.
#include "sources/kafka/kafka_source.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "codec/event_encoder.h"
#include "sources/kafka/kafka_batch_builder.h"
#include "sources/kafka/kafka_consumer_config.h"
#include "testing/kafka_mock_cluster.h"

namespace logcap {
namespace {

using kafka_test::MockKafka;
using namespace std::chrono_literals;

// Polls cond every 10 ms until it holds or timeout passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return cond();
}

struct Received {
  std::string message;
  std::string source_type;
  std::string source_id;
  Labels labels;
  Nanos source_time = 0;
  uint64_t partition = 0;
  uint64_t end_offset = 0;  // Kafka offset + 1
  std::string json;         // the event encoded again with AppendEventJson
};

// A BatchConsumer that records every event and keeps the batches while hold is on, so the test
// decides when (and with which outcome) their AckTokens are finalised.
class HoldingConsumer : public BatchConsumer {
 public:
  explicit HoldingConsumer(bool hold) : hold_(hold) {}

  bool Push(EventBatch&& batch) override {
    EventBatch local = std::move(batch);
    std::lock_guard<std::mutex> lock(mu_);
    for (const Event& e : local.events()) {
      Received r{std::string(e.message), e.source->type, e.source->id, e.source->labels, e.source_time,
                 e.position.stream_id, e.position.offset, {}};
      AppendEventJson(local, e, ts_, r.json);
      received_.push_back(std::move(r));
    }
    ++batches_;
    if (hold_) held_.push_back(std::move(local));
    return true;  // not held: local dies here and reports kDelivered
  }

  std::vector<Received> Events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  size_t Count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_.size();
  }
  size_t HeldCount() const {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }
  // The end offset (Kafka offset + 1) of held batch i's last event.
  uint64_t HeldEnd(size_t i) const {
    std::lock_guard<std::mutex> lock(mu_);
    return held_[i].events().back().position.offset;
  }
  void Report(size_t i, DeliveryOutcome outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    held_[i].ReportOutcome(outcome);
  }
  // Releases every held batch (their tokens are finalised) and stops holding.
  void ReleaseAll() {
    std::vector<EventBatch> release;
    {
      std::lock_guard<std::mutex> lock(mu_);
      release.swap(held_);
      hold_ = false;
    }
  }

 private:
  mutable std::mutex mu_;
  bool hold_;
  std::vector<Received> received_;
  std::vector<EventBatch> held_;
  size_t batches_ = 0;
  TimestampFormatter ts_;
};

KafkaInputConfig ConfigFor(const MockKafka& kafka, const std::string& topic, const std::string& group) {
  KafkaInputConfig c;
  c.enabled = true;
  c.brokers = {kafka.bootstraps()};
  c.topics = {topic};
  c.group_id = group;
  c.commit_interval = 100ms;
  // The mock cluster's group coordinator waits up to the members' rebalance timeout
  // (max.poll.interval.ms) for a rebalance: keep it short.
  c.librdkafka_options = {{"topic.metadata.refresh.interval.ms", "1000"},
                          {"session.timeout.ms", "3000"},
                          {"heartbeat.interval.ms", "300"},
                          {"max.poll.interval.ms", "3000"}};
  // LOGCAP_KAFKA_DEBUG=cgrp,... shows librdkafka's debug log of the sources under test.
  if (const char* debug = std::getenv("LOGCAP_KAFKA_DEBUG")) {
    c.librdkafka_options["debug"] = debug;
    spdlog::set_level(spdlog::level::debug);
  }
  return c;
}

// The group's committed offsets of topic's partitions (RD_KAFKA_OFFSET_INVALID where none), as a
// separate client sees them.
std::vector<int64_t> Committed(const MockKafka& kafka, const std::string& group, const std::string& topic,
                               int partitions) {
  char error[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", kafka.bootstraps().c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), error, sizeof error);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  std::vector<int64_t> out(static_cast<size_t>(partitions), RD_KAFKA_OFFSET_INVALID);
  if (rk == nullptr) {
    ADD_FAILURE() << error;
    return out;
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  const rd_kafka_resp_err_t err = rd_kafka_committed(rk, list, 10000);
  EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  for (int i = 0; i < list->cnt; ++i) out[static_cast<size_t>(list->elems[i].partition)] = list->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return out;
}

int64_t CommittedOf(const MockKafka& kafka, const std::string& group, const std::string& topic) {
  return Committed(kafka, group, topic, 1)[0];
}

// Event JSON lines as the Kafka sink writes them: labels, level, fields, trace context.
std::vector<std::string> EventJsonLines(int n, const std::string& prefix) {
  EventBatch batch;
  auto source = std::make_shared<SourceInfo>();
  source->type = "file";
  source->id = "/var/log/app.log";
  source->name = "app.log";
  source->labels = Labels{{"job", "varlogs"}, {"host", "h1"}};
  const SourceInfo* s = batch.RetainSource(source);
  std::vector<std::string> messages;
  for (int i = 0; i < n; ++i) messages.push_back(prefix + "-" + std::to_string(i) + " \"quoted\" \xc3\xa9");
  size_t total = 0;
  for (const auto& m : messages) total += m.size();
  ByteBlockPtr block = ByteBlock::Create(total);
  size_t used = 0;
  for (int i = 0; i < n; ++i) {
    std::memcpy(block->data() + used, messages[i].data(), messages[i].size());
    Event e;
    e.message = std::string_view(block->data() + used, messages[i].size());
    used += messages[i].size();
    e.source = s;
    e.source_time = 1'700'000'000'123'456'789LL + i;
    e.read_time = 1'800'000'000'000'000'000LL;
    e.level = i % 2 == 0 ? Level::kError : Level::kInfo;
    if (i % 3 == 0) {
      for (size_t b = 0; b < 16; ++b) e.trace.trace_id[b] = static_cast<uint8_t>(b + 1 + i);
      for (size_t b = 0; b < 8; ++b) e.trace.span_id[b] = static_cast<uint8_t>(0xA0 + b);
    }
    EventAttributes attributes;
    attributes.fields_json = "{\"user\":\"u" + std::to_string(i) + "\",\"n\":" + std::to_string(i) + "}";
    if (i % 4 == 0) attributes.labels.Set("tenant", "t" + std::to_string(i));
    e.attributes = batch.AddAttributes(std::move(attributes));
    batch.Add(e);
  }
  block->set_size(used);
  batch.RetainBlock(block);
  std::vector<std::string> lines;
  TimestampFormatter ts;
  for (const Event& e : batch.events()) {
    std::string line;
    AppendEventJson(batch, e, ts, line);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<std::string> Numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i) v.push_back(prefix + std::to_string(i));
  return v;
}

uint64_t StatOf(const KafkaSource& source, const std::string& key) {
  const std::string json = source.StatsJson();
  const std::string needle = "\"" + key + "\":";
  const size_t at = json.find(needle);
  if (at == std::string::npos) return UINT64_MAX;
  const std::string value = json.substr(at + needle.size());
  if (value.rfind("true", 0) == 0) return 1;
  if (value.rfind("false", 0) == 0) return 0;
  return std::stoull(value);
}

// ---------------------------------------------------------------- pure parts

TEST(KafkaConsumerProperties, MapEveryKey) {
  KafkaInputConfig c;
  c.brokers = {"a:9092", "b:9092"};
  c.group_id = "g1";
  c.start_from = "latest";
  c.commit_interval = 2500ms;
  c.auth = {true, "PLAIN", "u", "p"};
  std::map<std::string, std::string> p;
  for (const auto& [k, v] : KafkaConsumerProperties(c)) p[k] = v;
  EXPECT_EQ(p["bootstrap.servers"], "a:9092,b:9092");
  EXPECT_EQ(p["group.id"], "g1");
  EXPECT_EQ(p["auto.offset.reset"], "latest");
  EXPECT_EQ(p["enable.auto.commit"], "true");
  EXPECT_EQ(p["enable.auto.offset.store"], "false");
  EXPECT_EQ(p["auto.commit.interval.ms"], "2500");
  EXPECT_EQ(p["security.protocol"], "sasl_plaintext");
  c.start_from = "earliest";
  for (const auto& [k, v] : KafkaConsumerProperties(c)) p[k] = v;
  EXPECT_EQ(p["auto.offset.reset"], "earliest");
  EXPECT_TRUE(CheckKafkaProperties(KafkaConsumerProperties(c), {}, "kafka_input").ok());
}

TEST(KafkaBatchBuilder, RawKeepsOrderTimeAndLabels) {
  KafkaBatchBuilder builder("kafka_input", KafkaBatchBuilder::Format::kRaw, {{"env", "prod"}});
  std::vector<KafkaRecord> records = {{"logs", 2, 10, 1700000000123, "first"},
                                      {"logs", 2, 11, -1, ""},
                                      {"logs", 3, 5, -1, "second"}};
  EventBatch batch;
  KafkaBatchBuilder::Counts counts;
  builder.Build(records, &batch, &counts);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(counts.empty, 1u);
  EXPECT_EQ(counts.events, 2u);
  EXPECT_EQ(batch.events()[0].message, "first");
  EXPECT_EQ(batch.events()[0].source_time, 1700000000123 * kNanosPerMilli);
  EXPECT_EQ(batch.events()[0].source->id, "logs/2");
  EXPECT_EQ(batch.events()[0].source->type, "kafka");
  EXPECT_EQ(batch.events()[0].position.offset, 11u);
  EXPECT_EQ(batch.events()[1].source_time, 0);
  EXPECT_NE(batch.events()[1].read_time, 0);
  EXPECT_EQ(batch.events()[1].source->id, "logs/3");
  EXPECT_EQ(*batch.events()[1].source->labels.Find("env"), "prod");
}

TEST(KafkaBatchBuilder, MalformedJsonPassedOnRawInPlace) {
  KafkaBatchBuilder builder("kafka_input", KafkaBatchBuilder::Format::kEventJson, {{"env", "prod"}, {"job", "k"}});
  const auto lines = EventJsonLines(2, "ok");
  std::vector<KafkaRecord> records = {{"t", 0, 0, -1, "{broken"},
                                      {"t", 0, 1, -1, lines[0]},
                                      {"t", 0, 2, 1700000000000, "plain text"},
                                      {"t", 0, 3, -1, lines[1]}};
  EventBatch batch;
  KafkaBatchBuilder::Counts counts;
  builder.Build(records, &batch, &counts);
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(counts.decode_errors, 2u);
  EXPECT_EQ(batch.events()[0].message, "{broken");
  EXPECT_EQ(batch.events()[0].source->type, "kafka");
  EXPECT_EQ(batch.events()[1].message.substr(0, 4), "ok-0");
  EXPECT_EQ(batch.events()[1].source->type, "file");
  EXPECT_EQ(batch.events()[2].message, "plain text");
  EXPECT_EQ(batch.events()[2].source_time, 1700000000000 * kNanosPerMilli);
  EXPECT_EQ(batch.events()[3].message.substr(0, 4), "ok-1");
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(batch.events()[i].position.offset, i + 1);
    // Static labels everywhere; the configured value wins over the decoded one.
    EXPECT_EQ(*batch.events()[i].source->labels.Find("env"), "prod");
    EXPECT_EQ(*batch.events()[i].source->labels.Find("job"), "k");
  }
  EXPECT_EQ(*batch.events()[1].source->labels.Find("host"), "h1");
  EXPECT_EQ(batch.message_bytes(), 7 + batch.events()[1].message.size() + 10 + batch.events()[3].message.size());
}

// ---------------------------------------------------------------- against the mock cluster

class KafkaSourceTest : public ::testing::Test {
 protected:
  std::unique_ptr<KafkaSource> StartSource(const KafkaInputConfig& config, HoldingConsumer* out,
                                           size_t max_batch = 1000, Duration close_timeout = 10s) {
    auto source = std::make_unique<KafkaSource>("kafka_input", config, close_timeout);
    SourceContext context;
    context.output = out;
    context.max_batch_events = max_batch;
    Status s = source->Start(context);
    EXPECT_TRUE(s.ok()) << s.message();
    return source;
  }

  MockKafka kafka_;
};

// Three sources at once (the mock cluster's group join takes seconds): event_json without labels
// (byte-for-byte round trip, a malformed message in the middle), event_json with static labels,
// raw with static labels and Kafka timestamps.
TEST_F(KafkaSourceTest, FormatsLabelsAndDecodeErrors) {
  kafka_.CreateTopic("events", 1);
  kafka_.CreateTopic("raw", 2);
  auto lines = EventJsonLines(20, "rt");
  lines.insert(lines.begin() + 10, "this is {not json");
  kafka_.ProduceAll("events", 0, lines);
  kafka_.Produce("raw", 1, "k", "line one", 1700000000123);
  kafka_.Produce("raw", 1, "", "line two", 1700000000456);
  kafka_.Produce("raw", 1, "", "", 0, /*null_value=*/true);  // a tombstone: skipped, counted

  HoldingConsumer plain_out(false), labelled_out(false), raw_out(false);
  auto plain = StartSource(ConfigFor(kafka_, "events", "g-plain"), &plain_out);
  auto labelled_config = ConfigFor(kafka_, "events", "g-labelled");
  labelled_config.labels = {{"env", "prod"}, {"host", "configured"}};
  auto labelled = StartSource(labelled_config, &labelled_out);
  auto raw_config = ConfigFor(kafka_, "raw", "g-raw");
  raw_config.format = "raw";
  raw_config.labels = {{"env", "prod"}};
  auto raw = StartSource(raw_config, &raw_out);

  // event_json: the round trip is byte for byte; the malformed message is passed on raw, in place.
  ASSERT_TRUE(WaitFor([&] { return plain_out.Count() >= lines.size(); })) << "received " << plain_out.Count();
  auto events = plain_out.Events();
  ASSERT_EQ(events.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(events[i].end_offset, i + 1);
    if (i == 10) continue;
    EXPECT_EQ(events[i].json, lines[i] + "\n") << "event " << i;
  }
  EXPECT_EQ(events[10].message, "this is {not json");
  EXPECT_EQ(events[10].source_type, "kafka");
  EXPECT_EQ(events[10].source_id, "events/0");
  EXPECT_EQ(StatOf(*plain, "decode_errors"), 1u);
  EXPECT_EQ(StatOf(*plain, "messages"), lines.size());

  // Static labels merged over the decoded ones (the configured value wins), also on the raw one.
  ASSERT_TRUE(WaitFor([&] { return labelled_out.Count() >= lines.size(); }));
  for (const auto& e : labelled_out.Events()) {
    EXPECT_EQ(*e.labels.Find("env"), "prod");
    EXPECT_EQ(*e.labels.Find("host"), "configured");
    if (e.source_type != "kafka") {
      EXPECT_EQ(*e.labels.Find("job"), "varlogs");
    }
  }

  // raw: message, source, Kafka timestamp, labels; the tombstone is skipped but committed past.
  ASSERT_TRUE(WaitFor([&] { return raw_out.Count() >= 2 && StatOf(*raw, "empty_messages") == 1; }))
      << raw->StatsJson();
  events = raw_out.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message, "line one");
  EXPECT_EQ(events[0].source_type, "kafka");
  EXPECT_EQ(events[0].source_id, "raw/1");
  EXPECT_EQ(events[0].source_time, 1700000000123 * kNanosPerMilli);
  EXPECT_EQ(events[1].message, "line two");
  EXPECT_EQ(events[1].source_time, 1700000000456 * kNanosPerMilli);
  EXPECT_EQ(events[0].labels, (Labels{{"env", "prod"}}));
  ASSERT_TRUE(WaitFor([&] { return Committed(kafka_, "g-raw", "raw", 2)[1] == 3; }))
      << "committed " << Committed(kafka_, "g-raw", "raw", 2)[1];

  for (auto* source : {plain.get(), labelled.get(), raw.get()}) source->Stop();
  for (auto* source : {plain.get(), labelled.get(), raw.get()}) EXPECT_TRUE(source->Finish().ok());
}

TEST_F(KafkaSourceTest, CommitsOnlyReleasedBatchesAndResumesAfterRestart) {
  kafka_.CreateTopic("commit", 1);
  kafka_.ProduceAll("commit", 0, Numbered("a", 0, 50));
  auto config = ConfigFor(kafka_, "commit", "g-commit");
  config.format = "raw";
  {
    HoldingConsumer out(true);
    auto source = StartSource(config, &out);
    ASSERT_TRUE(WaitFor([&] { return out.Count() >= 50; })) << "received " << out.Count();
    // Held: nothing may be committed, even after several commit intervals.
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(CommittedOf(kafka_, "g-commit", "commit"), RD_KAFKA_OFFSET_INVALID);
    out.ReleaseAll();
    ASSERT_TRUE(WaitFor([&] { return CommittedOf(kafka_, "g-commit", "commit") == 50; }))
        << "committed " << CommittedOf(kafka_, "g-commit", "commit");
    source->Stop();
    EXPECT_TRUE(source->Finish().ok());
  }
  kafka_.ProduceAll("commit", 0, Numbered("b", 0, 10));
  HoldingConsumer out(false);
  auto source = StartSource(config, &out);
  ASSERT_TRUE(WaitFor([&] { return out.Count() >= 10; })) << "received " << out.Count();
  std::this_thread::sleep_for(300ms);  // anything acknowledged before must not come again
  const auto events = out.Events();
  ASSERT_EQ(events.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(events[static_cast<size_t>(i)].message, "b" + std::to_string(i));
  source->Stop();
  EXPECT_TRUE(source->Finish().ok());
  EXPECT_EQ(CommittedOf(kafka_, "g-commit", "commit"), 60);
}

TEST_F(KafkaSourceTest, NeverCommitsPastAFailedBatch) {
  kafka_.CreateTopic("failed", 1);
  kafka_.ProduceAll("failed", 0, Numbered("f", 0, 40));
  auto config = ConfigFor(kafka_, "failed", "g-failed");
  config.format = "raw";
  HoldingConsumer out(true);
  auto source = StartSource(config, &out, /*max_batch=*/10);
  ASSERT_TRUE(WaitFor([&] { return out.Count() >= 40; })) << "received " << out.Count();
  ASSERT_GE(out.HeldCount(), 3u);
  const uint64_t before_failed = out.HeldEnd(0);
  out.Report(1, DeliveryOutcome::kFailed);
  out.ReleaseAll();
  ASSERT_TRUE(WaitFor([&] { return CommittedOf(kafka_, "g-failed", "failed") == static_cast<int64_t>(before_failed); }))
      << "committed " << CommittedOf(kafka_, "g-failed", "failed") << ", expected " << before_failed;
  source->Stop();
  EXPECT_TRUE(source->Finish().ok());
  EXPECT_EQ(CommittedOf(kafka_, "g-failed", "failed"), static_cast<int64_t>(before_failed));

  // A restart reads the failed batch and everything after it again.
  HoldingConsumer again(false);
  auto second = StartSource(config, &again);
  ASSERT_TRUE(WaitFor([&] { return again.Count() >= 40 - before_failed; }));
  EXPECT_EQ(again.Events()[0].message, "f" + std::to_string(before_failed));
  second->Stop();
  EXPECT_TRUE(second->Finish().ok());
}

TEST_F(KafkaSourceTest, TwoSourcesInOneGroupLoseNothingWhenOneStops) {
  kafka_.CreateTopic("shared", 4);
  auto config = ConfigFor(kafka_, "shared", "g-shared");
  config.format = "raw";
  HoldingConsumer out_a(false), out_b(false);
  auto a = StartSource(config, &out_a, 7);
  auto b = StartSource(config, &out_b, 7);
  ASSERT_TRUE(WaitFor([&] { return StatOf(*a, "partitions_assigned") + StatOf(*b, "partitions_assigned") == 4; }))
      << a->StatsJson() << " " << b->StatsJson();
  std::set<std::string> produced;
  auto produce = [&](int from, int to) {
    for (int p = 0; p < 4; ++p) {
      auto values = Numbered("p" + std::to_string(p) + "-", from, to);
      kafka_.ProduceAll("shared", p, values);
      produced.insert(values.begin(), values.end());
    }
  };
  produce(0, 50);
  ASSERT_TRUE(WaitFor([&] { return out_a.Count() + out_b.Count() >= 200; }));
  produce(50, 100);
  a->Stop();  // mid-stream: whatever a had not committed is read again by b
  EXPECT_TRUE(a->Finish().ok());
  produce(100, 150);
  std::multiset<std::string> received;
  auto collect = [&] {
    received.clear();
    for (const auto& e : out_a.Events()) received.insert(e.message);
    for (const auto& e : out_b.Events()) received.insert(e.message);
    for (const auto& m : produced)
      if (received.count(m) == 0) return false;
    return true;
  };
  ASSERT_TRUE(WaitFor(collect, 25s)) << "a: " << a->StatsJson() << " b: " << b->StatsJson();
  size_t duplicates = 0;
  for (const auto& m : produced) duplicates += received.count(m) - 1;
  std::cout << "[          ] " << produced.size() << " messages, " << duplicates << " duplicates, a received "
            << out_a.Count() << ", b " << out_b.Count() << "\n";
  EXPECT_EQ(received.size(), produced.size() + duplicates);
  EXPECT_GE(StatOf(*b, "rebalances"), 2u);
  b->Stop();
  EXPECT_TRUE(b->Finish().ok());
}

TEST_F(KafkaSourceTest, StopAndFinishDoNotHangWithBrokersDown) {
  kafka_.CreateTopic("down", 1);
  kafka_.ProduceAll("down", 0, Numbered("d", 0, 5));
  HoldingConsumer out(true);
  auto source = StartSource(ConfigFor(kafka_, "down", "g-down"), &out, 1000, /*close_timeout=*/3s);
  ASSERT_TRUE(WaitFor([&] { return out.Count() >= 5; }));
  kafka_.SetBrokersDown(true);
  out.ReleaseAll();
  ASSERT_TRUE(WaitFor([&] { return StatOf(*source, "all_brokers_down") == 1; }, 15s)) << source->StatsJson();
  const auto start = std::chrono::steady_clock::now();
  source->Stop();
  EXPECT_TRUE(source->Finish().ok());
  source.reset();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 15s) << "shutdown took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                       << " ms";
  kafka_.SetBrokersDown(false);
}

TEST_F(KafkaSourceTest, BadLibrdkafkaOptionFailsStart) {
  auto config = ConfigFor(kafka_, "x", "g-x");
  config.librdkafka_options = {{"no.such.property", "1"}};
  KafkaSource source("kafka_input", config);
  HoldingConsumer out(false);
  SourceContext context;
  context.output = &out;
  Status s = source.Start(context);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no.such.property"), std::string::npos) << s.message();
  EXPECT_TRUE(source.Finish().ok());
}

}  // namespace
}  // namespace logcap
