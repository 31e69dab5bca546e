// LineSplitter: turns the bytes of one file, read in chunks, into lines without copying them.
//
// The caller asks for a buffer (PrepareRead), read()s into it, and Commit()s the byte count; the
// splitter then reports every complete line as a string_view into the ByteBlock that holds it.
// Only a trailing incomplete line is ever copied: to the start of the next block.
//
// Lines:
//  - split on '\n'; one trailing '\r' is stripped ("a\r\n" -> "a"); empty lines are reported.
//  - a line longer than max_line_size bytes (not counting "\r\n") is reported once, cut to its
//    first max_line_size bytes with kFlagTruncated, when its newline arrives. The bytes past the
//    limit are skipped as they are read, never buffered, however many reads the line spans.
//  - a line without its newline is held (FlushPartial() reports it with kFlagPartial).
// Every reported line carries end_offset, the file offset just past its newline (for a flushed
// partial line: just past its last byte), which is where reading resumes after it.
//
// Memory: a block holds at most the held line (< max_line_size + 2 bytes) plus one read
// (<= read_size passed to PrepareRead). A truncated line keeps only its first max_line_size bytes.
//
// Thread-safety: none; one splitter belongs to one reader thread. Blocks handed out in Line are
// never written again once reported (ByteBlock's contract).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "core/byte_block.h"
#include "core/event.h"

namespace logcap {

class LineSplitter {
 public:
  struct Line {
    std::string_view text;
    const ConstByteBlockPtr* block;  // the block text points into; valid during the callback
    uint64_t end_offset;
    uint8_t flags;  // kFlagTruncated, kFlagPartial
  };

  // max_line_size >= 1. start_offset: the file offset of the first byte that will be read.
  LineSplitter(size_t max_line_size, uint64_t start_offset);

  // Returns a writable span of at least one and at most max_bytes bytes in a fresh block, for the
  // bytes at file offset next_read_offset(). The held incomplete line (if any) has been copied in
  // front of it. The span is valid until the next Commit or Reset.
  std::span<char> PrepareRead(size_t max_bytes);

  // Accepts n bytes (n <= the span's size) written into the span of the last PrepareRead, and
  // calls on_line(const Line&) for every line they complete, in order.
  template <typename OnLine>
  void Commit(size_t n, OnLine&& on_line);

  // Reports the held incomplete line, if any, flagged kFlagPartial (plus kFlagTruncated if it is
  // longer than max_line_size). Returns true if a line was reported. Afterwards nothing is held and
  // the next bytes read start a new line.
  template <typename OnLine>
  bool FlushPartial(OnLine&& on_line);

  // Forgets everything held; the next byte read is at offset.
  void Reset(uint64_t offset);

  // True if bytes of an incomplete line are held (or being skipped past max_line_size).
  bool has_partial() const { return discarding_ || pending_size_ > 0; }
  // File offset of the next byte to read.
  uint64_t next_read_offset() const { return read_offset_; }
  // File offset just past the last reported line: where a restart must resume to lose nothing.
  uint64_t line_start_offset() const { return line_start_offset_; }

 private:
  // Reports the lines completed by the committed bytes of block_ from scan_begin on.
  template <typename OnLine>
  void ScanBlock(size_t scan_begin, OnLine&& on_line);
  template <typename OnLine>
  void ReportTruncated(uint64_t end_offset, uint8_t extra_flags, OnLine&& on_line);

  const size_t max_line_size_;
  uint64_t read_offset_;
  uint64_t line_start_offset_;

  ByteBlockPtr block_;           // the block of the last PrepareRead/Commit (shared once lines are reported)
  ConstByteBlockPtr shared_block_;  // the same block, as handed to callers
  size_t block_used_ = 0;        // bytes of block_ before the writable span (the copied held line)
  size_t pending_begin_ = 0;     // held line: [pending_begin_, pending_begin_ + pending_size_) of block_
  size_t pending_size_ = 0;

