#include "buffer/log_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "buffer/coding.h"
#include "buffer/crc32c.h"
#include "buffer/log_format.h"

namespace logcap::log {
namespace {

constexpr size_t kChunkBlocks = 32;  // read 1 MiB at a time while scanning

Status PreadFully(int fd, char* buf, size_t n, uint64_t offset, size_t* got) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::IoErrorFromErrno("read segment", errno);
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  *got = done;
  return Status::Ok();
}

// Serves the file block by block from a larger read buffer.
class BlockSource {
 public:
  BlockSource(int fd, uint64_t file_size) : fd_(fd), file_size_(file_size) {}

  Status Block(uint64_t block_offset, std::string_view* out) {
    if (block_offset < chunk_offset_ || block_offset >= chunk_offset_ + chunk_.size()) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunkBlocks * kBlockSize, file_size_ - block_offset));
      chunk_.resize(want);
      size_t got = 0;
      Status s = PreadFully(fd_, chunk_.data(), want, block_offset, &got);
      if (!s.ok()) return s;
      chunk_.resize(got);  // the file may have shrunk under us: treat as its end
      chunk_offset_ = block_offset;
    }
    const size_t at = static_cast<size_t>(block_offset - chunk_offset_);
    *out = std::string_view(chunk_).substr(at, std::min(kBlockSize, chunk_.size() - at));
    return Status::Ok();
  }

 private:
  int fd_;
  uint64_t file_size_;
  std::string chunk_;
  uint64_t chunk_offset_ = 0;
};

Status AllZerosFrom(int fd, uint64_t offset, uint64_t file_size, bool* zeros) {
  char buf[64 * 1024];
  *zeros = true;
  while (offset < file_size) {
    size_t got = 0;
    Status s = PreadFully(fd, buf, static_cast<size_t>(std::min<uint64_t>(sizeof(buf), file_size - offset)), offset, &got);
    if (!s.ok()) return s;
    if (got == 0) break;
    if (std::any_of(buf, buf + got, [](char c) { return c != 0; })) {
      *zeros = false;
      return Status::Ok();
    }
    offset += got;
  }
  return Status::Ok();
}

struct Header {
  uint32_t masked_crc;
  uint16_t length;
  uint8_t type;
};

Header DecodeHeader(const char* p) {
  return Header{coding::DecodeFixed32(p), coding::DecodeFixed16(p + 4), static_cast<uint8_t>(p[6])};
}

bool ChecksumMatches(const Header& h, const char* data) {
  const uint32_t crc = crc32c::Extend(crc32c::Value(&h.type, 1), data, h.length);
  return crc32c::Unmask(h.masked_crc) == crc;
}

// After a checksum mismatch: is the length trustworthy, i.e. does a whole valid fragment, a zero
// trailer or the block's end follow where it says the fragment ends?
bool ResyncPointLooksValid(std::string_view block, size_t next) {
  if (next > block.size()) return false;
  const size_t rest = block.size() - next;
  if (rest == 0) return true;
  if (rest < kHeaderSize) {
    return std::all_of(block.begin() + static_cast<ptrdiff_t>(next), block.end(), [](char c) { return c == 0; });
  }
  const Header h = DecodeHeader(block.data() + next);
  if (h.type == kZeroType || h.type > kMaxRecordType || kHeaderSize + h.length > rest) return false;
  return ChecksumMatches(h, block.data() + next + kHeaderSize);
}

// Merges contiguous skipped ranges (a trailer apart at most) into one reported corrupt record.
class CorruptionMerger {
 public:
  explicit CorruptionMerger(LogVisitor* visitor) : visitor_(visitor) {}
  ~CorruptionMerger() { Flush(); }

  void Add(uint64_t offset, uint64_t end, std::string_view kind, std::string_view detail) {
    if (end <= offset) return;
    if (pending_ && offset >= end_ && offset < end_ + kHeaderSize) {
      end_ = std::max(end_, end);
      return;
    }
    Flush();
    pending_ = true;
    offset_ = offset;
    end_ = end;
    kind_ = kind;
    detail_.assign(detail);
  }
  void Flush() {
    if (!pending_) return;
    pending_ = false;
    visitor_->OnCorruption(offset_, end_ - offset_, kind_, detail_);
  }

 private:
  LogVisitor* visitor_;
  bool pending_ = false;
  uint64_t offset_ = 0, end_ = 0;
  std::string_view kind_;  // always a string literal
  std::string detail_;
};

}  // namespace

