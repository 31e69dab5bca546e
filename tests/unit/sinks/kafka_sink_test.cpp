// KafkaSink against librdkafka's in-process mock cluster (3 brokers), read back by a real
// consumer: what the brokers acknowledged is what a client reads.
#include "sinks/kafka/kafka_sink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "codec/event_encoder.h"
#include "testing/kafka_mock_cluster.h"
#include "sink_test_util.h"

namespace logcap {
namespace {

using kafka_test::Consumed;
using kafka_test::MockKafka;
using sinks_test::BatchBuilder;
using sinks_test::MakeSource;
using sinks_test::SendGroup;

KafkaSinkConfig ConfigFor(const MockKafka& kafka, const std::string& topic) {
  KafkaSinkConfig c;
  c.enabled = true;
  c.brokers = {kafka.bootstraps()};
  c.topic = topic;
  c.compression = "lz4";
  c.message_timeout = std::chrono::seconds(3);
  return c;
}

EventBatch HostBatch(const std::string& prefix, int n) {
  BatchBuilder b;
  for (int i = 0; i < n; ++i) {
    b.AddWithAttributes(MakeSource("file", "/var/log/" + prefix + ".log"), prefix + "-" + std::to_string(i),
                        Labels{{"host", "host-" + std::to_string(i % 3)}});
  }
  return b.Take();
}

TEST(KafkaProducerProperties, MapEveryKey) {
  KafkaSinkConfig c;
  c.brokers = {"a:9092", "b:9092"};
  c.compression = "zstd";
  c.auth = {true, "SCRAM-SHA-512", "u", "p"};
  c.tls.enabled = true;
  c.tls.ca_file = "/ca.pem";
  c.tls.verify_certificate = false;
  std::map<std::string, std::string> p;
  for (const auto& [k, v] : KafkaProducerProperties(c)) p[k] = v;
  EXPECT_EQ(p["bootstrap.servers"], "a:9092,b:9092");
  EXPECT_EQ(p["compression.codec"], "zstd");
  EXPECT_EQ(p["acks"], "all");
  EXPECT_EQ(p["enable.idempotence"], "true");
  EXPECT_EQ(p["security.protocol"], "sasl_ssl");
  EXPECT_EQ(p["sasl.mechanisms"], "SCRAM-SHA-512");
  EXPECT_EQ(p["ssl.ca.location"], "/ca.pem");
  EXPECT_EQ(p["enable.ssl.certificate.verification"], "false");
  c.required_acks = 1;
  c.auth.enabled = false;
  c.tls.enabled = false;
  p.clear();
  for (const auto& [k, v] : KafkaProducerProperties(c)) p[k] = v;
  EXPECT_EQ(p["acks"], "1");
  EXPECT_EQ(p["enable.idempotence"], "false");
  EXPECT_EQ(p["security.protocol"], "plaintext");
  EXPECT_EQ(p.count("sasl.username"), 0u);
}

TEST(KafkaSink, EveryEventIsDeliveredAsEventJsonKeyedByItsLabel) {
  MockKafka kafka;
  kafka.CreateTopic("logs", 4);
  KafkaSinkConfig config = ConfigFor(kafka, "logs");
  config.partitioning.key_field = "host";
  KafkaSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  std::vector<EventBatch> batches;
  batches.push_back(HostBatch("a", 300));
  batches.push_back(HostBatch("b", 200));
  BatchBuilder traced;
  Event& e = traced.Add(MakeSource("file", "/t.log"), "traced");
  e.trace.trace_id[0] = 0x4b;
  e.trace.span_id[7] = 0x2a;
  e.trace.sampled = true;
  batches.push_back(traced.Take());
  auto results = SendGroup(sink, batches);
  for (const SinkResult& r : results) ASSERT_TRUE(r.ok() && r.rejected.empty()) << r.status.ToString();

  std::vector<Consumed> got = kafka.Consume("logs", 4, 501);
  ASSERT_EQ(got.size(), 501u);
  // Values are the event JSON; the key is the host label, and one key always maps to one partition.
  TimestampFormatter ts;
  std::set<std::string> expected;
  for (const EventBatch& b : batches) {
    for (const Event& ev : b.events()) {
      std::string json;
      AppendEventJson(b, ev, ts, json);
      json.pop_back();  // the message is the JSON object without the line end
      expected.insert(json);
    }
  }
  std::set<std::string> values;
  std::map<std::string, std::set<int32_t>> partitions_of_key;
  for (const Consumed& c : got) {
    values.insert(c.value);
    partitions_of_key[c.key].insert(c.partition);
    if (c.value.find("\"traced\"") != std::string::npos) {
      EXPECT_EQ(c.traceparent, "00-4b000000000000000000000000000000-000000000000002a-01");
      EXPECT_EQ(c.key, "/t.log") << "no host label: the source id";
    }
  }
  EXPECT_EQ(values, expected);
  for (const auto& [key, parts] : partitions_of_key) EXPECT_EQ(parts.size(), 1u) << key;
}

TEST(KafkaSink, TopicsComeFromTheTopicLabelThenTheLevelThenTheConfiguredTopic) {
  MockKafka kafka;
  for (const char* t : {"logs", "audit", "logs-high", "logs-low"}) kafka.CreateTopic(t, 1);
  KafkaSinkConfig config = ConfigFor(kafka, "logs");
  config.topic_label = "kafka_topic";
  config.level_topics = {{"error", "logs-high"}, {"debug", "logs-low"}};
  KafkaSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  BatchBuilder b;
  auto source = MakeSource("file", "/r.log");
  b.AddWithAttributes(source, "labelled-error", Labels{{"kafka_topic", "audit"}}).level = Level::kError;
  b.Add(source, "error").level = Level::kError;
  b.Add(source, "debug").level = Level::kDebug;
  b.Add(source, "info").level = Level::kInfo;
  b.Add(source, "none");
  b.AddWithAttributes(source, "bad-name", Labels{{"kafka_topic", "no/slashes"}});
  std::vector<EventBatch> batches;
  batches.push_back(b.Take());
  auto results = SendGroup(sink, batches);
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
  ASSERT_EQ(results[0].rejected.size(), 1u);
  EXPECT_EQ(results[0].rejected[0].index, 5u);
  EXPECT_EQ(results[0].rejected[0].reason, "invalid_topic");

  auto messages_of = [&](const std::string& topic, size_t n) {
    std::set<std::string> found;
    for (const Consumed& c : kafka.Consume(topic, 1, n, std::chrono::seconds(5))) {
      const size_t at = c.value.find("\"message\":\"");
      found.insert(c.value.substr(at + 11, c.value.find('"', at + 11) - at - 11));
    }
    return found;
  };
  EXPECT_EQ(messages_of("audit", 1), (std::set<std::string>{"labelled-error"}));
  EXPECT_EQ(messages_of("logs-high", 1), (std::set<std::string>{"error"}));
  EXPECT_EQ(messages_of("logs-low", 1), (std::set<std::string>{"debug"}));
  EXPECT_EQ(messages_of("logs", 2), (std::set<std::string>{"info", "none"}));
}

TEST(KafkaSink, AnInvalidConfiguredTopicOrPropertyFailsAtStart) {
  KafkaSinkConfig config;
  config.topic = "bad topic";
  KafkaSink sink(config, nullptr);
  Status s = sink.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("sinks.kafka.topic"), std::string::npos) << s.message();

