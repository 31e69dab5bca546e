// MultilineDecoder: the LineDecoder that joins continuation lines (stack traces) into one event,
// for files whose pipeline starts with a `multiline` step (processing/multiline_spec.h).
//
// What a line is: for a plain file, each line the splitter reports; for a container log, each line
// the inner decoder (ContainerLogDecoder) emits, after its own Docker/CRI part joining. Lines are
// grouped per SourceInfo: a container's stdout and stderr are joined separately (they interleave in
// the file); each source has its own spec (nullptr: its lines pass through as they come), and lines
// flagged malformed always pass through.
//
// Events: a group becomes one event when a line shows it is over (the next start line, a line that
// is no continuation, a preset's end rule), when it reaches max_lines or max_bytes, on FlushIdle
// (flush_timeout without growth of the file) and on Flush (partial_line_timeout, release,
// truncation). Its text is the lines joined with the separator, its time the first line's, its
// flags the union of its lines' (kFlagPartial only if a line was partial; a group flushed by
// timeout is complete as far as anyone can tell), its end_offset its last line's. A group of one
// line that came as a view into a block keeps a reference to the block and is emitted without a
// copy (unless the block is far larger than the line: a held line must not pin a whole read);
// longer groups are copied into a buffer of the decoder's own (block == nullptr).
//
// Positions: held_start_offset() is the smallest start of a held group, or of the inner decoder's
// held parts: the file's saved position never passes a group still being held, so at shutdown
// (nothing emitted) a restart reads the group again and joins it whole. The start of a line that
// came out of the inner decoder is taken as the inner decoder's held start before the record (or
// the record's start): never later than the line's first part.
//
// FlushIdle emits only the groups whose flush_timeout has passed; the inner decoder's parts are left
// to Flush (they wait for partial_line_timeout as before).
//
// Threading: belongs to its file, used by the source's reader thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "processing/multiline_spec.h"
#include "sources/file/line_decoder.h"

namespace logcap {

class MultilineDecoder final : public LineDecoder {
 public:
  // A plain file: every line is text of `info`, joined by `spec`.
  MultilineDecoder(const MultilineSpec& spec, std::shared_ptr<const SourceInfo> info);
  // Around inner: specs[i] joins the lines of inner->sources()[i] (nullptr: passed through).
  MultilineDecoder(std::unique_ptr<LineDecoder> inner, const std::vector<const MultilineSpec*>& specs);

  void Decode(const LineSplitter::Line& line, uint64_t start_offset, DecodedEventSink& out) override;
  void Flush(uint64_t end_offset, DecodedEventSink& out) override;
  void Reset() override;
  bool holding() const override;
  std::optional<uint64_t> held_start_offset() const override;
  std::span<const std::shared_ptr<const SourceInfo>> sources() const override;
  std::optional<Nanos> flush_after() const override;
  void FlushIdle(Nanos idle, DecodedEventSink& out) override;

 private:
  struct Group {
    const SourceInfo* source = nullptr;
    const MultilineSpec* spec = nullptr;
    bool open = false;
    uint8_t state = 0;  // kRules: the rule state the group is in
    uint8_t flags = 0;
    uint32_t lines = 0;
    uint64_t start_offset = 0;
    uint64_t end_offset = 0;
    Nanos source_time = 0;
    // The text: a view into `block` while the group is one line that came as a view; else buffer.
    ConstByteBlockPtr block;
    std::string_view view;
    std::string buffer;
    bool in_buffer = false;
    size_t size() const { return in_buffer ? buffer.size() : view.size(); }
  };
  class LineSink;

  // One line of a source (a splitter line, or an event of the inner decoder) that starts at start.
  void Take(const DecodedEvent& line, uint64_t start, DecodedEventSink& out);
  bool Test(const MultilineSpec& spec, std::string_view text) const;
  // The rule state a line moves a group in `state` to; -1 when no rule of that state matches.
  int Next(const MultilineSpec& spec, uint8_t state, std::string_view text) const;
  void Begin(Group& g, const DecodedEvent& line, uint64_t start, uint8_t state);
  // Adds a line to an open group (emitting it first when the line would break a limit).
  void Append(Group& g, const DecodedEvent& line, uint64_t start, uint8_t state, DecodedEventSink& out);
  void Emit(Group& g, DecodedEventSink& out);
  Group* Find(const SourceInfo* source);

  std::unique_ptr<LineDecoder> inner_;
  std::vector<std::shared_ptr<const SourceInfo>> plain_source_;  // one, for a plain file
  std::vector<std::unique_ptr<MultilineSpec>> specs_;           // our copies
  std::vector<Group> groups_;                                    // one per joined source
};

// Wraps decoder (nullptr: a plain file of `info`) in a MultilineDecoder when lookup gives a spec for
// the file's source (plain) or for any of the decoder's sources; otherwise returns it unchanged.
std::unique_ptr<LineDecoder> WrapWithMultiline(std::unique_ptr<LineDecoder> decoder,
                                               const std::shared_ptr<const SourceInfo>& info,
                                               const MultilineLookup& lookup);

}  // namespace logcap
