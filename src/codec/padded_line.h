// PaddedLine: a reusable copy of one line followed by the zero bytes simdjson may read past the
// end of its input (SIMDJSON_PADDING), for the on-demand parser. One per decoder (not
// thread-safe); it grows to the longest line seen (at least 4 KiB) and never shrinks, so a warm
// decoder copies but does not allocate.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

namespace logcap {

class PaddedLine {
 public:
  // Copies `line` in, padded; data() then holds it and capacity() is what the parser may read.
  void Load(std::string_view line) {
    if (capacity_ < line.size() + simdjson::SIMDJSON_PADDING) {
      capacity_ = std::max<size_t>(line.size() + simdjson::SIMDJSON_PADDING, 4096);
      buffer_.reset(new char[capacity_]);
    }
    if (!line.empty()) std::memcpy(buffer_.get(), line.data(), line.size());
    std::memset(buffer_.get() + line.size(), 0, simdjson::SIMDJSON_PADDING);
  }
  const char* data() const { return buffer_.get(); }
  size_t capacity() const { return capacity_; }

 private:
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
};

}  // namespace logcap
