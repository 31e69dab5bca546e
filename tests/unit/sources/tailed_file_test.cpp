#include "sources/file/tailed_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "unit/sources/file_test_util.h"

namespace logcap {
namespace {

using testing::AppendFile;
using testing::CapturedEvent;
using testing::TempDir;
using testing::WriteFile;

class RecordingOutput : public TailOutput {
 public:
  bool PushBatch(EventBatch&& batch, size_t truncated_lines) override {
    truncated += truncated_lines;
    ++batches;
    EXPECT_EQ(batch.ack_count(), 1u);
    for (const Event& e : batch.events()) {
      events.push_back(CapturedEvent{std::string(e.message), e.source->id, e.source->name, e.source->component,
                                     e.flags, e.position.stream_id, e.position.offset, e.read_time});
    }
    if (hold) held.push_back(std::move(batch));
    return !refuse;
  }
  uint64_t NewStreamId() override { return ++stream_ids; }
  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.message);
    return out;
  }

  std::vector<CapturedEvent> events;
  std::vector<EventBatch> held;
  bool hold = false;
  bool refuse = false;
  size_t truncated = 0;
  size_t batches = 0;
  uint64_t stream_ids = 100;
};

std::shared_ptr<const SourceInfo> Info(const std::string& path) {
  auto info = std::make_shared<SourceInfo>();
  info->type = "file";
  info->id = path;
  return info;
}

std::unique_ptr<TailedFile> OpenAt(const std::string& path, uint64_t offset, TailOptions options = {}) {
  std::unique_ptr<TailedFile> f;
  Status s = TailedFile::Open(path, options, Info(path), &f);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (f) f->StartAt(offset, 1);
  return f;
}

TEST(TailedFile, ReadsLinesInBatchesOfAtMostMaxBatchEvents) {
  TempDir dir;
  WriteFile(dir / "a.log", testing::NumberedLines(1, 25));
  TailOptions o;
  o.max_batch_events = 10;
  auto f = OpenAt(dir / "a.log", 0, o);
  RecordingOutput out;
  auto r = f->ReadTurn(out);
  EXPECT_FALSE(r.more);
  EXPECT_EQ(out.events.size(), 25u);
  EXPECT_EQ(out.batches, 3u);
  EXPECT_EQ(out.events.back().offset, f->size());
  EXPECT_EQ(out.events.front().stream_id, 1u);
  EXPECT_TRUE(f->at_eof());
}

TEST(TailedFile, TurnStopsAtTheByteBudgetForFairness) {
  TempDir dir;
  WriteFile(dir / "a.log", std::string(10000, 'x') + "\n");
  TailOptions o;
  o.read_buffer_size = 1000;
  o.turn_bytes = 3000;
  auto f = OpenAt(dir / "a.log", 0, o);
  RecordingOutput out;
  auto r = f->ReadTurn(out);
  EXPECT_TRUE(r.more);
  EXPECT_EQ(r.bytes, 3000u);
  while (f->ReadTurn(out).more) {
  }
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].message.size(), 10000u);
}

TEST(TailedFile, CopytruncateRestartsAtZeroUnderANewStream) {
  TempDir dir;
  const std::string path = dir / "app.log";
  WriteFile(path, "one\ntwo\nthree\n");
  auto f = OpenAt(path, 0);
  RecordingOutput out;
  out.hold = true;  // the old batches are still in flight when the truncation is noticed
  f->ReadTurn(out);
  ASSERT_EQ(out.Messages(), (std::vector<std::string>{"one", "two", "three"}));
  const uint64_t old_stream = out.events.back().stream_id;
  const auto old_tracker = f->tracker();

  ASSERT_EQ(::truncate(path.c_str(), 0), 0);  // copytruncate: same inode, size 0
  AppendFile(path, "four\n");
  auto r = f->ReadTurn(out);
  EXPECT_TRUE(r.truncated);
  ASSERT_EQ(out.events.size(), 4u);
  EXPECT_EQ(out.events[3].message, "four");
  EXPECT_EQ(out.events[3].offset, 5u);
  EXPECT_NE(out.events[3].stream_id, old_stream);
  EXPECT_NE(f->tracker(), old_tracker);
  ASSERT_EQ(out.held.size(), 2u);
  out.held[0] = EventBatch();  // a late ack of the old content cannot move the new position
  EXPECT_EQ(f->tracker()->committed_offset(), 0u);
  EXPECT_EQ(old_tracker->committed_offset(), 14u);
  out.held[1] = EventBatch();
  EXPECT_EQ(f->tracker()->committed_offset(), 5u);
}

TEST(TailedFile, TruncateThenRewritePastTheOffsetIsDetectedByFingerprint) {
  TempDir dir;
  const std::string path = dir / "app.log";
  WriteFile(path, "aaaa\n");
  auto f = OpenAt(path, 0);
  RecordingOutput out;
  f->ReadTurn(out);
  // Between two looks the file was truncated and rewritten with more bytes than we had read.
  WriteFile(path, "bbbbbbbbbb\ncc\n");
  auto r = f->ReadTurn(out);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(out.Messages(), (std::vector<std::string>{"aaaa", "bbbbbbbbbb", "cc"}));
}

