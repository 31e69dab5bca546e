// DLQ replay through Delivery::StartReplay: entries a sink rejected go back to it once it accepts
// them (and leave the DLQ); entries rejected again stay, and are not written a second time.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/delivery.h"
#include "pipeline_test_util.h"
#include "scripted_sink.h"
#include "telemetry/metrics.h"
#include "testing/batch_builder.h"

namespace logcap {
namespace {

using pipeline_test::ParseJson;
using pipeline_test::ScriptedSink;
using pipeline_test::TempDir;
using pipeline_test::WaitFor;
using testing::AckCounter;
using testing::MakeBatch;
using testing::MakeSource;

enum class Mode { kReject, kRejectSecondEvent, kAccept };

// Runs with the disk buffer off and on: the replay path must not depend on it.
class DeliveryReplayTest : public ::testing::TestWithParam<bool> {
 protected:
  AckCounter acks;
  Metrics metrics;
  TempDir dir;
  std::atomic<Mode> mode{Mode::kReject};
  std::atomic<bool> hold{false};     // while true, the sink waits inside Write (a replay stays running)
  std::atomic<bool> holding{false};  // the sink is waiting (an atomic: the sink's lock is held meanwhile)
  ScriptedSink* sink = nullptr;
  std::unique_ptr<Delivery> delivery;

  void SetUp() override {
    Config config;
    config.app.data_dir = dir.path();
    config.disk_buffer.enabled = GetParam();
    config.disk_buffer.sync_interval = std::chrono::milliseconds(10);
    config.dispatcher.retry_base_delay = std::chrono::milliseconds(2);
    config.dispatcher.retry_max_delay = std::chrono::milliseconds(20);
    auto owned = std::make_unique<ScriptedSink>("http", [this](const EventBatch& batch, int) {
      while (hold) {
        holding = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      switch (mode.load()) {
        case Mode::kReject:
          return SinkResult::Reject(Status::InvalidArgument("HTTP 400: bad field"), "bad_request");
        case Mode::kRejectSecondEvent: {
          SinkResult r = SinkResult::Ok();
          if (batch.size() > 1) r.rejected.push_back({1, "bad_request", "HTTP 400: still bad"});
          return r;
        }
        case Mode::kAccept:
          break;
      }
      return SinkResult::Ok();
    });
    sink = owned.get();
    std::vector<std::unique_ptr<Sink>> sinks;
    sinks.push_back(std::move(owned));
    ASSERT_TRUE(Delivery::Open(config, std::move(sinks), &metrics, &delivery).ok());
    ASSERT_TRUE(delivery->Start().ok());
  }
  void TearDown() override {
    hold = false;
    if (delivery == nullptr) return;
    delivery->BeginShutdown(MonotonicNowNanos() + 5 * kNanosPerSecond);
    EXPECT_TRUE(delivery->Finish());
    delivery.reset();
  }

  uint64_t DlqEntries() { return ParseJson(delivery->DlqStatsJson())["store"]["entries"].GetUint64(); }
  // Puts three events in the DLQ through the normal path: the sink rejects their batch.
  void FillDlq() {
    PreparedBatch prepared;
    prepared.batch = MakeBatch({"e1", "e2", "e3"}, MakeSource("/var/log/app.log"), &acks);
    delivery->output()->Prepare(prepared);
    delivery->output()->Deliver(std::move(prepared));
    ASSERT_TRUE(WaitFor([&] { return DlqEntries() == 3; }));
  }
  // Starts a replay and waits for it to finish; returns its summary ("replay" in DlqStatsJson).
  rapidjson::Document Replay(const std::string& sink_name = "") {
    Status s = delivery->StartReplay(sink_name, "", UINT64_MAX);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::string stats;
    EXPECT_TRUE(WaitFor([&] {
      stats = delivery->DlqStatsJson();
      const auto doc = ParseJson(stats);
      return !doc["replay_running"].GetBool() && doc["replay"].HasMember("status") &&
             std::string(doc["replay"]["status"].GetString()) != "running";
    })) << stats;
    rapidjson::Document summary;
    summary.CopyFrom(ParseJson(stats)["replay"], summary.GetAllocator());
    return summary;
  }
};

TEST_P(DeliveryReplayTest, RejectedEntriesAreReplayedOnceTheSinkAcceptsAndLeaveTheDlq) {
  FillDlq();
  EXPECT_TRUE(sink->delivered().empty());
  mode = Mode::kAccept;
  const auto summary = Replay();
  EXPECT_STREQ(summary["status"].GetString(), "finished");
  EXPECT_EQ(summary["delivered"].GetUint64(), 3u);
  EXPECT_EQ(summary["not_delivered"].GetUint64(), 0u);
  EXPECT_EQ(DlqEntries(), 0u);
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"e1", "e2", "e3"}));
  // A second replay finds nothing left.
  EXPECT_EQ(Replay()["delivered"].GetUint64(), 0u);
  EXPECT_EQ(sink->delivered_count(), 3u);
}

