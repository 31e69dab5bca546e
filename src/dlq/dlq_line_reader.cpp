#include "dlq/dlq_line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace logcap {

DlqLineReader::~DlqLineReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status DlqLineReader::Open(const std::string& path, uint64_t limit) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return status_ = Status::IoErrorFromErrno("dlq: open " + path, errno);
  if (limit == UINT64_MAX) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return status_ = Status::IoErrorFromErrno("dlq: stat " + path, errno);
    limit = static_cast<uint64_t>(st.st_size);
  }
  path_ = path;
  limit_ = limit;
  file_pos_ = 0;
  begin_ = end_ = scanned_ = 0;
  complete_bytes_ = torn_bytes_ = 0;
  status_ = Status::Ok();
  if (buffer_.size() < kChunk) buffer_.resize(kChunk);
  return Status::Ok();
}

bool DlqLineReader::Next(std::string_view* line, uint64_t* offset) {
  if (fd_ < 0 || !status_.ok()) return false;
  for (;;) {
    const char* start = buffer_.data() + begin_;
    const void* nl = std::memchr(start + scanned_, '\n', end_ - begin_ - scanned_);
    if (nl != nullptr) {
      const size_t length = static_cast<size_t>(static_cast<const char*>(nl) - start);
      *line = std::string_view(start, length);
      *offset = file_pos_ - (end_ - begin_);
      begin_ += length + 1;
      scanned_ = 0;
      complete_bytes_ = *offset + length + 1;
      return true;
    }
    scanned_ = end_ - begin_;
    if (file_pos_ >= limit_) {
      torn_bytes_ = end_ - begin_;
      return false;
    }
    // Make room: move the partial line to the front, and grow when it fills the buffer.
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer_.size() - end_, limit_ - file_pos_));
    const ssize_t n = ::pread(fd_, buffer_.data() + end_, want, static_cast<off_t>(file_pos_));
    if (n < 0) {
      if (errno == EINTR) continue;
      status_ = Status::IoErrorFromErrno("dlq: read " + path_, errno);
      return false;
    }
    if (n == 0) {  // the file is shorter than the limit (truncated meanwhile): stop here
      limit_ = file_pos_;
      continue;
    }
    end_ += static_cast<size_t>(n);
    file_pos_ += static_cast<uint64_t>(n);
  }
}

}  // namespace logcap
