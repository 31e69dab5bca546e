// The segment block format on its own: LogWriter, ScanLog and ParseRecordAt over real files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "buffer/log_format.h"
#include "buffer/log_reader.h"
#include "buffer/log_writer.h"
#include "buffer/file_util.h"
#include "wal_test_util.h"

namespace logcap::log {
namespace {

using logcap::testing::TempDir;

struct Collected : LogVisitor {
  struct Rec {
    uint64_t start, end;
    std::string data;
  };
  struct Bad {
    uint64_t offset, bytes;
    std::string kind;
  };
  std::vector<Rec> records;
  std::vector<Bad> corrupt;
  void OnRecord(uint64_t start, uint64_t end, std::string_view data) override {
    records.push_back({start, end, std::string(data)});
  }
  void OnCorruption(uint64_t offset, uint64_t bytes, std::string_view kind, std::string_view) override {
    corrupt.push_back({offset, bytes, std::string(kind)});
  }
};

class LogFormatTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.Sub("seg");

  void TruncateAndRewrite(const std::string& content) {
    ASSERT_TRUE(fileutil::WriteAndSync(path_, content).ok());
  }

  std::vector<uint64_t> Write(const std::vector<std::string>& records, bool reopen = false) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | (reopen ? 0 : O_TRUNC), 0644);
    EXPECT_GE(fd, 0);
    const uint64_t size = reopen ? logcap::testing::FileSizeOf(path_) : 0;
    LogWriter w(fd, size);
    std::vector<uint64_t> ends;
    for (const std::string& r : records) {
      // Split in two pieces to exercise the head/body join.
      const size_t cut = r.size() / 3;
      Status s = w.AddRecord(std::string_view(r).substr(0, cut), std::string_view(r).substr(cut));
      EXPECT_TRUE(s.ok()) << s.ToString();
      ends.push_back(w.offset());
    }
    ::close(fd);
    return ends;
  }

  Collected Scan(uint64_t* torn) {
    Collected c;
    const int fd = ::open(path_.c_str(), O_RDONLY);
    EXPECT_GE(fd, 0);
    Status s = ScanLog(fd, logcap::testing::FileSizeOf(path_), &c, torn);
    EXPECT_TRUE(s.ok()) << s.ToString();
    ::close(fd);
    return c;
  }

  std::string FileBytes() {
    std::string out;
    EXPECT_TRUE(fileutil::ReadFile(path_, &out).ok());
    return out;
  }
};

std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + static_cast<size_t>(seed) * 17) & 0xff);
  return s;
}

TEST_F(LogFormatTest, RoundTripsEdgeSizes) {
  const std::vector<std::string> records = {
      "",                                        // 0 bytes
      "x",                                       // 1 byte
      Pattern(kBlockSize - kHeaderSize, 1),      // fills the rest of a block exactly when block-aligned
      Pattern(kBlockSize, 2),                    // exactly a block of data: FIRST + LAST
      Pattern(5 * kBlockSize + 123, 3),          // many blocks: FIRST, MIDDLE..., LAST
      Pattern(10, 4),
  };
  const std::vector<uint64_t> ends = Write(records);
  uint64_t torn = 0;
  Collected c = Scan(&torn);
  EXPECT_EQ(torn, logcap::testing::FileSizeOf(path_));
  EXPECT_TRUE(c.corrupt.empty());
  ASSERT_EQ(c.records.size(), records.size());
  const std::string bytes = FileBytes();
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(c.records[i].data, records[i]) << i;
    EXPECT_EQ(c.records[i].end, ends[i]) << i;
    // The exact-range parser reads each record back from [previous end, end).
    const uint64_t start = i == 0 ? 0 : ends[i - 1];
    std::vector<std::string_view> fragments;
    const char* error = nullptr;
    ASSERT_TRUE(ParseRecordAt(std::string_view(bytes).substr(start, ends[i] - start), start, &fragments, &error))
        << i << " " << (error ? error : "");
    std::string out;
    for (std::string_view f : fragments) out.append(f);
    EXPECT_EQ(out, records[i]);
  }
}

TEST_F(LogFormatTest, BlockTrailerIsZeroFilledAndSkipped) {
  // First record leaves exactly 6 bytes in the block: too small for a header.
  const std::string first = Pattern(kBlockSize - kHeaderSize - 6, 1);
  const std::vector<uint64_t> ends = Write({first, "after"});
  EXPECT_EQ(ends[0], kBlockSize - 6);
  EXPECT_EQ(ends[1], kBlockSize + kHeaderSize + 5);
  const std::string bytes = FileBytes();
  EXPECT_EQ(bytes.substr(kBlockSize - 6, 6), std::string(6, '\0'));
  uint64_t torn = 0;
  Collected c = Scan(&torn);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[1].data, "after");
  EXPECT_EQ(c.records[1].start, kBlockSize);
}

