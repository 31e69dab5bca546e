// Whole FileSource runs against real files in a temp directory, with a collecting BatchConsumer.
#include "sources/file/file_source.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "telemetry/metrics.h"
#include "unit/sources/file_test_util.h"

namespace logcap {
namespace {

using namespace std::chrono_literals;
using testing::AppendFile;
using testing::CollectingConsumer;
using testing::NumberedLines;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

std::vector<std::string> Numbered(int from, int to, const std::string& prefix = "line-") {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

size_t ThreadCount() {
  size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

class FileSourceTest : public ::testing::Test {
 protected:
  FileSourceTest() : logs_(dir_ / "logs"), positions_(dir_ / "positions") {
    std::filesystem::create_directories(logs_);
  }

  FileMonitorConfig Config(std::vector<std::string> include = {}) {
    FileMonitorConfig c;
    c.include = include.empty() ? std::vector<std::string>{logs_ + "/*.log"} : include;
    c.exclude = {"*.gz"};
    c.labels = {{"job", "test"}};
    c.poll_interval = 50ms;
    c.scan_interval = 100ms;
    c.rotate_wait = 300ms;
    c.partial_line_timeout = 1h;
    c.read_buffer_size = 64 * 1024;
    return c;
  }
  std::unique_ptr<FileSource> Make(const FileMonitorConfig& c) {
    return std::make_unique<FileSource>("file_monitor", c, positions_, 50ms);
  }
  void Start(FileSource& s, CollectingConsumer& out, size_t max_batch = 100) {
    SourceContext ctx;
    ctx.output = &out;
    ctx.metrics = &metrics_;
    ctx.max_batch_events = max_batch;
    Status st = s.Start(ctx);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  // What positions.json holds now (read directly: the source may be writing its temp file).
  std::vector<PositionEntry> SavedPositions() {
    std::vector<PositionEntry> entries;
    (void)PositionsStore::Parse(testing::ReadFile(positions_ + "/positions.json"), &entries);
    return entries;
  }
  double FileEvents(const std::string& event) { return metrics_.FileEvents("file_monitor", event).Value(); }

  Metrics metrics_;
  TempDir dir_;
  const std::string logs_;
  const std::string positions_;
};

TEST_F(FileSourceTest, ExistingFilesAreReadWholeWithTheirSourceInfo) {
  WriteFile(logs_ + "/a.log", "one\ntwo\r\n\nthree\n");
  WriteFile(logs_ + "/skip.txt", "not matched\n");
  WriteFile(logs_ + "/old.log.gz", "excluded\n");
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(4));
  auto events = out.Events();
  ASSERT_EQ(out.Messages(), (std::vector<std::string>{"one", "two", "", "three"}));
  EXPECT_EQ(events[0].source_id, logs_ + "/a.log");
  EXPECT_EQ(events[0].source_name, "a.log");
  EXPECT_EQ(events[0].component, "file_monitor");
  ASSERT_NE(events[0].labels.Find("job"), nullptr);
  EXPECT_EQ(*events[0].labels.Find("job"), "test");
  EXPECT_EQ(events[3].offset, 16u);
  EXPECT_NE(events[0].read_time, 0);
  EXPECT_EQ(events[0].read_time, events[3].read_time);  // one read(), one read time
  EXPECT_EQ(src->OpenFilesForTest(), 1u);
  EXPECT_EQ(metrics_.FilesMonitored().Value(), 1);
  src->Stop();
  EXPECT_TRUE(src->Finish().ok());
  EXPECT_EQ(metrics_.FilesMonitored().Value(), 0);
  EXPECT_NE(src->StatsJson().find("\"lines\":4"), std::string::npos);
}

TEST_F(FileSourceTest, FilesAppearingWhileRunningArePickedUpFromTheirStart) {
  FileMonitorConfig c = Config({logs_ + "/**/*.log"});
  c.read_from = "end";  // only for files found at the first scan
  CollectingConsumer out;
  auto src = Make(c);
  Start(*src, out);
  WriteFile(logs_ + "/new.log", "n1\nn2\n");
  std::filesystem::create_directories(logs_ + "/deep/er");
  WriteFile(logs_ + "/deep/er/nested.log", "d1\n");
  ASSERT_TRUE(out.WaitForCount(3));
  std::vector<std::string> got = out.Messages();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"d1", "n1", "n2"}));
  EXPECT_TRUE(WaitFor([&] { return src->OpenFilesForTest() == 2; }));
}

TEST_F(FileSourceTest, ReadFromEndSkipsOnlyWhatExistedAtTheFirstScan) {
  WriteFile(logs_ + "/a.log", "old1\nold2\n");
  FileMonitorConfig c = Config();
  c.read_from = "end";
  CollectingConsumer out;
  auto src = Make(c);
  Start(*src, out);  // the first scan is done when Start returns
  AppendFile(logs_ + "/a.log", "new1\n");
  WriteFile(logs_ + "/b.log", "b1\n");
  ASSERT_TRUE(WaitFor([&] { return out.HasMessage("new1") && out.HasMessage("b1"); }));
  std::vector<std::string> got = out.Messages();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"b1", "new1"}));
}

