#include "sources/file/line_splitter.h"

#include <algorithm>

namespace logcap {

LineSplitter::LineSplitter(size_t max_line_size, uint64_t start_offset)
    : max_line_size_(std::max<size_t>(max_line_size, 1)), read_offset_(start_offset), line_start_offset_(start_offset) {}

std::span<char> LineSplitter::PrepareRead(size_t max_bytes) {
  max_bytes = std::max<size_t>(max_bytes, 1);
  const size_t carry = discarding_ ? 0 : pending_size_;
  ByteBlockPtr block = ByteBlock::Create(carry + max_bytes);
  if (carry > 0) std::memcpy(block->data(), block_->data() + pending_begin_, carry);
  block->set_size(carry);
  block_ = std::move(block);
  shared_block_ = block_;
  block_used_ = carry;
  pending_begin_ = 0;
  pending_size_ = carry;
  return std::span<char>(block_->data() + carry, max_bytes);
}

void LineSplitter::Reset(uint64_t offset) {
  read_offset_ = offset;
  line_start_offset_ = offset;
  block_.reset();
  shared_block_.reset();
  block_used_ = 0;
  pending_begin_ = 0;
  pending_size_ = 0;
  discarding_ = false;
  truncated_block_.reset();
  truncated_prefix_ = {};
  discarded_bytes_ = 0;
}

}  // namespace logcap
