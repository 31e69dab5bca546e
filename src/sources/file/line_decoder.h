// LineDecoder: turns the raw lines of one tailed file into events, for files whose lines are
// records of a log format (Docker json-file, CRI) rather than log lines themselves.
//
// A TailedFile without a decoder makes one event of every line (the plain file source). With one,
// it hands each line the LineSplitter reports to Decode, in file order, and the decoder emits zero
// or more events through DecodedEventSink: none while it holds the parts of a long line, one when a
// record completes a line, possibly one more when a record cannot be decoded and is passed on raw.
//
// Messages: a DecodedEvent either points into a block the caller gave the decoder (a line's block:
// the batch retains it, no copy) or into memory of the decoder's own that is only valid during the
// call (the batch copies it into a block of its own).
//
// Positions: while the decoder holds parts, held_start_offset() says where the held line starts;
// the file's saved position never passes it, so a restart reads the parts again and loses nothing.
//
// Idle flushes: Flush (partial_line_timeout, release, truncation) emits everything; a decoder
// holding lines that are complete but may still be joined (MultilineDecoder) asks, through
// flush_after(), to have them emitted sooner by FlushIdle.
//
// Sources: every event's SourceInfo is one of sources(), which the TailedFile retains in each batch
// (the decoder keeps them alive, e.g. one per output stream of a container).
//
// Threading: a decoder belongs to its file and is used by the source's reader thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "core/byte_block.h"
#include "core/clock.h"
#include "core/event.h"
#include "sources/file/line_splitter.h"

namespace logcap {

struct DecodedEvent {
  std::string_view text;                    // the message
  const ConstByteBlockPtr* block = nullptr;  // text points into *block; nullptr: copy text
  const SourceInfo* source = nullptr;       // one of the decoder's sources()
  Nanos source_time = 0;                    // the record's time, 0 if unknown
  uint8_t flags = 0;                        // kFlagTruncated, kFlagPartial, kFlagMalformed
  uint64_t end_offset = 0;                  // just past the record that completed the line
};

class DecodedEventSink {
 public:
  virtual ~DecodedEventSink() = default;
  virtual void Add(const DecodedEvent& event) = 0;
};

class LineDecoder {
 public:
  virtual ~LineDecoder() = default;

  // Decodes one line as the splitter reported it. start_offset: where the line starts in the file.
  virtual void Decode(const LineSplitter::Line& line, uint64_t start_offset, DecodedEventSink& out) = 0;
  // Emits every held line, flagged kFlagPartial (the file is released, was truncated or stayed
  // idle); nothing is held afterwards. end_offset: where the file has been read to.
  virtual void Flush(uint64_t end_offset, DecodedEventSink& out) = 0;
  // Forgets everything held (the file was truncated and is read again from 0, after Flush).
  virtual void Reset() = 0;

  virtual bool holding() const = 0;
  // The smallest start offset of a held line; nullopt when nothing is held.
  virtual std::optional<uint64_t> held_start_offset() const = 0;
  // The SourceInfos events refer to.
  virtual std::span<const std::shared_ptr<const SourceInfo>> sources() const = 0;

  // Idle flush of complete-but-held lines (multiline groups): when the decoder holds something
  // that is due after less idle time than the source's partial_line_timeout, how much (the file
  // flushes it through FlushIdle once it has not grown for that long). nullopt: nothing such.
  virtual std::optional<Nanos> flush_after() const { return std::nullopt; }
  // Emits what is due after `idle` without growth (flagged as the lines were, not kFlagPartial),
  // leaving parts of unfinished lines held: those wait for partial_line_timeout and Flush.
  virtual void FlushIdle(Nanos idle, DecodedEventSink& out) {
    (void)idle;
    (void)out;
  }
};

}  // namespace logcap