TEST_F(FileSourceTest, RenameRotationMidStreamLosesAndDuplicatesNothing) {
  const std::string path = logs_ + "/app.log";
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out, 7);
  constexpr int kLines = 3000, kRotations = 5;
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  for (int i = 1; i <= kLines; ++i) {
    std::fprintf(f, "line-%d\n", i);
    if (i % (kLines / (kRotations + 1)) == 0) {
      std::fflush(f);
      const std::string rotated = path + "." + std::to_string(i);  // does not match *.log
      ASSERT_EQ(::rename(path.c_str(), rotated.c_str()), 0);
      // The writer writes a few more lines to the renamed file before it reopens the path.
      for (int late = 0; late < 3 && i < kLines; ++late) std::fprintf(f, "line-%d\n", ++i);
      std::fclose(f);
      f = std::fopen(path.c_str(), "w");
      ASSERT_NE(f, nullptr);
    }
    if (i % 100 == 0) {
      std::fflush(f);
      std::this_thread::sleep_for(1ms);
    }
  }
  std::fclose(f);
  ASSERT_TRUE(out.WaitForCount(kLines)) << out.Count();
  // Every line once, and in write order: the old file's rest is read before the new file.
  EXPECT_EQ(out.Messages(), Numbered(1, kLines));
  EXPECT_LE(out.max_batch(), 7u);
  EXPECT_TRUE(out.one_ack_per_batch());
  // The rotated files are released after rotate_wait; only the current file stays open.
  EXPECT_TRUE(WaitFor([&] { return src->OpenFilesForTest() == 1; }));
  EXPECT_GE(FileEvents("rotated"), 1);
  EXPECT_EQ(FileEvents("closed"), FileEvents("opened") - 1);
  // Their positions are forgotten once released and acknowledged.
  EXPECT_TRUE(WaitFor([&] {
    auto saved = SavedPositions();
    return saved.size() == 1 && saved[0].path == path && saved[0].offset == std::filesystem::file_size(path);
  }));
  EXPECT_EQ(out.Count(), static_cast<size_t>(kLines));
}

TEST_F(FileSourceTest, RotatedNameThatAlsoMatchesTheGlobsIsNotReadTwice) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, NumberedLines(1, 10));
  CollectingConsumer out;
  auto src = Make(Config({logs_ + "/app.log*"}));
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(10));
  ASSERT_EQ(::rename(path.c_str(), (path + ".1").c_str()), 0);
  AppendFile(path + ".1", NumberedLines(11, 12));
  WriteFile(path, NumberedLines(13, 15));
  ASSERT_TRUE(out.WaitForCount(15));
  WriteFile(path + ".done", "line-16\n");  // a sentinel, read after the scan that saw the rename
  ASSERT_TRUE(out.WaitForCount(16));
  std::vector<std::string> got = out.Messages();
  EXPECT_EQ(got, Numbered(1, 16));
  EXPECT_EQ(src->OpenFilesForTest(), 3u);  // app.log.1 (the old file), app.log, app.log.done
  EXPECT_EQ(FileEvents("rotated"), 1);
}

