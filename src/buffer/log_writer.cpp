#include "buffer/log_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "buffer/coding.h"
#include "buffer/crc32c.h"

namespace logcap::log {
namespace {

constexpr char kZeros[kHeaderSize] = {};

// Splits concat(head, body) into consecutive spans without copying.
class TwoPieceCursor {
 public:
  TwoPieceCursor(std::string_view head, std::string_view body) : pieces_{head, body} {}

  // Calls fn(ptr, len) for the next n bytes (one or two spans).
  template <typename Fn>
  void Take(size_t n, Fn&& fn) {
    while (n > 0) {
      std::string_view& p = pieces_[index_];
      if (p.empty()) {
        ++index_;
        continue;
      }
      const size_t k = std::min(n, p.size());
      fn(p.data(), k);
      p.remove_prefix(k);
      n -= k;
    }
  }

 private:
  std::string_view pieces_[2];
  size_t index_ = 0;
};

}  // namespace

LogWriter::LogWriter(int fd, uint64_t offset) : fd_(fd), offset_(offset) {
  for (uint8_t t = 0; t <= kMaxRecordType; ++t) type_crc_[t] = crc32c::Value(&t, 1);
}

Status LogWriter::AddRecord(std::string_view head, std::string_view body) {
  if (broken_) return Status::IoError("log writer: segment is unusable after a failed cut");
  size_t left = head.size() + body.size();
  headers_.resize(left / (kBlockSize - kHeaderSize) + 2);
  iov_.clear();
  TwoPieceCursor data(head, body);

  size_t block_offset = offset_ % kBlockSize;
  size_t fragment = 0;
  bool begin = true;
  do {
    const size_t leftover = kBlockSize - block_offset;
    if (leftover < kHeaderSize) {
      // Too short for a header: zero-fill the block's tail and start the next block.
      if (leftover > 0) iov_.push_back({const_cast<char*>(kZeros), leftover});
      block_offset = 0;
    }
    const size_t avail = kBlockSize - block_offset - kHeaderSize;
    const size_t len = std::min(left, avail);
    const bool end = (len == left);
    const RecordType type = begin && end ? kFullType : begin ? kFirstType : end ? kLastType : kMiddleType;

    char* h = headers_[fragment++].data();
    iov_.push_back({h, kHeaderSize});
    uint32_t crc = type_crc_[type];
    data.Take(len, [&](const char* p, size_t n) {
      crc = crc32c::Extend(crc, p, n);
      iov_.push_back({const_cast<char*>(p), n});
    });
    coding::EncodeFixed32(h, crc32c::Mask(crc));
    coding::EncodeFixed16(h + 4, static_cast<uint16_t>(len));
    h[6] = static_cast<char>(type);

    block_offset += kHeaderSize + len;
    left -= len;
    begin = false;
  } while (left > 0);

  return WriteAll(offset_);
}

Status LogWriter::WriteAll(uint64_t start) {
  uint64_t pos = start;
  size_t first = 0;
  while (first < iov_.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov_.size() - first, IOV_MAX));
    const ssize_t n = pwritev(fd_, &iov_[first], count, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;  // a zero-byte write makes no progress: treat as full
      // Cut what this record wrote so the segment ends on a whole record.
      while (ftruncate(fd_, static_cast<off_t>(start)) != 0) {
        if (errno == EINTR) continue;
        broken_ = true;
        break;
      }
      return Status::IoErrorFromErrno("write segment", err);
    }
    pos += static_cast<uint64_t>(n);
    // Advance past fully written iovecs; trim a partially written one.
    size_t done = static_cast<size_t>(n);
    while (done > 0) {
      iovec& v = iov_[first];
      if (done >= v.iov_len) {
        done -= v.iov_len;
        ++first;
      } else {
        v.iov_base = static_cast<char*>(v.iov_base) + done;
        v.iov_len -= done;
        done = 0;
      }
    }
    while (first < iov_.size() && iov_[first].iov_len == 0) ++first;
  }
  offset_ = pos;
  return Status::Ok();
}

}  // namespace logcap::log
