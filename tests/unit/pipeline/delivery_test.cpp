// Delivery::Open from a Config: the output it builds (told apart by behaviour), and the stats and
// health JSON it serves, with the disk buffer and the DLQ each on and off.
#include "pipeline/delivery.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline_test_util.h"
#include "scripted_sink.h"
#include "telemetry/metrics.h"
#include "testing/batch_builder.h"

namespace logcap {
namespace {

using pipeline_test::FailTransient;
using pipeline_test::ParseJson;
using pipeline_test::ScriptedSink;
using pipeline_test::TempDir;
using pipeline_test::WaitFor;
using testing::AckCounter;
using testing::MakeBatch;
using testing::MakeSource;

Config MakeConfig(const std::string& data_dir, bool buffer, bool dlq) {
  Config config;
  config.app.data_dir = data_dir;
  config.disk_buffer.enabled = buffer;
  config.disk_buffer.sync_interval = std::chrono::milliseconds(10);
  config.dlq.enabled = dlq;
  config.dispatcher.retry_base_delay = std::chrono::milliseconds(2);
  config.dispatcher.retry_max_delay = std::chrono::milliseconds(20);
  return config;
}

class DeliveryTest : public ::testing::Test {
 protected:
  AckCounter acks;
  Metrics metrics;
  TempDir dir;
  std::shared_ptr<SourceInfo> source = MakeSource("/var/log/app.log");
  std::unique_ptr<Delivery> delivery;