TEST_F(FileSourceTest, CopytruncateStartsAgainAtZeroAndIsCounted) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, NumberedLines(1, 20));
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(20));
  std::filesystem::copy_file(path, path + ".1");  // logrotate copytruncate: copy, then truncate
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  AppendFile(path, NumberedLines(21, 25));
  ASSERT_TRUE(out.WaitForCount(25));
  EXPECT_EQ(out.Messages(), Numbered(1, 25));
  EXPECT_TRUE(WaitFor([&] { return FileEvents("truncated") == 1; }));
  auto events = out.Events();
  EXPECT_NE(events[19].stream_id, events[20].stream_id);  // a new stream generation
  EXPECT_EQ(events[24].offset, std::filesystem::file_size(path));
}

TEST_F(FileSourceTest, RestartResumesFromSavedPositionsWithNothingTwice) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, NumberedLines(1, 50));
  {
    CollectingConsumer out;
    auto src = Make(Config());
    Start(*src, out);
    ASSERT_TRUE(out.WaitForCount(50));
    src->Stop();
    ASSERT_TRUE(src->Finish().ok());
    EXPECT_EQ(out.Messages(), Numbered(1, 50));
  }
  auto saved = SavedPositions();
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].offset, std::filesystem::file_size(path));
  AppendFile(path, NumberedLines(51, 80));  // written while the agent is down
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  EXPECT_EQ(src->PositionsLoadResultForTest(), PositionsLoadResult::kLoaded);
  AppendFile(path, "line-81\n");
  ASSERT_TRUE(WaitFor([&] { return out.HasMessage("line-81"); }));
  EXPECT_EQ(out.Messages(), Numbered(51, 81));
}

TEST_F(FileSourceTest, HeldPartialLineIsNotEmittedAtShutdownAndIsReadWholeAfterRestart) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, "first\nhalf of a li");
  {
    CollectingConsumer out;
    auto src = Make(Config());
    Start(*src, out);
    ASSERT_TRUE(out.WaitForCount(1));
    src->Stop();
    ASSERT_TRUE(src->Finish().ok());
    EXPECT_EQ(out.Messages(), (std::vector<std::string>{"first"}));
  }
  ASSERT_EQ(SavedPositions().at(0).offset, 6u);  // before the partial line
  AppendFile(path, "ne\nnext\n");
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(2));
  EXPECT_EQ(out.Messages(), (std::vector<std::string>{"half of a line", "next"}));
  EXPECT_EQ(out.Events()[0].flags, 0);
}

TEST_F(FileSourceTest, RotationWhileStoppedReadsTheRestOfTheRotatedFileFirst) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, NumberedLines(1, 10));
  {
    CollectingConsumer out;
    auto src = Make(Config());
    Start(*src, out);
    ASSERT_TRUE(out.WaitForCount(10));
    src->Stop();
    ASSERT_TRUE(src->Finish().ok());
  }
  // While the agent is down: more lines, a rename rotation, lines in the new file.
  AppendFile(path, NumberedLines(11, 15));
  ASSERT_EQ(::rename(path.c_str(), (path + ".1").c_str()), 0);
  WriteFile(path, NumberedLines(16, 20));
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(10));
  EXPECT_EQ(out.Messages(), Numbered(11, 20));
  EXPECT_TRUE(WaitFor([&] { return src->OpenFilesForTest() == 1; }));  // the rotated one is released
}

TEST_F(FileSourceTest, InodeReuseWithADifferentFingerprintIsReadAsANewFile) {
  const std::string reused = logs_ + "/reused.log", same = logs_ + "/same.log";
  WriteFile(reused, "brand new content\nsecond\n");
  WriteFile(same, "kept\nresume here\n");
  auto identity_of = [](const std::string& p) {
    struct stat st;
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    FileIdentity id;
    id.key = FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
    int fd = ::open(p.c_str(), O_RDONLY);
    EXPECT_TRUE(ComputeFingerprint(fd, 256, &id.fingerprint, &id.fingerprint_len).ok());
    ::close(fd);
    return id;
  };
  // A saved position for reused.log's (dev, inode) whose fingerprint belongs to an older file.
  PositionEntry old_file{reused, identity_of(reused), 18};
  old_file.identity.fingerprint ^= 1;
  PositionEntry same_file{same, identity_of(same), 5};
  ASSERT_TRUE(PositionsStore(positions_).Save({old_file, same_file}).ok());

  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(3));
  std::vector<std::string> got = out.Messages();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"brand new content", "resume here", "second"}));
}

