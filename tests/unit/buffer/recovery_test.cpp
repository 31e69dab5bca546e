// Open after crashes and damage: torn tails are cut, corrupt records skipped and counted, cursor
// files that are damaged or point past the end are clamped. Real files in a temp dir.
#include <gtest/gtest.h>

#include <filesystem>

#include "buffer/cursor_file.h"
#include "buffer/file_util.h"
#include "buffer/log_format.h"
#include "wal_test_util.h"

namespace logcap {
namespace {

using namespace logcap::testing;

class RecoveryTest : public ::testing::Test {
 protected:
  TempDir dir_;
  WalOptions options_ = TestOptions(dir_.path());

  // Writes records through a Wal with reader "r" registered before them, then closes it.
  std::vector<WalRecordId> WriteRecords(const std::vector<std::string>& payloads) {
    auto wal = OpenWal(options_);
    std::unique_ptr<WalReader> reader;
    EXPECT_TRUE(wal->OpenReader("r", &reader).ok());
    std::vector<WalRecordId> ids;
    for (const auto& p : payloads) ids.push_back(AppendDurable(wal.get(), p));
    reader.reset();
    wal->Close();
    return ids;
  }

  std::vector<std::string> ReadAllAfterOpen(WalRecoveryReport* report = nullptr, WalStats* stats = nullptr) {
    auto wal = OpenWal(options_, report);
    if (!wal) return {};
    std::unique_ptr<WalReader> reader;
    EXPECT_TRUE(wal->OpenReader("r", &reader).ok());
    auto out = Payloads(ReadAvailable(reader.get()));
    if (stats != nullptr) *stats = wal->Stats();
    reader.reset();
    wal->CrashForTesting();  // keep the cursor where it was
    return out;
  }