  ScriptedSink* Open(const Config& config, const std::string& sink_name, ScriptedSink::Script script) {
    std::vector<std::unique_ptr<Sink>> sinks;
    auto sink = std::make_unique<ScriptedSink>(sink_name, std::move(script));
    ScriptedSink* raw = sink.get();
    sinks.push_back(std::move(sink));
    Status s = Delivery::Open(config, std::move(sinks), &metrics, &delivery);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (delivery == nullptr) return nullptr;
    s = delivery->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return raw;
  }
  void Deliver(const std::vector<std::string>& lines) {
    PreparedBatch prepared;
    prepared.batch = MakeBatch(lines, source, &acks);
    delivery->output()->Prepare(prepared);
    delivery->output()->Deliver(std::move(prepared));
  }
  void Shutdown(Nanos grace) {
    delivery->BeginShutdown(MonotonicNowNanos() + grace);
    EXPECT_TRUE(delivery->Finish());
    delivery.reset();
  }
};

TEST_F(DeliveryTest, WithoutTheBufferTheSourceWaitsForTheSink) {
  const Config config = MakeConfig(dir.path(), /*buffer=*/false, /*dlq=*/false);
  ScriptedSink* sink = Open(config, "mem", [](const EventBatch&, int) { return FailTransient(); });
  ASSERT_NE(sink, nullptr);
  EXPECT_FALSE(delivery->buffered());
  Deliver({"held"});
  ASSERT_TRUE(WaitFor([&] { return sink->attempts("held") >= 3; }));
  EXPECT_EQ(acks.total(), 0);  // the memory path acknowledges only what a sink took
  EXPECT_FALSE(std::filesystem::exists(config.BufferDirectory()));
  Shutdown(20 * kNanosPerMilli);
  EXPECT_EQ(acks.failed, 1);  // given up at the deadline: the source keeps its position
}

TEST_F(DeliveryTest, WithTheBufferTheSourceIsAcknowledgedOnceDurableWhateverTheSink) {
  const Config config = MakeConfig(dir.path(), /*buffer=*/true, /*dlq=*/false);
  ScriptedSink* sink = Open(config, "buffered_sink", [](const EventBatch&, int) { return FailTransient(); });
  ASSERT_NE(sink, nullptr);
  EXPECT_TRUE(delivery->buffered());
  Deliver({"kept-1", "kept-2"});
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  EXPECT_EQ(acks.delivered, 1);
  EXPECT_TRUE(sink->delivered().empty());
  EXPECT_TRUE(std::filesystem::is_directory(config.BufferDirectory()));

  const auto stats = ParseJson(delivery->BufferStatsJson());
  EXPECT_TRUE(stats["enabled"].GetBool());
  EXPECT_EQ(stats["records_appended"].GetUint64(), 1u);
  EXPECT_EQ(stats["events_appended"].GetUint64(), 2u);
  ASSERT_TRUE(stats["readers"].HasMember("buffered_sink"));
  EXPECT_EQ(stats["readers"]["buffered_sink"]["pending_events"].GetUint64(), 2u);
  Shutdown(20 * kNanosPerMilli);
}

TEST_F(DeliveryTest, HealthReportsAFailingSinkAndItsOpenCircuit) {
  Config config = MakeConfig(dir.path(), /*buffer=*/true, /*dlq=*/true);
  config.dispatcher.circuit_breaker_threshold = 1;
  // Long waits between attempts, so the breaker is seen open (between attempts), not half-open.
  config.dispatcher.retry_base_delay = std::chrono::seconds(60);
  config.dispatcher.retry_max_delay = std::chrono::seconds(60);
  ASSERT_NE(Open(config, "far_away", [](const EventBatch&, int) { return FailTransient("connection refused"); }),
            nullptr);
  Deliver({"x"});

  std::vector<std::string> failing;
  std::string health;
  ASSERT_TRUE(WaitFor([&] {
    failing.clear();
    health = delivery->HealthJson(&failing);
    const auto doc = ParseJson(health);
    const auto& sink = doc["sinks"]["far_away"];
    return std::string(sink["status"].GetString()) == "failing" && std::string(sink["circuit"].GetString()) == "open";
  })) << health;
  EXPECT_EQ(failing, (std::vector<std::string>{"sink:far_away"}));
  const auto doc = ParseJson(health);
  EXPECT_NE(std::string(doc["sinks"]["far_away"]["last_error"].GetString()).find("connection refused"),
            std::string::npos);
  EXPECT_STREQ(doc["disk_buffer"]["status"].GetString(), "ok");  // the buffer itself is fine
  EXPECT_EQ(pipeline_test::MetricValue(metrics, "log_capturer_sink_circuit_state{sink=\"far_away\"}"), 2);
  ParseJson(delivery->SinksStatsJson());
  Shutdown(0);
}

TEST_F(DeliveryTest, HealthyWhenTheSinkDelivers) {
  ASSERT_NE(Open(MakeConfig(dir.path(), false, true), "fine", nullptr), nullptr);
  Deliver({"a"});
  ASSERT_TRUE(WaitFor([&] { return acks.total() == 1; }));
  std::vector<std::string> failing;
  const auto doc = ParseJson(delivery->HealthJson(&failing));
  EXPECT_TRUE(failing.empty());
  EXPECT_STREQ(doc["sinks"]["fine"]["status"].GetString(), "ok");
  EXPECT_STREQ(doc["sinks"]["fine"]["circuit"].GetString(), "closed");
  EXPECT_FALSE(doc.HasMember("disk_buffer"));
  EXPECT_EQ(acks.delivered, 1);
  Shutdown(5 * kNanosPerSecond);
}

TEST_F(DeliveryTest, HealthCarriesTheSinksViewOfItsFarSideAndIdleIsCalledWithoutTraffic) {
  ScriptedSink* sink = Open(MakeConfig(dir.path(), false, false), "kafka", nullptr);
  ASSERT_NE(sink, nullptr);
  // With nothing to deliver, the runner still gives the sink its turns (Kafka serves statistics).
  ASSERT_TRUE(WaitFor([&] { return sink->idle_calls() >= 2; }));
  sink->set_health({false, R"({"brokers_up":0})"});
  std::vector<std::string> failing;
  auto doc = ParseJson(delivery->HealthJson(&failing));
  EXPECT_EQ(failing, (std::vector<std::string>{"sink:kafka"}));
  EXPECT_STREQ(doc["sinks"]["kafka"]["status"].GetString(), "failing");
  EXPECT_EQ(doc["sinks"]["kafka"]["far_side"]["brokers_up"].GetInt(), 0);
  EXPECT_STREQ(doc["sinks"]["kafka"]["circuit"].GetString(), "closed") << "the runner itself is fine";
  sink->set_health({true, R"({"brokers_up":3})"});
  failing.clear();
  doc = ParseJson(delivery->HealthJson(&failing));
  EXPECT_TRUE(failing.empty());
  EXPECT_EQ(doc["sinks"]["kafka"]["far_side"]["brokers_up"].GetInt(), 3);
  Shutdown(5 * kNanosPerSecond);
}

TEST_F(DeliveryTest, OpenFailsWhenTheBufferDirectoryIsUnusable) {
  Config config = MakeConfig(dir.path(), /*buffer=*/true, /*dlq=*/false);
  // A file where the directory should be.
  { std::ofstream(dir.path() + "/not_a_dir") << "x"; }
  config.disk_buffer.directory = dir.path() + "/not_a_dir";
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<ScriptedSink>("s"));
  Status s = Delivery::Open(config, std::move(sinks), &metrics, &delivery);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(delivery, nullptr);
}

// Every combination of disk buffer and DLQ opens, delivers, and serves valid JSON.
class DeliveryConfigTest : public DeliveryTest, public ::testing::WithParamInterface<std::tuple<bool, bool>> {};

TEST_P(DeliveryConfigTest, OpensDeliversAndServesValidJson) {
  const auto [buffer, dlq] = GetParam();
  ScriptedSink* sink = Open(MakeConfig(dir.path(), buffer, dlq), "local_file", nullptr);
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(delivery->buffered(), buffer);
  EXPECT_EQ(delivery->sink_count(), 1u);
  Deliver({"one", "two"});
  ASSERT_TRUE(WaitFor([&] { return sink->delivered_count() == 2 && acks.total() == 1; }));
  EXPECT_EQ(acks.delivered, 1);

  const auto buffer_stats = ParseJson(delivery->BufferStatsJson());
  EXPECT_EQ(buffer_stats["enabled"].GetBool(), buffer);
  const auto dlq_stats = ParseJson(delivery->DlqStatsJson());
  EXPECT_EQ(dlq_stats["enabled"].GetBool(), dlq);
  EXPECT_TRUE(dlq_stats["replay"].IsObject());
  if (dlq) {
    EXPECT_EQ(dlq_stats["store"]["entries"].GetUint64(), 0u);
    EXPECT_FALSE(dlq_stats["replay_running"].GetBool());
  }
  std::vector<std::string> failing;
  const auto health = ParseJson(delivery->HealthJson(&failing));
  EXPECT_TRUE(health["sinks"].HasMember("local_file"));
  EXPECT_EQ(health.HasMember("disk_buffer"), buffer);
  const auto sinks = ParseJson(delivery->SinksStatsJson());
  EXPECT_EQ(sinks["local_file"]["delivered_events"].GetUint64(), 2u);
  Shutdown(5 * kNanosPerSecond);
  EXPECT_EQ(std::filesystem::exists(dir.path() + "/dlq"), dlq);
  EXPECT_EQ(std::filesystem::exists(dir.path() + "/buffer"), buffer);
}

INSTANTIATE_TEST_SUITE_P(BufferAndDlq, DeliveryConfigTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<bool, bool>>& info) {
                           return std::string(std::get<0>(info.param) ? "Buffer" : "NoBuffer") +
                                  (std::get<1>(info.param) ? "Dlq" : "NoDlq");
                         });

}  // namespace
}  // namespace logcap