TEST_F(FileSourceTest, SavedOffsetPastTheEndMeansTruncatedWhileStopped) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, "short\n");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  PositionEntry e{path, FileIdentity{FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)},
                                     0, 0},
                  1000};
  ASSERT_TRUE(PositionsStore(positions_).Save({e}).ok());
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(1));
  EXPECT_EQ(out.Messages(), (std::vector<std::string>{"short"}));
  EXPECT_EQ(FileEvents("truncated"), 1);
}

TEST_F(FileSourceTest, CorruptPositionsFileMeansAFreshStartNotACrash) {
  std::filesystem::create_directories(positions_);
  WriteFile(positions_ + "/positions.json", "{\"version\":1,\"files\":[{\"pa");
  WriteFile(logs_ + "/a.log", "x\n");
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  EXPECT_EQ(src->PositionsLoadResultForTest(), PositionsLoadResult::kCorrupt);
  ASSERT_TRUE(out.WaitForCount(1));
  src->Stop();
  EXPECT_TRUE(src->Finish().ok());
  EXPECT_EQ(SavedPositions().size(), 1u);
}

TEST_F(FileSourceTest, DeletedFileIsReadToItsEndAndReleased) {
  const std::string path = logs_ + "/gone.log";
  WriteFile(path, "kept\n");
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(1));
  AppendFile(path, "last words\nno newline");
  ASSERT_EQ(::unlink(path.c_str()), 0);
  ASSERT_TRUE(WaitFor([&] { return src->OpenFilesForTest() == 0; }));
  ASSERT_TRUE(out.WaitForCount(3));
  auto events = out.Events();
  EXPECT_EQ(events[1].message, "last words");
  EXPECT_EQ(events[2].message, "no newline");
  EXPECT_EQ(events[2].flags, kFlagPartial);
  EXPECT_EQ(FileEvents("closed"), 1);
  EXPECT_EQ(metrics_.FilesMonitored().Value(), 0);
  EXPECT_TRUE(WaitFor([&] { return SavedPositions().empty() && std::filesystem::exists(positions_ + "/positions.json"); }));
}

TEST_F(FileSourceTest, IncompleteLineIsEmittedAsPartialAfterTheTimeout) {
  FileMonitorConfig c = Config();
  c.partial_line_timeout = 200ms;
  WriteFile(logs_ + "/a.log", "complete\nstill typing");
  CollectingConsumer out;
  auto src = Make(c);
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(2));
  auto events = out.Events();
  EXPECT_EQ(events[1].message, "still typing");
  EXPECT_EQ(events[1].flags, kFlagPartial);
  AppendFile(logs_ + "/a.log", " more\n");
  ASSERT_TRUE(out.WaitForCount(3));
  EXPECT_EQ(out.Events()[2].message, " more");
}

TEST_F(FileSourceTest, TenMebibyteLineIsTruncatedCountedAndDoesNotStall) {
  FileMonitorConfig c = Config();
  c.max_line_size = 1024;
  std::string big(10 * 1024 * 1024, 'q');
  WriteFile(logs_ + "/big.log", "before\n" + big + "\nafter\n");
  CollectingConsumer out;
  auto src = Make(c);
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(3));
  auto events = out.Events();
  EXPECT_EQ(events[0].message, "before");
  EXPECT_EQ(events[1].message, std::string(1024, 'q'));
  EXPECT_EQ(events[1].flags, kFlagTruncated);
  EXPECT_EQ(events[2].message, "after");
  // Counted once the batch is handed over (after Push returns): wait for it.
  EXPECT_TRUE(WaitFor([&] { return metrics_.LinesTruncated("file_monitor").Value() == 1; }));
}

TEST_F(FileSourceTest, FailedDeliveryKeepsThePositionSoARestartReadsItAgain) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, NumberedLines(1, 6));
  {
    CollectingConsumer out;
    out.set_hold(true);
    auto src = Make(Config());
    Start(*src, out, /*max_batch=*/2);
    ASSERT_TRUE(out.WaitForCount(6));
    src->Stop();
    std::vector<EventBatch> held = out.TakeHeld();
    ASSERT_EQ(held.size(), 3u);
    held[2] = EventBatch();  // delivered, out of order
    held[1].ReportOutcome(DeliveryOutcome::kFailed);
    held[1] = EventBatch();
    held[0] = EventBatch();  // delivered
    ASSERT_TRUE(src->Finish().ok());
  }
  EXPECT_EQ(SavedPositions().at(0).offset, 14u);  // end of "line-1\nline-2\n"
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(4));
  EXPECT_EQ(out.Messages(), Numbered(3, 6));
}