Status ScanLog(int fd, uint64_t file_size, LogVisitor* visitor, uint64_t* torn_tail) {
  BlockSource source(fd, file_size);
  CorruptionMerger corrupt(visitor);
  std::string scratch;
  bool in_record = false;  // inside a FIRST..LAST chain
  uint64_t record_start = 0;
  *torn_tail = file_size;

  for (uint64_t block_offset = 0; block_offset < file_size; block_offset += kBlockSize) {
    std::string_view block;
    Status s = source.Block(block_offset, &block);
    if (!s.ok()) return s;
    if (block.empty()) {  // shrunk while scanning
      *torn_tail = in_record ? record_start : block_offset;
      return Status::Ok();
    }
    // Only the file's last block can be partial; a record cut by the end of file lives there.
    const bool partial = block.size() < kBlockSize;
    size_t p = 0;
    while (p < block.size()) {
      const uint64_t here = block_offset + p;
      const uint64_t from = in_record ? record_start : here;  // where the damage would begin
      const size_t rest = block.size() - p;
      if (rest < kHeaderSize) {
        if (partial) {  // a header (or the trailer written with the next record) cut by the end
          corrupt.Flush();
          *torn_tail = from;
          return Status::Ok();
        }
        break;  // trailer
      }
      const Header h = DecodeHeader(block.data() + p);
      if (h.type == kZeroType && h.length == 0 && h.masked_crc == 0) {
        bool zeros = false;
        s = AllZerosFrom(fd, here, file_size, &zeros);
        if (!s.ok()) return s;
        if (zeros) {  // the file system extended the file but the data never came
          corrupt.Flush();
          *torn_tail = from;
          return Status::Ok();
        }
        corrupt.Add(from, block_offset + block.size(), "bad_record_type", "zero-filled bytes before the end");
        in_record = false;
        break;
      }
      if (kHeaderSize + h.length > rest) {
        if (partial && p + kHeaderSize + h.length <= kBlockSize) {  // fragment cut by the end of file
          corrupt.Flush();
          *torn_tail = from;
          return Status::Ok();
        }
        corrupt.Add(from, block_offset + block.size(), "bad_length", "fragment length runs past its block");
        in_record = false;
        break;
      }
      const char* data = block.data() + p + kHeaderSize;
      const size_t next = p + kHeaderSize + h.length;
      const uint64_t fragment_end = block_offset + next;
      if (!ChecksumMatches(h, data)) {
        in_record = false;
        if (ResyncPointLooksValid(block, next)) {
          corrupt.Add(from, fragment_end, "bad_checksum", "checksum mismatch");
          p = next;
          continue;
        }
        corrupt.Add(from, block_offset + block.size(), "bad_checksum", "checksum mismatch (length untrusted)");
        break;
      }
      switch (h.type) {
        case kFullType:
          if (in_record) corrupt.Add(record_start, here, "partial_record", "record without its last fragment");
          in_record = false;
          corrupt.Flush();
          visitor->OnRecord(here, fragment_end, std::string_view(data, h.length));
          break;
        case kFirstType:
          if (in_record) corrupt.Add(record_start, here, "partial_record", "record without its last fragment");
          in_record = true;
          record_start = here;
          scratch.assign(data, h.length);
          break;
        case kMiddleType:
          if (!in_record) {
            corrupt.Add(here, fragment_end, "orphan_fragment", "middle fragment without a first");
          } else {
            scratch.append(data, h.length);
          }
          break;
        case kLastType:
          if (!in_record) {
            corrupt.Add(here, fragment_end, "orphan_fragment", "last fragment without a first");
          } else {
            scratch.append(data, h.length);
            in_record = false;
            corrupt.Flush();
            visitor->OnRecord(record_start, fragment_end, scratch);
          }
          break;
        default:
          corrupt.Add(from, fragment_end, "bad_record_type", "unknown fragment type " + std::to_string(h.type));
          in_record = false;
          break;
      }
      p = next;
    }
  }
  corrupt.Flush();
  if (in_record) *torn_tail = record_start;  // FIRST..MIDDLE with no LAST before the end
  return Status::Ok();
}

bool ParseRecordAt(std::string_view bytes, uint64_t start, std::vector<std::string_view>* fragments,
                   const char** error) {
  fragments->clear();
  size_t p = 0;
  bool in_record = false;
  while (true) {
    const size_t block_rest = kBlockSize - static_cast<size_t>((start + p) % kBlockSize);
    if (block_rest < kHeaderSize) {  // trailer
      p += block_rest;
      if (p > bytes.size()) {
        *error = "bad_length";
        return false;
      }
      continue;
    }
    if (bytes.size() - p < kHeaderSize) {
      *error = "bad_length";
      return false;
    }
    const Header h = DecodeHeader(bytes.data() + p);
    if (kHeaderSize + h.length > block_rest || kHeaderSize + h.length > bytes.size() - p) {
      *error = "bad_length";
      return false;
    }
    const char* data = bytes.data() + p + kHeaderSize;
    if (!ChecksumMatches(h, data)) {
      *error = "bad_checksum";
      return false;
    }
    p += kHeaderSize + h.length;
    const bool first = h.type == kFullType || h.type == kFirstType;
    const bool last = h.type == kFullType || h.type == kLastType;
    if (h.type == kZeroType || h.type > kMaxRecordType || first == in_record) {
      *error = h.type > kMaxRecordType || h.type == kZeroType ? "bad_record_type" : "orphan_fragment";
      return false;
    }
    fragments->emplace_back(data, h.length);
    in_record = true;
    if (last) {
      if (p != bytes.size()) {
        *error = "bad_length";
        return false;
      }
      return true;
    }
  }
}

}  // namespace logcap::log
