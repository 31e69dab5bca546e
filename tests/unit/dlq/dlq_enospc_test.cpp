// Disk full: the DLQ on a 1 MiB tmpfs. Needs root (mount); fails, never skips, without it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dlq/dead_letter_queue.h"
#include "unit/dlq/dlq_test_util.h"

namespace logcap {
namespace {

using namespace dlq_test;

class DlqDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = dir_.path() + "/small";
    ASSERT_EQ(::mkdir(mount_point_.c_str(), 0755), 0) << std::strerror(errno);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=1m") != 0) {
      FAIL() << "cannot mount a 1 MiB tmpfs on " << mount_point_ << ": " << std::strerror(errno)
             << " (this test needs root / CAP_SYS_ADMIN; it does not skip)";
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_ && ::umount2(mount_point_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "umount " << mount_point_ << ": " << std::strerror(errno);
    }
  }

  // Writes a file until the file system is full; returns its path.
  std::string Fill() {
    const std::string path = mount_point_ + "/filler";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0) << std::strerror(errno);
    std::string block(4096, 'f');
    for (;;) {
      const ssize_t n = ::write(fd, block.data(), block.size());
      if (n <= 0) {
        EXPECT_EQ(errno, ENOSPC);
        break;
      }
    }
    ::close(fd);
    return path;
  }

  TempDir dir_;
  std::string mount_point_;
  bool mounted_ = false;
};

TEST_F(DlqDiskFullTest, AppendFailsWithNoSpaceThenWorksWhenSpaceReturns) {
  const std::string dlq_dir = mount_point_ + "/dlq";
  auto q = OpenQueue(Options(dlq_dir));
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1)}).ok());
  const uint64_t bytes_before = q->Stats().bytes;

  const std::string filler = Fill();
  std::vector<DlqEntry> big;
  for (int i = 0; i < 20; ++i) {
    DlqEntry e = Entry(100 + i);
    e.error.assign(8000, 'e');  // well past the last free page
    big.push_back(e);
  }
  Status s = q->Append(big);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find("No space left"), std::string::npos) << s.message();
  DlqStats stats = q->Stats();
  EXPECT_EQ(stats.write_errors, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, bytes_before);
  // Nothing of the failed call is left in the file.
  const auto files = DataFiles(dlq_dir);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(dlq_dir + "/" + files[0]), bytes_before);

  ASSERT_EQ(::unlink(filler.c_str()), 0);
  s = q->Append(big);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(q->Stats().entries, 21u);

  // Everything reads back whole after a reopen: no torn or corrupt lines.
  q.reset();
  q = OpenQueue(Options(dlq_dir));
  stats = q->Stats();
  EXPECT_EQ(stats.entries, 21u);
  EXPECT_EQ(stats.torn_lines, 0u);
  EXPECT_EQ(stats.corrupt_lines, 0u);
  auto back = ReadBack(*q);
  ASSERT_EQ(back.size(), 21u);
  EXPECT_EQ(IdOf(back[0].entry), 1);
  EXPECT_EQ(IdOf(back[20].entry), 119);
}

TEST_F(DlqDiskFullTest, ReplayMarksFailToWriteAndTheEntriesStay) {
  const std::string dlq_dir = mount_point_ + "/dlq";
  auto q = OpenQueue(Options(dlq_dir));
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1), Entry(2)}).ok());
  const std::string filler = Fill();
  uint64_t delivered = 0, failed = 0;
  Status s = q->Replay(
      {}, 10, [](std::span<const DlqStoredEntry> c) { return std::vector<bool>(c.size(), true); }, &delivered,
      &failed);
  // The sidecar cannot be written: the entries were delivered but stay live (delivered again later).
  EXPECT_EQ(s.code(), Status::Code::kIoError) << s.ToString();
  EXPECT_EQ(q->Stats().entries, 2u);
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  auto back = ReadBack(*q);
  EXPECT_EQ(back.size(), 2u);
}

}  // namespace
}  // namespace logcap