TEST_F(FileSourceTest, AcksArrivingAfterStopFinishAndDestructionAreSafe) {
  WriteFile(logs_ + "/a.log", NumberedLines(1, 10));
  CollectingConsumer out;
  out.set_hold(true);
  {
    auto src = Make(Config());
    Start(*src, out, 3);
    ASSERT_TRUE(out.WaitForCount(10));
    src->Stop();
    ASSERT_TRUE(src->Finish().ok());
  }
  // The source is gone; finalising its batches now must not touch freed memory.
  std::vector<EventBatch> held = out.TakeHeld();
  for (auto& b : held) b.ReportOutcome(DeliveryOutcome::kDelivered);
  held.clear();
}

TEST_F(FileSourceTest, PipelineRefusingBatchesStopsReadingWithoutMovingThePosition) {
  WriteFile(logs_ + "/a.log", NumberedLines(1, 10));
  CollectingConsumer out;
  out.set_refuse(true);
  auto src = Make(Config());
  Start(*src, out);
  std::this_thread::sleep_for(100ms);  // let the loop try (no assertion on time)
  src->Stop();
  ASSERT_TRUE(src->Finish().ok());
  EXPECT_EQ(out.Count(), 0u);
  EXPECT_EQ(SavedPositions().at(0).offset, 0u);
}

TEST_F(FileSourceTest, PositionsAreSavedPeriodicallyOnceAcknowledged) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, NumberedLines(1, 3));
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(WaitFor([&] {
    auto saved = SavedPositions();
    return saved.size() == 1 && saved[0].offset == std::filesystem::file_size(path);
  }));
  AppendFile(path, NumberedLines(4, 5));
  ASSERT_TRUE(WaitFor([&] {
    auto saved = SavedPositions();
    return saved.size() == 1 && saved[0].offset == std::filesystem::file_size(path);
  }));
  EXPECT_TRUE(WaitFor([&] { return metrics_.PositionSaves("success").Value() >= 2; }));
}

TEST_F(FileSourceTest, ManyFilesAreServedByOneReaderThread) {
  constexpr int kFiles = 300;
  for (int i = 0; i < kFiles; ++i) WriteFile(logs_ + "/f" + std::to_string(i) + ".log", "a\nb\n");
  CollectingConsumer out;
  auto src = Make(Config());
  const size_t threads_before = ThreadCount();
  Start(*src, out);
  EXPECT_EQ(ThreadCount(), threads_before + 1);
  ASSERT_TRUE(out.WaitForCount(2 * kFiles));
  for (int i = 0; i < kFiles; ++i) AppendFile(logs_ + "/f" + std::to_string(i) + ".log", "c\n");
  ASSERT_TRUE(out.WaitForCount(3 * kFiles));
  EXPECT_EQ(src->OpenFilesForTest(), static_cast<size_t>(kFiles));
  std::set<std::string> ids;
  for (const auto& e : out.Events()) ids.insert(e.source_id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kFiles));
}

TEST_F(FileSourceTest, SymlinkedPathFollowsRotationOfItsTarget) {
  // Kubernetes style: /var/log/containers/x.log -> /var/log/pods/.../0.log, rotated in pods/.
  std::filesystem::create_directories(dir_ / "pods");
  const std::string target = dir_ / "pods/0.log";
  WriteFile(target, NumberedLines(1, 5));
  ASSERT_EQ(::symlink(target.c_str(), (logs_ + "/app.log").c_str()), 0);
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(5));
  AppendFile(target, NumberedLines(6, 8));
  ASSERT_EQ(::rename(target.c_str(), (target + ".20261123").c_str()), 0);
  WriteFile(target, NumberedLines(9, 12));
  ASSERT_TRUE(out.WaitForCount(12));
  EXPECT_EQ(out.Messages(), Numbered(1, 12));
  EXPECT_EQ(out.Events().back().source_id, logs_ + "/app.log");
  EXPECT_TRUE(WaitFor([&] { return src->OpenFilesForTest() == 1; }));
}

