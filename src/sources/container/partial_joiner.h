// PartialJoiner: joins the parts of long container log lines back into whole lines, per stream.
//
// Container runtimes cut long lines into parts: Docker's json-file driver writes records of at
// most 16 KiB whose `log` lacks the trailing newline until the last one; CRI runtimes tag every
// part but the last "P" and the last "F". The caller decodes each record (DockerJsonDecoder,
// ParseCriLine) and hands its text here with last = !partial; Add returns the whole line once its
// last part arrives. stdout and stderr are joined separately (Docker interleaves their records), so
// one joiner serves one container log file.
//
// Lines:
//  - the line's time and start offset are those of its first part; `parts` counts its records.
//  - a line longer than max_line_size is cut to its first max_line_size bytes (less the bytes of a
//    UTF-8 character the cut would split) and flagged kFlagTruncated; the rest of it is skipped
//    as its parts arrive, never buffered, and counted in stats().
//  - Flush(stream) reports a line whose last part never came (the container exited mid-line, the
//    file was rotated or deleted, or it stayed idle too long) flagged kFlagPartial.
//
// Views: Line::text is either the caller's own text (a complete record with nothing held for its
// stream: no copy at all) or a view into the joiner's buffer for that stream. Either way it stays
// valid until the next Add, Flush or Reset (and as long as the text passed to Add).
//
// Memory: at most max_line_size bytes held per stream. A complete record alone, the common case,
// costs no copy and no allocation; a buffer is used only for parts, reused, and released after a
// line when it grew beyond kRetainedCapacity.
//
// Thread-safety: none; one joiner belongs to the thread reading its file.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "sources/container/container_stream.h"

namespace logcap {

class PartialJoiner {
 public:
  static constexpr size_t kRetainedCapacity = 64 << 10;

  struct Line {
    std::string_view text;      // the whole line (cut to max_line_size)
    Nanos time = 0;             // the first part's time
    uint64_t start_offset = 0;  // the first part's offset, as given to Add
    ContainerStream stream = ContainerStream::kStdout;
    uint8_t flags = 0;          // kFlagTruncated, kFlagPartial (core/event.h)
    uint32_t parts = 0;         // records this line was made of (1 = not joined)
  };

  struct Stats {
    uint64_t joined_lines = 0;     // lines made of more than one part
    uint64_t truncated_lines = 0;  // lines cut at max_line_size
    uint64_t skipped_bytes = 0;    // bytes of those lines past the cut
  };

  // max_line_size >= 1: the longest line reported whole.
  explicit PartialJoiner(size_t max_line_size);

  // Adds one record's text. last: the record ends its line (Docker: `log` ended with '\n'; CRI:
  // tag F). offset: where the record starts in the file (opaque here; reported back as
  // Line::start_offset and by held_start_offset). Returns the line when this record completes it;
  // nullopt while its parts are held.
  std::optional<Line> Add(ContainerStream stream, std::string_view text, Nanos time, bool last,
                          uint64_t offset = 0);

  // Reports the held parts of stream, if any, as a line flagged kFlagPartial; nothing is held
  // afterwards.
  std::optional<Line> Flush(ContainerStream stream);

  // Forgets everything held, on both streams (e.g. the file was truncated).
  void Reset();

  bool holding(ContainerStream stream) const { return state(stream).open; }
  // The smallest start offset of a held line: a restart must resume there not to lose it. nullopt
  // when nothing is held.
  std::optional<uint64_t> held_start_offset() const;
  const Stats& stats() const { return stats_; }
  size_t max_line_size() const { return max_line_size_; }

 private:
  struct State {
    std::string buffer;     // the held line's bytes (<= max_line_size)
    bool open = false;      // parts are held
    bool emitted = false;   // buffer backs the last returned Line: clear it before reuse
    bool truncated = false; // the held line reached max_line_size; further parts are skipped
    Nanos time = 0;
    uint64_t offset = 0;
    uint32_t parts = 0;
  };

  State& state(ContainerStream stream) { return states_[static_cast<size_t>(stream)]; }
  const State& state(ContainerStream stream) const { return states_[static_cast<size_t>(stream)]; }
  void Append(State& s, std::string_view text);
  Line Emit(State& s, ContainerStream stream, uint8_t flags);

  const size_t max_line_size_;
  std::array<State, kContainerStreamCount> states_;
  Stats stats_;
};

}  // namespace logcap