TEST(TailedFile, AppendIsNotMistakenForTruncation) {
  TempDir dir;
  const std::string path = dir / "app.log";
  WriteFile(path, "x");  // fingerprint over 1 byte
  auto f = OpenAt(path, 0);
  RecordingOutput out;
  f->ReadTurn(out);
  AppendFile(path, "y\nz\n");
  auto r = f->ReadTurn(out);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(out.Messages(), (std::vector<std::string>{"xy", "z"}));
  EXPECT_EQ(f->identity().fingerprint_len, 5u);  // grown with the file
}

TEST(TailedFile, RenamedFileKeepsItsIdentityAndIsReadToTheEnd) {
  TempDir dir;
  const std::string path = dir / "app.log";
  WriteFile(path, "before\n");
  auto f = OpenAt(path, 0);
  RecordingOutput out;
  f->ReadTurn(out);
  const FileKey key = f->identity().key;
  ASSERT_EQ(::rename(path.c_str(), (dir / "app.log.1").c_str()), 0);
  AppendFile(dir / "app.log.1", "late\n");  // a writer still holding the old file
  WriteFile(path, "new file\n");
  FileKey now_at_path;
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  now_at_path = FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  EXPECT_FALSE(now_at_path == key);  // rename rotation: the path names another inode
  f->MarkRotated(MonotonicNowNanos());
  EXPECT_FALSE(f->drained_since_rotation());
  f->ReadTurn(out);
  EXPECT_EQ(out.Messages(), (std::vector<std::string>{"before", "late"}));
  EXPECT_TRUE(f->drained_since_rotation());
  EXPECT_FALSE(f->deleted());
}

TEST(TailedFile, DeletedFileIsSeenAsDeletedAndReleaseEmitsItsPartialLine) {
  TempDir dir;
  const std::string path = dir / "app.log";
  WriteFile(path, "whole\nhalf");
  auto f = OpenAt(path, 0);
  RecordingOutput out;
  f->ReadTurn(out);
  ASSERT_EQ(::unlink(path.c_str()), 0);
  auto r = f->ReadTurn(out);
  EXPECT_TRUE(r.deleted);
  EXPECT_TRUE(f->Release(out));
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[1].message, "half");
  EXPECT_EQ(out.events[1].flags, kFlagPartial);
  EXPECT_EQ(f->fd(), -1);
}

TEST(TailedFile, PartialLineIsFlushedOnlyAfterTheIdleTimeout) {
  TempDir dir;
  const std::string path = dir / "app.log";
  WriteFile(path, "no newline yet");
  auto f = OpenAt(path, 0);
  RecordingOutput out;
  f->ReadTurn(out);
  EXPECT_TRUE(out.events.empty());
  const Nanos now = MonotonicNowNanos();
  EXPECT_TRUE(f->FlushPartialIfIdle(out, now, 3600 * kNanosPerSecond));
  EXPECT_TRUE(out.events.empty());
  EXPECT_TRUE(f->FlushPartialIfIdle(out, now + 2 * kNanosPerSecond, kNanosPerSecond));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].flags, kFlagPartial);
  EXPECT_EQ(out.events[0].offset, 14u);
}

TEST(TailedFile, PositionAdvancesOnlyWithAcknowledgements) {
  TempDir dir;
  const std::string path = dir / "app.log";
  WriteFile(path, testing::NumberedLines(1, 5));
  TailOptions o;
  o.max_batch_events = 2;
  auto f = OpenAt(path, 0, o);
  RecordingOutput out;
  out.hold = true;
  f->ReadTurn(out);
  ASSERT_EQ(out.held.size(), 3u);
  EXPECT_EQ(f->Position().offset, 0u);
  out.held[1] = EventBatch();  // second batch acked first: no move
  EXPECT_EQ(f->Position().offset, 0u);
  out.held[0] = EventBatch();
  EXPECT_EQ(f->Position().offset, out.events[3].offset);
  out.held[2].ReportOutcome(DeliveryOutcome::kFailed);
  out.held[2] = EventBatch();
  EXPECT_EQ(f->Position().offset, out.events[3].offset);
}

TEST(TailedFile, EndStartOffsetKeepsTheLineBeingWritten) {
  TempDir dir;
  const std::string path = dir / "a.log";
  WriteFile(path, "old\nolder\ncurrent-partial");
  auto f = OpenAt(path, 0);
  EXPECT_EQ(EndStartOffset(f->fd(), f->size()), 10u);
  WriteFile(dir / "b.log", "only partial");
  auto g = OpenAt(dir / "b.log", 0);
  EXPECT_EQ(EndStartOffset(g->fd(), g->size()), 0u);
  WriteFile(dir / "c.log", "a\nb\n");
  auto h = OpenAt(dir / "c.log", 0);
  EXPECT_EQ(EndStartOffset(h->fd(), h->size()), 4u);
}

TEST(TailedFile, NonRegularFileIsRefused) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
  std::unique_ptr<TailedFile> f;
  EXPECT_FALSE(TailedFile::Open(dir / "fifo", {}, Info("x"), &f).ok());
  EXPECT_FALSE(TailedFile::Open(dir / "missing", {}, Info("x"), &f).ok());
}

}  // namespace
}  // namespace logcap
