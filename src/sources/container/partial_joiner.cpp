#include "sources/container/partial_joiner.h"

#include <algorithm>

#include "core/event.h"

namespace logcap {

namespace {

// How many of the n kept bytes to keep so that the UTF-8 character cut by the limit is dropped
// whole rather than left as a broken sequence. next: the first byte cut off. Invalid text is cut
// as it is.
size_t Utf8Boundary(const char* kept, size_t n, unsigned char next) {
  if ((next & 0xC0) != 0x80) return n;  // the cut falls between characters
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const unsigned char c = static_cast<unsigned char>(kept[n - back]);
    if ((c & 0xC0) == 0x80) continue;
    if (c < 0xC0) return n;  // ASCII before continuation bytes: not UTF-8
    const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    return length > back ? n - back : n;
  }
  return n;
}

}  // namespace

PartialJoiner::PartialJoiner(size_t max_line_size) : max_line_size_(std::max<size_t>(max_line_size, 1)) {}

void PartialJoiner::Append(State& s, std::string_view text) {
  if (s.truncated) {
    stats_.skipped_bytes += text.size();
    return;
  }
  const size_t room = max_line_size_ - s.buffer.size();
  if (text.size() <= room) {
    s.buffer.append(text);
    return;
  }
  s.buffer.append(text.data(), room);
  const size_t keep = Utf8Boundary(s.buffer.data(), s.buffer.size(), static_cast<unsigned char>(text[room]));
  stats_.skipped_bytes += text.size() - room + (s.buffer.size() - keep);
  s.buffer.resize(keep);
  s.truncated = true;
}

PartialJoiner::Line PartialJoiner::Emit(State& s, ContainerStream stream, uint8_t flags) {
  Line line;
  line.text = s.buffer;
  line.time = s.time;
  line.start_offset = s.offset;
  line.stream = stream;
  line.flags = flags;
  line.parts = s.parts;
  if (s.truncated) {
    line.flags |= kFlagTruncated;
    ++stats_.truncated_lines;
  }
  if (s.parts > 1) ++stats_.joined_lines;
  s.open = false;
  s.emitted = true;
  s.truncated = false;
  return line;
}

std::optional<PartialJoiner::Line> PartialJoiner::Add(ContainerStream stream, std::string_view text, Nanos time,
                                                      bool last, uint64_t offset) {
  State& s = state(stream);
  if (s.emitted) {  // the previous line of this stream is no longer looked at
    s.emitted = false;
    if (s.buffer.capacity() > kRetainedCapacity) {
      std::string().swap(s.buffer);
    } else {
      s.buffer.clear();
    }
  }
  if (!s.open) {
    if (last) {  // a complete record alone: reported as it is, no copy
      Line line;
      line.text = text;
      line.time = time;
      line.start_offset = offset;
      line.stream = stream;
      line.parts = 1;
      if (text.size() > max_line_size_) {
        const size_t keep = Utf8Boundary(text.data(), max_line_size_, static_cast<unsigned char>(text[max_line_size_]));
        line.text = text.substr(0, keep);
        line.flags = kFlagTruncated;
        ++stats_.truncated_lines;
        stats_.skipped_bytes += text.size() - keep;
      }
      return line;
    }
    s.open = true;
    s.truncated = false;
    s.time = time;
    s.offset = offset;
    s.parts = 0;
  }
  ++s.parts;
  Append(s, text);
  if (!last) return std::nullopt;
  return Emit(s, stream, 0);
}

std::optional<PartialJoiner::Line> PartialJoiner::Flush(ContainerStream stream) {
  State& s = state(stream);
  if (!s.open) return std::nullopt;
  return Emit(s, stream, kFlagPartial);
}

void PartialJoiner::Reset() {
  for (State& s : states_) {
    s.open = s.emitted = s.truncated = false;
    s.parts = 0;
    if (s.buffer.capacity() > kRetainedCapacity) {
      std::string().swap(s.buffer);
    } else {
      s.buffer.clear();
    }
  }
}

std::optional<uint64_t> PartialJoiner::held_start_offset() const {
  std::optional<uint64_t> oldest;
  for (const State& s : states_) {
    if (s.open && (!oldest || s.offset < *oldest)) oldest = s.offset;
  }
  return oldest;
}

}  // namespace logcap