TEST_P(DeliveryReplayTest, EntriesRejectedAgainStayAndAreNotWrittenTwice) {
  FillDlq();
  const auto summary = Replay("http");
  EXPECT_STREQ(summary["status"].GetString(), "finished");
  EXPECT_EQ(summary["delivered"].GetUint64(), 0u);
  EXPECT_EQ(summary["not_delivered"].GetUint64(), 3u);
  EXPECT_EQ(DlqEntries(), 3u);
  const auto stats = ParseJson(delivery->DlqStatsJson());
  EXPECT_EQ(stats["store"]["written_total"].GetUint64(), 3u);  // no copies
}

TEST_P(DeliveryReplayTest, OnlyTheEventRejectedAgainStays) {
  FillDlq();
  mode = Mode::kRejectSecondEvent;
  const auto summary = Replay();
  EXPECT_EQ(summary["delivered"].GetUint64(), 2u);
  EXPECT_EQ(summary["not_delivered"].GetUint64(), 1u);
  EXPECT_EQ(DlqEntries(), 1u);
  EXPECT_EQ(ParseJson(delivery->DlqStatsJson())["store"]["written_total"].GetUint64(), 3u);
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"e1", "e3"}));
  // Once the sink accepts it, the last one goes too.
  mode = Mode::kAccept;
  EXPECT_EQ(Replay()["delivered"].GetUint64(), 1u);
  EXPECT_EQ(DlqEntries(), 0u);
  EXPECT_EQ(sink->delivered(), (std::vector<std::string>{"e1", "e3", "e2"}));
}

TEST_P(DeliveryReplayTest, StartReplayRefusesAnUnknownSinkAndASecondReplay) {
  FillDlq();
  EXPECT_EQ(delivery->StartReplay("nope", "", UINT64_MAX).code(), Status::Code::kInvalidArgument);
  mode = Mode::kAccept;
  hold = true;  // the replay's delivery waits inside the sink
  ASSERT_TRUE(delivery->StartReplay("", "", UINT64_MAX).ok());
  ASSERT_TRUE(WaitFor([&] { return holding.load(); }));  // the replay's batch reached the sink
  EXPECT_EQ(delivery->StartReplay("", "", UINT64_MAX).code(), Status::Code::kUnavailable);
  EXPECT_TRUE(ParseJson(delivery->DlqStatsJson())["replay_running"].GetBool());
  hold = false;
  ASSERT_TRUE(WaitFor([&] { return DlqEntries() == 0; }));
}

INSTANTIATE_TEST_SUITE_P(Buffer, DeliveryReplayTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "On" : "Off"; });

TEST(DeliveryReplay, UnavailableWhenTheDlqIsOff) {
  TempDir dir;
  Metrics metrics;
  Config config;
  config.app.data_dir = dir.path();
  config.disk_buffer.enabled = false;
  config.dlq.enabled = false;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<ScriptedSink>("http"));
  std::unique_ptr<Delivery> delivery;
  ASSERT_TRUE(Delivery::Open(config, std::move(sinks), &metrics, &delivery).ok());
  EXPECT_EQ(delivery->StartReplay("", "", UINT64_MAX).code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace logcap