TEST_F(FileSourceTest, DirectoryCreatedAfterStartIsWatchedAndRead) {
  CollectingConsumer out;
  auto src = Make(Config({logs_ + "/later/app/*.log"}));
  Start(*src, out);
  std::filesystem::create_directories(logs_ + "/later/app");
  WriteFile(logs_ + "/later/app/x.log", "hello\n");
  ASSERT_TRUE(out.WaitForCount(1));
  AppendFile(logs_ + "/later/app/x.log", "again\n");
  ASSERT_TRUE(out.WaitForCount(2));
  EXPECT_EQ(out.Messages(), (std::vector<std::string>{"hello", "again"}));
}

TEST_F(FileSourceTest, RotatedFileWithAnIncompleteLastLineEmitsItAsPartialWhenReleased) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, "done\ncut off");
  CollectingConsumer out;
  auto src = Make(Config());
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(1));
  ASSERT_EQ(::rename(path.c_str(), (path + ".1").c_str()), 0);
  WriteFile(path, "new\n");
  ASSERT_TRUE(out.WaitForCount(3));
  // The incomplete line is held through rotate_wait (a late write could still complete it), so it
  // is emitted at release, possibly after the new file's first lines.
  auto events = out.Events();
  std::map<std::string, uint8_t> flags;
  for (const auto& e : events) flags[e.message] = e.flags;
  EXPECT_EQ(events[0].message, "done");
  EXPECT_EQ(flags, (std::map<std::string, uint8_t>{{"done", 0}, {"cut off", kFlagPartial}, {"new", 0}}));
  EXPECT_TRUE(WaitFor([&] { return src->OpenFilesForTest() == 1; }));
}

TEST_F(FileSourceTest, SavedFileNoLongerMatchedByTheGlobsIsForgottenNotRead) {
  const std::string path = logs_ + "/app.log";
  WriteFile(path, NumberedLines(1, 3));
  {
    CollectingConsumer out;
    auto src = Make(Config());
    Start(*src, out);
    ASSERT_TRUE(out.WaitForCount(3));
    src->Stop();
    ASSERT_TRUE(src->Finish().ok());
  }
  AppendFile(path, NumberedLines(4, 5));
  WriteFile(logs_ + "/other.txt", "other\n");
  CollectingConsumer out;
  auto src = Make(Config({logs_ + "/*.txt"}));  // the configuration changed while stopped
  Start(*src, out);
  ASSERT_TRUE(out.WaitForCount(1));
  src->Stop();
  ASSERT_TRUE(src->Finish().ok());
  EXPECT_EQ(out.Messages(), (std::vector<std::string>{"other"}));
  auto saved = SavedPositions();
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].path, logs_ + "/other.txt");
}

// Runs in a child process (as nobody when the tests run as root, since root reads any file).
// Returns 0 on success, else the number of the failed step.
int UnreadableFileScenario(const std::string& logs, const std::string& positions) {
  if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 10;
  const std::string path = logs + "/secret.log";
  WriteFile(path, "hidden\n");
  if (::chmod(path.c_str(), 0) != 0) return 11;
  Metrics metrics;
  CollectingConsumer out;
  FileMonitorConfig c;
  c.include = {logs + "/*.log"};
  c.poll_interval = 50ms;
  c.scan_interval = 50ms;
  FileSource src("file_monitor", c, positions, 50ms);
  SourceContext ctx;
  ctx.output = &out;
  ctx.metrics = &metrics;
  if (!src.Start(ctx).ok()) return 1;
  auto& read_errors = metrics.FileEvents("file_monitor", "read_error");
  if (read_errors.Value() != 1) return 2;                    // counted at the first scan
  std::this_thread::sleep_for(300ms);                         // several more scans retry it
  if (read_errors.Value() != 1 || out.Count() != 0) return 3;  // counted (and logged) once
  if (::chmod(path.c_str(), 0644) != 0) return 12;
  if (!out.WaitForCount(1) || out.Messages() != std::vector<std::string>{"hidden"}) return 4;
  src.Stop();
  if (!src.Finish().ok()) return 5;
  return 0;
}

TEST_F(FileSourceTest, UnreadableFileIsCountedOnceAndRetriedAtScanTime) {
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::all);
  std::filesystem::permissions(logs_, std::filesystem::perms::all);
  EXPECT_EXIT(std::exit(UnreadableFileScenario(logs_, positions_)), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace logcap
