// KafkaStatistics: librdkafka's statistics JSON (shapes taken from librdkafka 2.0's STATISTICS.md)
// into broker reachability, queue size, round-trip time and consumer lag; and the same figures
// from a real producer against the mock cluster.
#include "kafka/kafka_statistics.h"

#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <thread>

#include "kafka/kafka_client_properties.h"
#include "testing/kafka_mock_cluster.h"

namespace logcap {
namespace {

constexpr const char* kProducer = R"({"name":"p#producer-1","type":"producer","msg_cnt":42,
  "brokers":{
    "127.0.0.1:9092/bootstrap":{"name":"127.0.0.1:9092/bootstrap","nodeid":-1,"state":"INIT","rtt":{"avg":0}},
    "127.0.0.1:9092/1":{"name":"127.0.0.1:9092/1","nodeid":1,"state":"UP","rtt":{"min":100,"avg":1000,"max":3000}},
    "127.0.0.1:9093/2":{"name":"127.0.0.1:9093/2","nodeid":2,"state":"UP","rtt":{"avg":3000}},
    "127.0.0.1:9094/3":{"name":"127.0.0.1:9094/3","nodeid":3,"state":"TRY_CONNECT","rtt":{"avg":0}}},
  "topics":{}})";

constexpr const char* kConsumer = R"({"type":"consumer","msg_cnt":7,
  "brokers":{"b:1/1":{"nodeid":1,"state":"UP","rtt":{"avg":500}},
             "GroupCoordinator":{"nodeid":1,"state":"UP","rtt":{"avg":500}},
             "b:2/2":{"nodeid":2,"state":"DOWN"}},
  "topics":{"logs":{"partitions":{
    "0":{"partition":0,"fetchq_cnt":10,"consumer_lag":5},
    "1":{"partition":1,"fetchq_cnt":2,"consumer_lag":-1},
    "-1":{"partition":-1,"fetchq_cnt":99,"consumer_lag":99}}}}})";

TEST(KafkaStatistics, ProducerFiguresCountOnlyTheClusterBrokersOnceKnown) {
  KafkaStatisticsSnapshot s;
  ASSERT_TRUE(ParseKafkaStatistics(kProducer, &s).ok());
  EXPECT_TRUE(s.seen);
  EXPECT_EQ(s.queue_messages, 42);
  EXPECT_EQ(s.brokers_known, 3);
  EXPECT_EQ(s.brokers_up, 2);
  EXPECT_DOUBLE_EQ(s.rtt_seconds, 0.002);
  EXPECT_EQ(s.consumer_lag, 0);
}

TEST(KafkaStatistics, ConsumerFiguresCountTheSharedQueueAndSumTheLag) {
  KafkaStatisticsSnapshot s;
  ASSERT_TRUE(ParseKafkaStatistics(kConsumer, &s).ok());
  EXPECT_EQ(s.queue_messages, 10) << "the shared fetch queue, reported by each partition; the internal -1 left out";
  EXPECT_EQ(s.consumer_lag, 5) << "an unknown lag (-1) counts as nothing";
  EXPECT_EQ(s.brokers_up, 1) << "the coordinator entry is broker 1 again";
  EXPECT_EQ(s.brokers_known, 2);
}

TEST(KafkaStatistics, HealthIsOkUntilStatisticsSayNoBrokerIsUp) {
  Metrics metrics;
  KafkaStatistics stats("kafka", &metrics);
  EXPECT_TRUE(stats.Health().ok) << "no statistics yet";
  stats.Update(kProducer);
  EXPECT_TRUE(stats.Health().ok);
  EXPECT_NE(metrics.Serialize().find("log_capturer_kafka_brokers_up{component=\"kafka\"} 2"), std::string::npos)
      << metrics.Serialize();
  stats.Update(R"({"type":"producer","msg_cnt":0,"brokers":{"a/1":{"nodeid":1,"state":"DOWN"}}})");
  ComponentHealth h = stats.Health();
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.detail_json.find("\"brokers_up\":0"), std::string::npos) << h.detail_json;
  // Garbage never replaces what was known.
  stats.Update("not json");
  stats.Update("{}");
  EXPECT_FALSE(stats.Health().ok);
  KafkaStatisticsSnapshot s;
  EXPECT_FALSE(ParseKafkaStatistics("[1,2]", &s).ok());
}

int OnStats(rd_kafka_t*, char* json, size_t len, void* opaque) {
  static_cast<KafkaStatistics*>(opaque)->Update(std::string_view(json, len));
  return 0;
}

TEST(KafkaStatistics, AProducerAgainstTheMockClusterSeesItsBrokersGoDownAndUp) {
  kafka_test::MockKafka kafka;
  kafka.CreateTopic("t", 1);
  KafkaStatistics stats("kafka", nullptr);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  KafkaProperties props = KafkaConnectionProperties({kafka.bootstraps()}, "stats-test", {}, {});
  props.emplace_back("statistics.interval.ms", "100");
  ASSERT_TRUE(ApplyKafkaProperties(conf, props, {}, "test").ok());
  rd_kafka_conf_set_stats_cb(conf, OnStats);
  rd_kafka_conf_set_opaque(conf, &stats);
  char error[256];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  ASSERT_NE(rk, nullptr) << error;
  rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_VALUE(const_cast<char*>("x"), 1), RD_KAFKA_V_END);
  auto wait_for = [&](auto predicate, const char* what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!predicate(stats.snapshot()) && std::chrono::steady_clock::now() < deadline) rd_kafka_poll(rk, 50);
    EXPECT_TRUE(predicate(stats.snapshot())) << what << ": " << stats.Json();
  };
  wait_for([](const KafkaStatisticsSnapshot& s) { return s.seen && s.brokers_up >= 1; }, "a broker up");
  kafka.SetBrokersDown(true);
  wait_for([](const KafkaStatisticsSnapshot& s) { return s.brokers_up == 0; }, "every broker down");
  EXPECT_FALSE(stats.Health().ok);
  kafka.SetBrokersDown(false);
  wait_for([](const KafkaStatisticsSnapshot& s) { return s.brokers_up >= 1; }, "a broker back");
  rd_kafka_flush(rk, 5000);
  rd_kafka_destroy(rk);
}

}  // namespace
}  // namespace logcap
