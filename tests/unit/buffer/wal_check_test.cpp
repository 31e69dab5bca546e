// Offline check and repair of a buffer directory.
#include "buffer/wal_check.h"

#include <gtest/gtest.h>

#include "buffer/cursor_file.h"
#include "buffer/file_util.h"
#include "wal_test_util.h"

namespace logcap {
namespace {

using namespace logcap::testing;

class WalCheckTest : public ::testing::Test {
 protected:
  TempDir dir_;
  WalOptions options_ = TestOptions(dir_.path());
  std::vector<std::string> payloads_;
  std::vector<WalRecordId> ids_;

  void SetUp() override {
    auto wal = OpenWal(options_);
    std::unique_ptr<WalReader> reader;
    ASSERT_TRUE(wal->OpenReader("sink", &reader).ok());
    for (int i = 0; i < 6; ++i) {
      payloads_.push_back(Numbered(i, 300 + static_cast<size_t>(i) * 20000));
      ids_.push_back(AppendDurable(wal.get(), payloads_.back(), 10));
    }
    reader.reset();
    wal->Close();
  }

  std::string Segment() const { return walfiles::SegmentPath(dir_.path(), ids_[0].segment); }

  std::vector<std::string> ReadAll() {
    auto wal = OpenWal(options_);
    std::unique_ptr<WalReader> reader;
    EXPECT_TRUE(wal->OpenReader("sink", &reader).ok());
    auto out = Payloads(ReadAvailable(reader.get()));
    reader.reset();
    wal->CrashForTesting();
    return out;
  }
};

TEST_F(WalCheckTest, CleanDirectoryIsOk) {
  WalCheckReport report;
  ASSERT_TRUE(CheckWal(dir_.path(), &report).ok());
  EXPECT_TRUE(report.ok()) << report.ToText();
  EXPECT_EQ(report.records, 6u);
  EXPECT_EQ(report.events, 60u);
  ASSERT_EQ(report.readers.size(), 1u);
  EXPECT_EQ(report.readers[0].name, "sink");
  EXPECT_EQ(report.readers[0].pending_records, 6u);
  EXPECT_NE(report.ToText().find("ok"), std::string::npos);
}

TEST_F(WalCheckTest, TornTailIsReportedAndRepairCutsIt) {
  AppendBytes(Segment(), std::string("\x12\x34\x56\x78\xff\x00\x01partial", 14));
  WalCheckReport report;
  ASSERT_TRUE(CheckWal(dir_.path(), &report).ok());
  ASSERT_EQ(report.problems.size(), 1u) << report.ToText();
  EXPECT_EQ(report.problems[0].kind, "torn_tail");
  EXPECT_EQ(report.problems[0].file, Segment());
  EXPECT_EQ(report.problems[0].offset, ids_.back().offset);
  EXPECT_NE(report.ToText().find(Segment() + " offset " + std::to_string(ids_.back().offset)), std::string::npos);
  EXPECT_EQ(FileSizeOf(Segment()), ids_.back().offset + 14) << "check changes nothing";

  ASSERT_TRUE(RepairWal(dir_.path(), &report).ok());
  EXPECT_EQ(report.repairs.size(), 1u) << report.ToText();
  EXPECT_EQ(FileSizeOf(Segment()), ids_.back().offset);
  ASSERT_TRUE(CheckWal(dir_.path(), &report).ok());
  EXPECT_TRUE(report.ok()) << report.ToText();
  EXPECT_EQ(ReadAll(), payloads_);
}

TEST_F(WalCheckTest, FlippedByteIsNamedAndRepairKeepsEveryValidRecord) {
  FlipByte(Segment(), ids_[2].offset + 100);  // inside record 3
  WalCheckReport report;
  ASSERT_TRUE(CheckWal(dir_.path(), &report).ok());
  ASSERT_EQ(report.problems.size(), 1u) << report.ToText();
  EXPECT_EQ(report.problems[0].kind, "bad_checksum");
  EXPECT_EQ(report.problems[0].file, Segment());
  EXPECT_EQ(report.problems[0].offset, ids_[2].offset);
  EXPECT_EQ(report.records, 5u);

  ASSERT_TRUE(RepairWal(dir_.path(), &report).ok());
  EXPECT_FALSE(report.repairs.empty());
  ASSERT_TRUE(CheckWal(dir_.path(), &report).ok());
  EXPECT_TRUE(report.ok()) << report.ToText();
  EXPECT_EQ(report.records, 5u);
  std::vector<std::string> expected = payloads_;
  expected.erase(expected.begin() + 3);
  EXPECT_EQ(ReadAll(), expected);
}

TEST_F(WalCheckTest, RepairRemapsACursorIntoARewrittenSegment) {
  // The reader is done with records 0..4; record 1 is damaged.
  ASSERT_TRUE(fileutil::WriteAndSync(walfiles::CursorPath(dir_.path(), "sink"), EncodeCursor({"sink", ids_[4]})).ok());
  FlipByte(Segment(), ids_[0].offset + 50);
  WalCheckReport report;
  ASSERT_TRUE(RepairWal(dir_.path(), &report).ok());
  ASSERT_TRUE(CheckWal(dir_.path(), &report).ok());
  EXPECT_TRUE(report.ok()) << report.ToText();
  EXPECT_EQ(ReadAll(), std::vector<std::string>{payloads_[5]}) << "resumes after the same record";
}

TEST_F(WalCheckTest, CursorPastTheEndIsReportedAndClamped) {
  ASSERT_TRUE(fileutil::WriteAndSync(walfiles::CursorPath(dir_.path(), "sink"),
                                     EncodeCursor({"sink", {ids_[0].segment, ids_.back().offset + 999}}))
                  .ok());
  WalCheckReport report;
  ASSERT_TRUE(CheckWal(dir_.path(), &report).ok());
  ASSERT_EQ(report.problems.size(), 1u) << report.ToText();
  EXPECT_EQ(report.problems[0].kind, "cursor_past_end");
  ASSERT_TRUE(RepairWal(dir_.path(), &report).ok());
  ASSERT_TRUE(CheckWal(dir_.path(), &report).ok());
  EXPECT_TRUE(report.ok()) << report.ToText();
}

TEST_F(WalCheckTest, CheckRefusesWhileAnAgentHoldsTheDirectory) {
  auto wal = OpenWal(options_);
  WalCheckReport report;
  Status s = CheckWal(dir_.path(), &report);
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_TRUE(RepairWal(dir_.path(), &report).IsUnavailable());
  wal->Close();
  EXPECT_TRUE(CheckWal(dir_.path(), &report).ok());
}

TEST_F(WalCheckTest, UnknownFilesAreReportedNotDeleted) {
  ASSERT_TRUE(fileutil::WriteAndSync(dir_.Sub("stray.bin"), "x").ok());
  WalCheckReport report;
  ASSERT_TRUE(RepairWal(dir_.path(), &report).ok());
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "unknown_file");
  EXPECT_TRUE(fileutil::Exists(dir_.Sub("stray.bin")));
}

}  // namespace
}  // namespace logcap
