// ByteBlock: an immutable-once-shared run of bytes that events point into.
//
// A source reads into a ByteBlock and emits events whose messages are string_views into it, so a
// line is never copied between the read() and the sink. Batches hold shared_ptr<const ByteBlock>,
// which keeps the bytes alive until every sink has released the batch.
//
// Contract: the producer writes through data() and sets size() before it shares the block; after
// that nobody writes to it.
#pragma once

#include <cstddef>
#include <memory>

namespace logcap {

class ByteBlock {
 public:
  static std::shared_ptr<ByteBlock> Create(size_t capacity) { return std::make_shared<ByteBlock>(capacity); }
  explicit ByteBlock(size_t capacity) : data_(new char[capacity]), capacity_(capacity) {}
  ByteBlock(const ByteBlock&) = delete;
  ByteBlock& operator=(const ByteBlock&) = delete;

  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t capacity() const { return capacity_; }
  size_t size() const { return size_; }
  void set_size(size_t n) { size_ = n; }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_;
  size_t size_ = 0;
};

using ByteBlockPtr = std::shared_ptr<ByteBlock>;
using ConstByteBlockPtr = std::shared_ptr<const ByteBlock>;

}  // namespace logcap
