// Helpers for the disk buffer tests: a temp directory, file surgery, and small Wal drivers.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <ostream>
#include <string>
#include <vector>

#include "buffer/wal.h"
#include "buffer/wal_filenames.h"

namespace logcap {
inline void PrintTo(const WalRecordId& id, std::ostream* os) { *os << "(" << id.segment << ", " << id.offset << ")"; }
}  // namespace logcap

namespace logcap::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "wal-test-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    uint64_t n = 0;
    if (walfiles::ClassifyFileName(e.path().filename().string(), &n) == walfiles::FileKind::kSegment) {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline uint64_t FileSizeOf(const std::string& path) { return std::filesystem::file_size(path); }

inline void TruncateFile(const std::string& path, uint64_t size) { std::filesystem::resize_file(path, size); }

inline void FlipByte(const std::string& path, uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char c = 0;
  ASSERT_EQ(pread(fd, &c, 1, static_cast<off_t>(offset)), 1);
  c = static_cast<char>(c ^ 0x40);
  ASSERT_EQ(pwrite(fd, &c, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

inline void AppendBytes(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

inline WalOptions TestOptions(const std::string& dir) {
  WalOptions o;
  o.directory = dir;
  o.max_total_size = 64ull << 20;
  o.max_segment_size = 1ull << 20;
  o.sync_interval = 5 * kNanosPerMilli;
  o.cursor_save_interval = 20 * kNanosPerMilli;
  return o;
}

inline std::unique_ptr<Wal> OpenWal(const WalOptions& o, WalRecoveryReport* report = nullptr) {
  std::unique_ptr<Wal> wal;
  Status s = Wal::Open(o, &wal, report);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return wal;
}

// Appends and waits for the record to be durable; returns its id.
inline WalRecordId AppendDurable(Wal* wal, const std::string& payload, uint32_t events = 1) {
  std::promise<Status> done;
  WalRecordId id;
  Status s = wal->Append(payload, events, 0, [&done](const Status& st) { done.set_value(st); }, &id);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return id;
  Status durable = done.get_future().get();
  EXPECT_TRUE(durable.ok()) << durable.ToString();
  return id;
}

inline Status AppendNoWait(Wal* wal, const std::string& payload, uint32_t events = 1, WalRecordId* id = nullptr) {
  return wal->Append(payload, events, 0, nullptr, id);
}

struct ReadRecord {
  std::string payload;
  WalRecordId id;
  uint32_t events = 0;
};

// Reads everything currently available (waits at most `wait` for each next record).
inline std::vector<ReadRecord> ReadAvailable(WalReader* reader, Nanos wait = 0) {
  std::vector<ReadRecord> out;
  ReadRecord r;
  while (reader->Next(&r.payload, &r.id, &r.events, wait == 0 ? 0 : MonotonicNowNanos() + wait)) out.push_back(r);
  return out;
}

inline std::vector<std::string> Payloads(const std::vector<ReadRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.payload);
  return out;
}

inline std::string Numbered(int i, size_t size = 100) {
  std::string s = "record-" + std::to_string(i) + "-";
  while (s.size() < size) s += static_cast<char>('a' + (s.size() * 7 + static_cast<size_t>(i)) % 26);
  s.resize(std::max(size, s.size()));
  return s;
}

}  // namespace logcap::testing