  void WriteCursor(const std::string& name, WalRecordId pos) {
    ASSERT_TRUE(fileutil::WriteAndSync(walfiles::CursorPath(dir_.path(), name), EncodeCursor({name, pos})).ok());
  }
};

TEST_F(RecoveryTest, TornTailAtEveryByteOfTheLastRecordIsCutAndEarlierRecordsKept) {
  // The last record crosses a block boundary, so cuts land in both fragments and the trailer.
  const std::vector<std::string> payloads = {Numbered(1, 200), Numbered(2, log::kBlockSize - 400), Numbered(3, 400)};
  const std::vector<WalRecordId> ids = WriteRecords(payloads);
  ASSERT_EQ(ids[1].segment, ids[2].segment);
  const std::string segment = walfiles::SegmentPath(dir_.path(), ids[2].segment);
  std::string original;
  ASSERT_TRUE(fileutil::ReadFile(segment, &original).ok());
  ASSERT_EQ(original.size(), ids[2].offset);

  for (uint64_t cut = ids[1].offset; cut < ids[2].offset; ++cut) {
    ASSERT_TRUE(fileutil::WriteAndSync(segment, original.substr(0, cut)).ok());
    WalRecoveryReport report;
    const auto got = ReadAllAfterOpen(&report);
    ASSERT_EQ(got, std::vector<std::string>(payloads.begin(), payloads.begin() + 2)) << "cut at " << cut;
    ASSERT_EQ(report.torn_tail_bytes, cut - ids[1].offset) << "cut at " << cut;
    ASSERT_EQ(report.corrupt_records, 0u) << "cut at " << cut;
    ASSERT_EQ(FileSizeOf(segment), ids[1].offset) << "the torn tail is cut off";
  }
}

TEST_F(RecoveryTest, FlippedByteInTheMiddleRecordSkipsOnlyIt) {
  const std::vector<std::string> payloads = {Numbered(1, 500), Numbered(2, 500), Numbered(3, 500)};
  const std::vector<WalRecordId> ids = WriteRecords(payloads);
  FlipByte(walfiles::SegmentPath(dir_.path(), ids[1].segment), ids[0].offset + 250);
  WalRecoveryReport report;
  WalStats stats;
  EXPECT_EQ(ReadAllAfterOpen(&report, &stats), (std::vector<std::string>{payloads[0], payloads[2]}));
  EXPECT_EQ(report.corrupt_records, 1u);
  EXPECT_EQ(report.corrupt_bytes, ids[1].offset - ids[0].offset);
  EXPECT_EQ(report.torn_tail_bytes, 0u);
  EXPECT_EQ(stats.corrupt_records, 1u);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_NE(report.problems[0].find("bad_checksum"), std::string::npos) << report.problems[0];
}

TEST_F(RecoveryTest, ZeroFilledTailIsCut) {
  const std::vector<WalRecordId> ids = WriteRecords({"a", "b"});
  const std::string segment = walfiles::SegmentPath(dir_.path(), ids[1].segment);
  AppendBytes(segment, std::string(10000, '\0'));
  WalRecoveryReport report;
  EXPECT_EQ(ReadAllAfterOpen(&report), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(report.torn_tail_bytes, 10000u);
  EXPECT_EQ(report.corrupt_records, 0u);
  EXPECT_EQ(FileSizeOf(segment), ids[1].offset);
}

TEST_F(RecoveryTest, CorruptCursorFileRestartsTheReaderAtTheOldestRecord) {
  WriteRecords({"a", "b", "c"});
  {  // the reader has read and committed everything
    auto wal = OpenWal(options_);
    std::unique_ptr<WalReader> reader;
    ASSERT_TRUE(wal->OpenReader("r", &reader).ok());
    auto all = ReadAvailable(reader.get());
    ASSERT_EQ(all.size(), 3u);
    reader->Commit(all[1].id);
    ASSERT_TRUE(reader->Checkpoint().ok());
    reader.reset();
    wal->CrashForTesting();
  }
  const std::string cursor = walfiles::CursorPath(dir_.path(), "r");
  std::string bytes;
  ASSERT_TRUE(fileutil::ReadFile(cursor, &bytes).ok());
  bytes[8] ^= 1;
  ASSERT_TRUE(fileutil::WriteAndSync(cursor, bytes).ok());
  WalRecoveryReport report;
  EXPECT_EQ(ReadAllAfterOpen(&report), (std::vector<std::string>{"a", "b", "c"})) << "duplicates rather than loss";
  ASSERT_FALSE(report.problems.empty());
  EXPECT_NE(report.problems.back().find("checksum"), std::string::npos) << report.problems.back();
}

TEST_F(RecoveryTest, CursorPastTheEndOfItsSegmentIsClamped) {
  const std::vector<WalRecordId> ids = WriteRecords({"a", "b"});
  WriteCursor("r", WalRecordId{ids[1].segment, ids[1].offset + 5000});
  auto wal = OpenWal(options_);
  std::unique_ptr<WalReader> reader;
  ASSERT_TRUE(wal->OpenReader("r", &reader).ok());
  EXPECT_TRUE(ReadAvailable(reader.get()).empty());
  ASSERT_TRUE(AppendNoWait(wal.get(), "c").ok());
  EXPECT_EQ(Payloads(ReadAvailable(reader.get())), std::vector<std::string>{"c"});
  reader.reset();
}

TEST_F(RecoveryTest, CursorBeyondTheLastSegmentIsClampedToTheEnd) {
  WriteRecords({"a"});
  WriteCursor("r", WalRecordId{999, 123});
  WalRecoveryReport report;
  auto wal = OpenWal(options_, &report);
  bool reported = false;
  for (const auto& p : report.problems) reported |= p.find("past the end") != std::string::npos;
  EXPECT_TRUE(reported);
  std::unique_ptr<WalReader> reader;
  ASSERT_TRUE(wal->OpenReader("r", &reader).ok());
  ASSERT_TRUE(AppendNoWait(wal.get(), "b").ok());
  EXPECT_EQ(Payloads(ReadAvailable(reader.get())), std::vector<std::string>{"b"});
  reader.reset();
}

TEST_F(RecoveryTest, CursorAtADeletedSegmentMovesToTheNextOne) {
  const std::vector<WalRecordId> first = WriteRecords({"a"});
  const std::vector<WalRecordId> second = WriteRecords({"b", "c"});
  ASSERT_LT(first[0].segment, second[0].segment);
  ASSERT_TRUE(fileutil::RemoveFile(walfiles::SegmentPath(dir_.path(), first[0].segment)).ok());
  WriteCursor("r", WalRecordId{first[0].segment, 3});
  EXPECT_EQ(ReadAllAfterOpen(), (std::vector<std::string>{"b", "c"}));
}

TEST_F(RecoveryTest, AppendsAfterOpenGoToANewSegment) {
  const std::vector<WalRecordId> ids = WriteRecords({"a"});
  auto wal = OpenWal(options_);
  const WalRecordId id = AppendDurable(wal.get(), "b");
  EXPECT_GT(id.segment, ids[0].segment);
  EXPECT_EQ(FileSizeOf(walfiles::SegmentPath(dir_.path(), ids[0].segment)), ids[0].offset);
}

TEST_F(RecoveryTest, SecondOpenOfTheSameDirectoryIsAClearError) {
  auto wal = OpenWal(options_);
  std::unique_ptr<Wal> second;
  Status s = Wal::Open(options_, &second, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsUnavailable());
  EXPECT_NE(s.message().find(dir_.path()), std::string::npos) << s.ToString();
  wal->Close();
  EXPECT_TRUE(Wal::Open(options_, &second, nullptr).ok()) << "Close releases the directory";
}

TEST_F(RecoveryTest, UnknownFilesAreReportedAndLeftAlone) {
  ASSERT_TRUE(fileutil::WriteAndSync(dir_.Sub("notes.txt"), "hello").ok());
  WalRecoveryReport report;
  auto wal = OpenWal(options_, &report);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("notes.txt"), std::string::npos);
  EXPECT_TRUE(fileutil::Exists(dir_.Sub("notes.txt")));
}

TEST_F(RecoveryTest, CrashKeepsWrittenButUnsyncedRecords) {
  options_.sync_interval = 3600 * kNanosPerSecond;
  auto wal = OpenWal(options_);
  std::unique_ptr<WalReader> reader;
  ASSERT_TRUE(wal->OpenReader("r", &reader).ok());
  int aborted = 0;
  ASSERT_TRUE(wal->Append("x", 1, 0, [&](const Status& s) { aborted += s.code() == Status::Code::kAborted; }).ok());
  reader.reset();
  wal->CrashForTesting();
  EXPECT_EQ(aborted, 1) << "the callback runs exactly once, with an error";
  EXPECT_EQ(ReadAllAfterOpen(), std::vector<std::string>{"x"}) << "kill -9 keeps the page cache";
}

}  // namespace
}  // namespace logcap
