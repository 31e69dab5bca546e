// A FileSource joining continuation lines where it reads them (a pipeline starting with multiline):
// across appends with a pause, with the file's saved position never past a held group, and across a
// restart while a group is held.
#include <filesystem>

#include <gtest/gtest.h>

#include "processing/multiline_spec.h"
#include "sources/file/file_source.h"
#include "telemetry/metrics.h"
#include "unit/sources/file_test_util.h"

namespace logcap {
namespace {

using namespace std::chrono_literals;
using testing::AppendFile;
using testing::CollectingConsumer;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

class MultilineFileSourceTest : public ::testing::Test {
 protected:
  MultilineFileSourceTest() : logs_(dir_ / "logs"), positions_(dir_ / "positions") {
    std::filesystem::create_directories(logs_);
    std::string error;
    EXPECT_TRUE(ApplyMultilinePreset("java", &spec_, &error)) << error;
  }

  FileMonitorConfig Config() {
    FileMonitorConfig c;
    c.include = {logs_ + "/*.log"};
    c.poll_interval = 50ms;
    c.scan_interval = 100ms;
    c.partial_line_timeout = 1h;
    return c;
  }
  std::unique_ptr<FileSource> Make(const FileMonitorConfig& c) {
    return std::make_unique<FileSource>("file_monitor", c, positions_, 50ms,
                                        [this](const SourceInfo& source) -> const MultilineSpec* {
                                          ++lookups_;
                                          return source.id == logs_ + "/app.log" ? &spec_ : nullptr;
                                        });
  }
  void Start(FileSource& s, CollectingConsumer& out) {
    SourceContext ctx;
    ctx.output = &out;
    ctx.metrics = &metrics_;
    ctx.max_batch_events = 100;
    Status st = s.Start(ctx);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  std::optional<uint64_t> SavedOffset() {
    std::vector<PositionEntry> entries;
    (void)PositionsStore::Parse(testing::ReadFile(positions_ + "/positions.json"), &entries);
    for (const PositionEntry& e : entries)
      if (e.path == logs_ + "/app.log") return e.offset;
    return std::nullopt;
  }

  Metrics metrics_;
  TempDir dir_;
  const std::string logs_;
  const std::string positions_;
  MultilineSpec spec_;
  std::atomic<int> lookups_{0};
};

const std::string kStarted = "2026-11-24 07:00:00.100 INFO  [main] c.e.App - started\n";
const std::string kTraceHead =
    "2026-11-24 07:00:01.000 ERROR [exec-1] c.e.OrderService - order 42 failed\n"
    "java.lang.IllegalStateException: inventory unavailable\n"
    "\tat com.example.OrderService.reserve(OrderService.java:87)\n";
const std::string kTraceTail =
    "\tat com.example.OrderService.place(OrderService.java:41)\n"
    "Caused by: java.net.SocketTimeoutException: Read timed out\n"
    "\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:168)\n"
    "\t... 12 more\n";
const std::string kNext = "2026-11-24 07:00:02.000 INFO  [main] c.e.App - next\n";

std::string Trace() {
  std::string t = kTraceHead + kTraceTail;
  t.pop_back();  // the event has no final newline
  return t;
}

TEST_F(MultilineFileSourceTest, ATraceWrittenInTwoAppendsIsOneEventAndThePositionNeverPassesIt) {
  spec_.flush_timeout = 1500 * kNanosPerMilli;
  const std::string path = logs_ + "/app.log";
  WriteFile(logs_ + "/other.log", "plain\n  not joined\n");  // its pipeline does not start with multiline
  WriteFile(path, kStarted + kTraceHead);
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(WaitFor([&] { return out.HasMessage(kStarted.substr(0, kStarted.size() - 1)); }));
  ASSERT_TRUE(WaitFor([&] { return SavedOffset() == kStarted.size(); }));
  // The pause: shorter than flush_timeout. The group is held, and so is the position.
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(50ms);
    ASSERT_EQ(SavedOffset(), kStarted.size());
  }
  AppendFile(path, kTraceTail + kNext);
  ASSERT_TRUE(WaitFor([&] { return out.HasMessage(Trace()); }));
  {
    const auto events = out.Events();
    size_t app_events = 0;
    for (const auto& e : events) {
      if (e.source_id != path || e.message + "\n" == kNext) continue;
      ++app_events;
      EXPECT_EQ(e.flags, 0);
      if (e.message == Trace()) {
        EXPECT_EQ(e.offset, kStarted.size() + kTraceHead.size() + kTraceTail.size());
      }
    }
    EXPECT_EQ(app_events, 2u);
  }
  // The last line is held until flush_timeout passes without growth: then emitted, not partial.
  const std::string next = kNext.substr(0, kNext.size() - 1);
  ASSERT_TRUE(WaitFor([&] { return out.HasMessage(next); }));
  for (const auto& e : out.Events()) {
    if (e.message == next) {
      EXPECT_EQ(e.flags, 0);
    }
  }
  const uint64_t size = std::filesystem::file_size(path);
  ASSERT_TRUE(WaitFor([&] { return SavedOffset() == size; }));
  EXPECT_TRUE(out.HasMessage("plain"));
  EXPECT_TRUE(out.HasMessage("  not joined"));
  EXPECT_GE(lookups_.load(), 2);
  src->Stop();
  EXPECT_TRUE(src->Finish().ok());
  EXPECT_EQ(spec_.stats->joined_events.load(), 1u);
}

TEST_F(MultilineFileSourceTest, AGroupHeldAtShutdownIsReadAgainAfterARestartAndArrivesWholeOnce) {
  spec_.flush_timeout = 3600 * kNanosPerSecond;  // only a following line ends a group here
  const std::string path = logs_ + "/app.log";
  WriteFile(path, kStarted + kTraceHead);
  {
    CollectingConsumer out;
    auto src = Make(Config());
    Start(*src, out);
    ASSERT_TRUE(out.WaitForCount(1));
    ASSERT_TRUE(WaitFor([&] { return SavedOffset() == kStarted.size(); }));
    src->Stop();
    ASSERT_TRUE(src->Finish().ok());
    EXPECT_EQ(out.Messages(), (std::vector<std::string>{kStarted.substr(0, kStarted.size() - 1)}));
  }
  EXPECT_EQ(SavedOffset(), kStarted.size());  // before the held group: nothing of it was emitted
  AppendFile(path, kTraceTail + kNext);         // the rest, written while the agent is down
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(1));
  EXPECT_EQ(out.Messages(), (std::vector<std::string>{Trace()}));
  ASSERT_TRUE(WaitFor([&] { return SavedOffset() == kStarted.size() + kTraceHead.size() + kTraceTail.size(); }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(out.Count(), 1u);  // `next` is held: once, later
  src->Stop();
  ASSERT_TRUE(src->Finish().ok());
  EXPECT_EQ(SavedOffset(), kStarted.size() + kTraceHead.size() + kTraceTail.size());
}

}  // namespace
}  // namespace logcap