  // While skipping a line longer than max_line_size: its kept prefix, and how many bytes were skipped.
  bool discarding_ = false;
  ConstByteBlockPtr truncated_block_;
  std::string_view truncated_prefix_;
  uint64_t discarded_bytes_ = 0;  // bytes of the current line skipped beyond the prefix so far
};

// ---- implementation of the templates ----

template <typename OnLine>
void LineSplitter::Commit(size_t n, OnLine&& on_line) {
  const size_t scan_begin = block_used_;
  block_->set_size(block_used_ + n);
  read_offset_ += n;
  ScanBlock(scan_begin, on_line);
}

template <typename OnLine>
void LineSplitter::ReportTruncated(uint64_t end_offset, uint8_t extra_flags, OnLine&& on_line) {
  Line line{truncated_prefix_, &truncated_block_, end_offset, static_cast<uint8_t>(kFlagTruncated | extra_flags)};
  line_start_offset_ = end_offset;
  on_line(line);
  discarding_ = false;
  truncated_block_.reset();
  truncated_prefix_ = {};
  discarded_bytes_ = 0;
}

template <typename OnLine>
void LineSplitter::ScanBlock(size_t scan_begin, OnLine&& on_line) {
  const char* data = block_->data();
  const size_t size = block_->size();
  const uint64_t block_base = read_offset_ - size;  // file offset of data[0]
  size_t pos = scan_begin;

  if (discarding_) {
    const void* nl = std::memchr(data + pos, '\n', size - pos);
    if (nl == nullptr) {
      discarded_bytes_ += size - pos;
      pending_begin_ = size;
      pending_size_ = 0;
      return;
    }
    const size_t nl_pos = static_cast<const char*>(nl) - data;
    discarded_bytes_ += nl_pos - pos;
    ReportTruncated(block_base + nl_pos + 1, 0, on_line);
    pos = nl_pos + 1;
    pending_begin_ = pos;
  }

  size_t line_begin = pending_begin_;
  while (pos < size) {
    const void* nl = std::memchr(data + pos, '\n', size - pos);
    if (nl == nullptr) break;
    const size_t nl_pos = static_cast<const char*>(nl) - data;
    size_t len = nl_pos - line_begin;
    if (len > 0 && data[nl_pos - 1] == '\r') --len;
    uint8_t flags = 0;
    if (len > max_line_size_) {
      len = max_line_size_;
      flags = kFlagTruncated;
    }
    Line line{std::string_view(data + line_begin, len), &shared_block_, block_base + nl_pos + 1, flags};
    line_start_offset_ = line.end_offset;
    on_line(line);
    pos = nl_pos + 1;
    line_begin = pos;
  }

  // The rest is an incomplete line. Past the limit it cannot fit any more: keep its prefix and skip.
  pending_begin_ = line_begin;
  pending_size_ = size - line_begin;
  const bool over = pending_size_ > max_line_size_ + 1 ||
                    (pending_size_ == max_line_size_ + 1 && data[size - 1] != '\r');
  if (over) {
    discarding_ = true;
    truncated_block_ = shared_block_;
    truncated_prefix_ = std::string_view(data + line_begin, max_line_size_);
    discarded_bytes_ = pending_size_ - max_line_size_;
    pending_begin_ = size;
    pending_size_ = 0;
  }
}

template <typename OnLine>
bool LineSplitter::FlushPartial(OnLine&& on_line) {
  if (discarding_) {
    ReportTruncated(read_offset_, kFlagPartial, on_line);
    return true;
  }
  if (pending_size_ == 0) return false;
  uint8_t flags = kFlagPartial;
  size_t len = pending_size_;
  if (len > max_line_size_) {
    len = max_line_size_;
    flags |= kFlagTruncated;
  }
  Line line{std::string_view(block_->data() + pending_begin_, len), &shared_block_, read_offset_, flags};
  line_start_offset_ = read_offset_;
  on_line(line);
  pending_begin_ += pending_size_;
  pending_size_ = 0;
  return true;
}

}  // namespace logcap