TEST_F(LogFormatTest, ReopenContinuesTheBlockLayout) {
  Write({Pattern(1000, 1), Pattern(40000, 2)});
  Write({Pattern(30000, 3), "tail"}, /*reopen=*/true);
  uint64_t torn = 0;
  Collected c = Scan(&torn);
  ASSERT_EQ(c.records.size(), 4u);
  EXPECT_EQ(c.records[2].data, Pattern(30000, 3));
  EXPECT_EQ(c.records[3].data, "tail");
  EXPECT_TRUE(c.corrupt.empty());
}

TEST_F(LogFormatTest, TruncationAtEveryOffsetOfTheLastRecordIsATornTail) {
  const std::vector<uint64_t> ends = Write({Pattern(300, 1), Pattern(kBlockSize - 500, 2), Pattern(40000, 3)});
  const std::string full = FileBytes();
  for (uint64_t cut = ends[1]; cut < ends[2]; cut += (cut < ends[1] + 20 || cut > ends[2] - 20) ? 1 : 97) {
    TruncateAndRewrite(full.substr(0, cut));
    uint64_t torn = 0;
    Collected c = Scan(&torn);
    ASSERT_EQ(c.records.size(), 2u) << "cut at " << cut;
    EXPECT_TRUE(c.corrupt.empty()) << "cut at " << cut;
    EXPECT_EQ(torn, ends[1]) << "cut at " << cut;
  }
}

TEST_F(LogFormatTest, ZeroFilledTailIsATornTail) {
  const std::vector<uint64_t> ends = Write({"one", "two"});
  logcap::testing::AppendBytes(path_, std::string(5000, '\0'));
  uint64_t torn = 0;
  Collected c = Scan(&torn);
  EXPECT_EQ(c.records.size(), 2u);
  EXPECT_TRUE(c.corrupt.empty());
  EXPECT_EQ(torn, ends[1]);
}

TEST_F(LogFormatTest, ChecksumMismatchSkipsOnlyThatRecord) {
  const std::vector<uint64_t> ends = Write({Pattern(100, 1), Pattern(100, 2), Pattern(100, 3)});
  logcap::testing::FlipByte(path_, ends[0] + kHeaderSize + 50);  // data of the middle record
  uint64_t torn = 0;
  Collected c = Scan(&torn);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[0].data, Pattern(100, 1));
  EXPECT_EQ(c.records[1].data, Pattern(100, 3));
  ASSERT_EQ(c.corrupt.size(), 1u);
  EXPECT_EQ(c.corrupt[0].kind, "bad_checksum");
  EXPECT_EQ(c.corrupt[0].offset, ends[0]);
  EXPECT_EQ(c.corrupt[0].bytes, ends[1] - ends[0]);
  EXPECT_EQ(torn, ends[2]);
}

TEST_F(LogFormatTest, CorruptLengthDropsTheRestOfTheBlockAndResyncs) {
  const std::vector<uint64_t> ends = Write({Pattern(100, 1), Pattern(100, 2), Pattern(100, 3), Pattern(kBlockSize, 4), "z"});
  logcap::testing::FlipByte(path_, ends[0] + 4);  // low byte of the middle record's length
  uint64_t torn = 0;
  Collected c = Scan(&torn);
  // Records 2 and 3 are lost with the rest of block 0; the LAST fragment of record 4 in block 1
  // is skipped as part of the same damage; "z" survives.
  ASSERT_GE(c.records.size(), 2u);
  EXPECT_EQ(c.records.front().data, Pattern(100, 1));
  EXPECT_EQ(c.records.back().data, "z");
  EXPECT_EQ(c.corrupt.size(), 1u);
}

TEST_F(LogFormatTest, DamagedMiddleFragmentLosesOnlyItsRecord) {
  const std::vector<uint64_t> ends = Write({"a", Pattern(3 * kBlockSize, 2), "b"});
  logcap::testing::FlipByte(path_, kBlockSize + 1000);  // inside the MIDDLE fragment of block 1
  uint64_t torn = 0;
  Collected c = Scan(&torn);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[0].data, "a");
  EXPECT_EQ(c.records[1].data, "b");
  ASSERT_EQ(c.corrupt.size(), 1u) << "the pieces of one damaged record are one corrupt record";
  EXPECT_EQ(c.corrupt[0].offset, ends[0]);
}

}  // namespace
}  // namespace logcap::log
