// A real full disk: a 2 MiB tmpfs. Append must fail cleanly with ENOSPC's text, keep the log
// consistent, and work again once space is freed, with every earlier durable record intact.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "buffer/file_util.h"
#include "wal_test_util.h"

namespace logcap {
namespace {

using namespace logcap::testing;

class EnospcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = tmp_.Sub("mnt");
    ASSERT_TRUE(fileutil::CreateDirs(mount_point_).ok());
    if (mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=2m") != 0) {
      FAIL() << "cannot mount a 2 MiB tmpfs on " << mount_point_ << ": " << std::strerror(errno)
             << " (this test needs root and mount permission; it is not skipped on purpose)";
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_ && umount(mount_point_.c_str()) != 0) {
      ADD_FAILURE() << "umount " << mount_point_ << ": " << std::strerror(errno);
      umount2(mount_point_.c_str(), MNT_DETACH);
    }
  }

  TempDir tmp_;
  std::string mount_point_;
  bool mounted_ = false;
};

TEST_F(EnospcTest, AppendFailsWithNoSpaceAndRecoversOnceSpaceIsFreed) {
  const std::string filler = mount_point_ + "/filler";
  ASSERT_TRUE(fileutil::WriteAndSync(filler, std::string(1 << 20, 'f')).ok());

  WalOptions o = TestOptions(mount_point_ + "/buffer");
  o.max_total_size = 64ull << 20;  // far more than the disk: the disk fills first
  o.max_segment_size = 256 << 10;
  std::vector<std::string> expected;
  {
    auto wal = OpenWal(o);
    ASSERT_NE(wal, nullptr);
    std::unique_ptr<WalReader> reader;
    ASSERT_TRUE(wal->OpenReader("sink", &reader).ok());

    std::mutex mu;
    std::vector<int> durable;
    std::vector<int> accepted;
    Status failure;
    for (int i = 0; i < 200; ++i) {
      Status s = wal->Append(Numbered(i, 30000), 1, 0, [&, i](const Status& st) {
        if (!st.ok()) return;
        std::lock_guard<std::mutex> l(mu);
        durable.push_back(i);
      });
      if (!s.ok()) {
        failure = s;
        break;
      }
      accepted.push_back(i);
    }
    ASSERT_FALSE(failure.ok()) << "2 MiB must fill up";
    EXPECT_EQ(failure.code(), Status::Code::kIoError);
    EXPECT_NE(failure.message().find("No space left"), std::string::npos) << failure.ToString();
    // Failing again is harmless too.
    EXPECT_FALSE(wal->Append(Numbered(1000, 30000), 1, 0, nullptr).ok());
    EXPECT_NE(wal->Stats().last_error.find("No space left"), std::string::npos);

    ASSERT_TRUE(fileutil::RemoveFile(filler).ok());
    const int first_after = static_cast<int>(accepted.size()) + 1000;
    for (int i = first_after; i < first_after + 10; ++i) {
      Status s = wal->Append(Numbered(i, 30000), 1, 0, [&, i](const Status& st) {
        if (!st.ok()) return;
        std::lock_guard<std::mutex> l(mu);
        durable.push_back(i);
      });
      ASSERT_TRUE(s.ok()) << s.ToString();
      accepted.push_back(i);
    }
    EXPECT_EQ(wal->Stats().last_error, "");

    // Every accepted record is read, in order; the refused ones never appear.
    for (int i : accepted) expected.push_back(Numbered(i, 30000));
    EXPECT_EQ(Payloads(ReadAvailable(reader.get())), expected);
    reader.reset();
    wal->Close();
    std::lock_guard<std::mutex> l(mu);
    EXPECT_EQ(durable, accepted) << "every accepted record became durable after Close";
  }
  // After reopening, the durable records are all still there.
  auto wal = OpenWal(o);
  std::unique_ptr<WalReader> reader;
  ASSERT_TRUE(wal->OpenReader("sink", &reader).ok());
  EXPECT_EQ(Payloads(ReadAvailable(reader.get())), expected) << "nothing was committed: all is read again";
  reader.reset();
  wal->Close();
  wal.reset();
}

}  // namespace
}  // namespace logcap