  config.topic = "logs";
  config.librdkafka_options = {{"no.such.property", "1"}};
  KafkaSink other(config, nullptr);
  s = other.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("sinks.kafka.librdkafka_options: librdkafka refused no.such.property=1"),
            std::string::npos)
      << s.message();
}

TEST(KafkaSink, AGroupLookedAheadIsProducedWhileTheFormerWaitsAndNeverTwice) {
  MockKafka kafka;
  kafka.CreateTopic("ahead", 2);
  KafkaSink sink(ConfigFor(kafka, "ahead"), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  std::vector<EventBatch> first, second;
  first.push_back(HostBatch("first", 400));
  second.push_back(HostBatch("second", 300));
  second.push_back(HostBatch("third", 200));
  std::vector<const EventBatch*> next{&second[0], &second[1]};
  int asked = 0;
  sink.set_look_ahead([&]() -> std::span<const EventBatch* const> {
    ++asked;
    return asked == 1 ? std::span<const EventBatch* const>(next) : std::span<const EventBatch* const>();
  });
  auto results = SendGroup(sink, first);
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
  EXPECT_EQ(asked, 1);
  EXPECT_NE(sink.StatsJson().find("\"produced\":900"), std::string::npos)
      << "the next group went out while the first waited: " << sink.StatsJson();
  results = SendGroup(sink, second);
  for (const SinkResult& r : results) ASSERT_TRUE(r.ok()) << r.status.ToString();
  EXPECT_NE(sink.StatsJson().find("\"produced\":900"), std::string::npos) << "not produced twice";
  std::set<std::string> values;
  for (const Consumed& c : kafka.Consume("ahead", 2, 900)) values.insert(c.value);
  EXPECT_EQ(values.size(), 900u);
}

TEST(KafkaSink, AFullLocalQueueIsBackpressureNeverALoss) {
  MockKafka kafka;
  kafka.CreateTopic("full", 3);
  KafkaSinkConfig config = ConfigFor(kafka, "full");
  config.max_queued_messages = 1000;  // the smallest allowed; a group holds 6000
  KafkaSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  std::vector<EventBatch> batches;
  for (int b = 0; b < 3; ++b) batches.push_back(HostBatch("q" + std::to_string(b), 2000));
  BatchBuilder traced;  // a message with headers takes the one-by-one path
  traced.Add(MakeSource("file", "/t.log"), "traced").trace.trace_id[0] = 1;
  batches.push_back(traced.Take());
  for (const SinkResult& r : SendGroup(sink, batches)) ASSERT_TRUE(r.ok() && r.rejected.empty()) << r.status.ToString();
  const std::string stats = sink.StatsJson();
  EXPECT_EQ(stats.find("\"queue_full_waits\":0,"), std::string::npos) << "the queue did fill: " << stats;
  std::multiset<std::string> values;
  for (const Consumed& c : kafka.Consume("full", 3, 6001)) values.insert(c.value);
  EXPECT_EQ(values.size(), 6001u);
  EXPECT_EQ(std::set<std::string>(values.begin(), values.end()).size(), 6001u) << "no duplicates";
}

TEST(KafkaSink, RoundRobinUsesEveryPartition) {
  MockKafka kafka;
  kafka.CreateTopic("rr", 3);
  KafkaSinkConfig config = ConfigFor(kafka, "rr");
  config.partitioning.strategy = "round-robin";
  KafkaSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  std::vector<EventBatch> batches;
  batches.push_back(HostBatch("r", 90));
  ASSERT_TRUE(SendGroup(sink, batches)[0].ok());
  std::map<int32_t, int> per_partition;
  for (const Consumed& c : kafka.Consume("rr", 3, 90)) ++per_partition[c.partition];
  EXPECT_EQ(per_partition, (std::map<int32_t, int>{{0, 30}, {1, 30}, {2, 30}}));
}

TEST(KafkaSink, BrokersDownMeansRetryAndNothingIsLostOnceTheyAreBack) {
  MockKafka kafka;
  kafka.CreateTopic("down", 2);
  KafkaSink sink(ConfigFor(kafka, "down"), nullptr);  // idempotent (the default)
  ASSERT_TRUE(sink.Start().ok());
  std::vector<EventBatch> batches;
  batches.push_back(HostBatch("d", 50));
  kafka.SetBrokersDown(true);
  auto results = SendGroup(sink, batches);
  ASSERT_EQ(results[0].verdict, SinkVerdict::kRetry);
  EXPECT_NE(results[0].status.message().find("Kafka delivery failed"), std::string::npos) << results[0].status.message();
  kafka.SetBrokersDown(false);
  // As the runner would: retry until the reconnected producer has them (its reconnect backoff may
  // outlast one short message_timeout on a busy machine).
  for (int attempt = 0; attempt < 5; ++attempt) {
    results = SendGroup(sink, batches);
    if (results[0].ok()) break;
  }
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
  std::set<std::string> values;
  for (const Consumed& c : kafka.Consume("down", 2, 50)) values.insert(c.value);
  EXPECT_EQ(values.size(), 50u);
}

TEST(KafkaSink, AMessageTooLargeIsRejectedAndTheRestDelivered) {
  MockKafka kafka;
  kafka.CreateTopic("big", 1);
  KafkaSink sink(ConfigFor(kafka, "big"), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  BatchBuilder b;
  auto source = MakeSource("file", "/big.log");
  b.Add(source, "small-0");
  b.Add(source, std::string(2 << 20, 'x'));  // over librdkafka's message.max.bytes (1 MB)
  b.Add(source, "small-2");
  std::vector<EventBatch> batches;
  batches.push_back(b.Take());
  auto results = SendGroup(sink, batches);
  ASSERT_TRUE(results[0].ok()) << results[0].status.ToString();
  ASSERT_EQ(results[0].rejected.size(), 1u);
  EXPECT_EQ(results[0].rejected[0].index, 1u);
  EXPECT_EQ(results[0].rejected[0].reason, "too_large");
  EXPECT_EQ(kafka.Consume("big", 1, 2).size(), 2u);
}

TEST(KafkaSink, AnAuthorizationErrorIsPermanent) {
  MockKafka kafka;
  kafka.CreateTopic("auth", 1);
  KafkaSink sink(ConfigFor(kafka, "auth"), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  // ApiKey 0 is Produce. librdkafka retries NOT_LEADER by itself; an authorization error it must
  // report, and the sink sends those events to the DLQ.
  rd_kafka_mock_push_request_errors(kafka.cluster(), 0, 2, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  std::vector<EventBatch> batches;
  batches.push_back(HostBatch("z", 5));
  auto results = SendGroup(sink, batches);
  ASSERT_EQ(results[0].verdict, SinkVerdict::kReject) << results[0].status.ToString();
  EXPECT_EQ(results[0].reason, "not_authorized");
}

}  // namespace
}  // namespace logcap
