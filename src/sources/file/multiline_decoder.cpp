#include "sources/file/multiline_decoder.h"

#include <algorithm>

namespace logcap {

namespace {

constexpr size_t kRetainedCapacity = 64 << 10;  // a group's buffer beyond this is released after it
constexpr size_t kMaxBlockPerByte = 16;         // a held line pins at most 16x its size (or 64 KiB)

// The longest prefix of at most max bytes that does not split a UTF-8 character.
std::string_view CutUtf8(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  for (int back = 0; back < 3 && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80; ++back) --cut;
  return text.substr(0, cut);
}

}  // namespace

// Feeds the inner decoder's events to Take, as lines starting at `start`.
class MultilineDecoder::LineSink final : public DecodedEventSink {
 public:
  LineSink(MultilineDecoder& decoder, DecodedEventSink& out, uint64_t start)
      : decoder_(decoder), out_(out), start_(start) {}
  void Add(const DecodedEvent& event) override { decoder_.Take(event, start_, out_); }

 private:
  MultilineDecoder& decoder_;
  DecodedEventSink& out_;
  const uint64_t start_;
};

MultilineDecoder::MultilineDecoder(const MultilineSpec& spec, std::shared_ptr<const SourceInfo> info) {
  specs_.push_back(std::make_unique<MultilineSpec>(spec));
  Group group;
  group.source = info.get();
  group.spec = specs_.back().get();
  groups_.push_back(std::move(group));
  plain_source_.push_back(std::move(info));
}

MultilineDecoder::MultilineDecoder(std::unique_ptr<LineDecoder> inner, const std::vector<const MultilineSpec*>& specs)
    : inner_(std::move(inner)) {
  const auto sources = inner_->sources();
  std::vector<std::pair<const MultilineSpec*, const MultilineSpec*>> copied;  // theirs -> ours
  for (size_t i = 0; i < sources.size() && i < specs.size(); ++i) {
    if (specs[i] == nullptr || !sources[i]) continue;
    const MultilineSpec* ours = nullptr;
    for (const auto& [theirs, mine] : copied)
      if (theirs == specs[i]) ours = mine;
    if (ours == nullptr) {
      specs_.push_back(std::make_unique<MultilineSpec>(*specs[i]));
      ours = specs_.back().get();
      copied.emplace_back(specs[i], ours);
    }
    Group group;
    group.source = sources[i].get();
    group.spec = ours;
    groups_.push_back(std::move(group));
  }
}

MultilineDecoder::Group* MultilineDecoder::Find(const SourceInfo* source) {
  for (Group& g : groups_)
    if (g.source == source) return &g;
  return nullptr;
}

void MultilineDecoder::Decode(const LineSplitter::Line& line, uint64_t start_offset, DecodedEventSink& out) {
  if (!inner_) {
    DecodedEvent e;
    e.text = line.text;
    e.block = line.block;
    e.source = plain_source_.front().get();
    e.flags = line.flags;
    e.end_offset = line.end_offset;
    Take(e, start_offset, out);
    return;
  }
  // A line the inner decoder completes may have started with parts it held: never later than those.
  const std::optional<uint64_t> held = inner_->held_start_offset();
  LineSink sink(*this, out, held ? std::min(*held, start_offset) : start_offset);
  inner_->Decode(line, start_offset, sink);
}

bool MultilineDecoder::Test(const MultilineSpec& spec, std::string_view text) const {
  if (!spec.pattern) return false;
  const Regex::Result r = spec.pattern->Search(text);
  if (r == Regex::Result::kLimit) spec.stats->CountRegexLimit();
  return (r == Regex::Result::kMatch) != spec.negate;
}

int MultilineDecoder::Next(const MultilineSpec& spec, uint8_t state, std::string_view text) const {
  for (const MultilineRule& rule : spec.rules) {
    if (rule.from != state) continue;
    const Regex::Result r = rule.pattern.Search(text);
    if (r == Regex::Result::kMatch) return rule.to;
    if (r == Regex::Result::kLimit) spec.stats->CountRegexLimit();
  }
  return -1;
}

void MultilineDecoder::Take(const DecodedEvent& line, uint64_t start, DecodedEventSink& out) {
  Group* g = (line.flags & kFlagMalformed) != 0 ? nullptr : Find(line.source);
  if (g == nullptr) {
    out.Add(line);
    return;
  }
  const MultilineSpec& spec = *g->spec;
  switch (spec.mode) {
    case MultilineSpec::Mode::kStart: {
      const bool begins = Test(spec, line.text);
      if (g->open && !begins) {
        Append(*g, line, start, 0, out);
      } else {
        if (g->open) Emit(*g, out);
        Begin(*g, line, start, 0);
      }
      return;
    }
    case MultilineSpec::Mode::kContinuation: {
      const bool continues = Test(spec, line.text);
      if (g->open && continues) {
        Append(*g, line, start, 0, out);
      } else {
        if (g->open) Emit(*g, out);
        Begin(*g, line, start, 0);
      }
      return;
    }
    case MultilineSpec::Mode::kRules: {
      if (g->open) {
        const int to = Next(spec, g->state, line.text);
        if (to >= 0) {
          Append(*g, line, start, static_cast<uint8_t>(to), out);
          if (to == MultilineRule::kEndState) Emit(*g, out);
          return;
        }
        Emit(*g, out);
      }
      const int to = Next(spec, 0, line.text);
      if (to < 0) {
        out.Add(line);  // no group begins here: an event of its own, at once
        return;
      }
      Begin(*g, line, start, static_cast<uint8_t>(to));
      if (to == MultilineRule::kEndState) Emit(*g, out);
      return;
    }
  }
}

void MultilineDecoder::Begin(Group& g, const DecodedEvent& line, uint64_t start, uint8_t state) {
  const MultilineSpec& spec = *g.spec;
  g.open = true;
  g.state = state;
  g.flags = line.flags;
  g.lines = 1;
  g.start_offset = start;
  g.end_offset = line.end_offset;
  g.source_time = line.source_time;
  std::string_view text = line.text;
  if (text.size() > spec.max_bytes) {
    text = CutUtf8(text, spec.max_bytes);
    g.flags |= kFlagTruncated;
    spec.stats->CountTruncated();
  }
  if (line.block != nullptr && (*line.block)->capacity() <= kMaxBlockPerByte * std::max<size_t>(text.size(), 4096)) {
    // Most groups are one line: keep its block alive rather than copy the text (unless the block is
    // much larger than the line: a held group must not pin a whole read for long).
    g.block = *line.block;
    g.view = text;
    g.in_buffer = false;
  } else {
    g.buffer.assign(text);
    g.in_buffer = true;
  }
}

void MultilineDecoder::Append(Group& g, const DecodedEvent& line, uint64_t start, uint8_t state,
                              DecodedEventSink& out) {
  const MultilineSpec& spec = *g.spec;
  if (g.lines >= spec.max_lines) {
    Emit(g, out);
    Begin(g, line, start, state);
    return;
  }
  if (g.size() + spec.separator.size() + line.text.size() > spec.max_bytes) {
    // Cut here: this event is flagged, the rest of the group continues as the next one.
    g.flags |= kFlagTruncated;
    spec.stats->CountTruncated();
    Emit(g, out);
    Begin(g, line, start, state);
    return;
  }
  if (!g.in_buffer) {
    g.buffer.assign(g.view);
    g.view = {};
    g.block.reset();
    g.in_buffer = true;
  }
  g.buffer.append(spec.separator);
  g.buffer.append(line.text);
  ++g.lines;
  g.end_offset = line.end_offset;
  g.flags |= line.flags;
  g.state = state;
}

void MultilineDecoder::Emit(Group& g, DecodedEventSink& out) {
  DecodedEvent e;
  e.text = g.in_buffer ? std::string_view(g.buffer) : g.view;
  e.block = g.in_buffer ? nullptr : &g.block;
  e.source = g.source;
  e.source_time = g.source_time;
  e.flags = g.flags;
  e.end_offset = g.end_offset;
  if (g.lines > 1) g.spec->stats->CountJoined();
  out.Add(e);
  g.open = false;
  g.state = 0;
  g.lines = 0;
  g.flags = 0;
  g.view = {};
  g.block.reset();
  g.buffer.clear();
  if (g.buffer.capacity() > kRetainedCapacity) std::string().swap(g.buffer);
  g.in_buffer = false;
}

void MultilineDecoder::Flush(uint64_t end_offset, DecodedEventSink& out) {
  if (inner_) {
    // The inner decoder's unfinished lines (flagged partial) are the last lines of their groups.
    const std::optional<uint64_t> held = inner_->held_start_offset();
    LineSink sink(*this, out, held.value_or(end_offset));
    inner_->Flush(end_offset, sink);
  }
  for (Group& g : groups_)
    if (g.open) Emit(g, out);
}

void MultilineDecoder::FlushIdle(Nanos idle, DecodedEventSink& out) {
  for (Group& g : groups_)
    if (g.open && idle >= g.spec->flush_timeout) Emit(g, out);
}

std::optional<Nanos> MultilineDecoder::flush_after() const {
  std::optional<Nanos> due;
  for (const Group& g : groups_)
    if (g.open) due = std::min(due.value_or(g.spec->flush_timeout), g.spec->flush_timeout);
  return due;
}

void MultilineDecoder::Reset() {
  if (inner_) inner_->Reset();
  for (Group& g : groups_) {
    g.open = false;
    g.state = 0;
    g.lines = 0;
    g.view = {};
    g.block.reset();
    g.buffer.clear();
    g.in_buffer = false;
  }
}

bool MultilineDecoder::holding() const {
  for (const Group& g : groups_)
    if (g.open) return true;
  return inner_ && inner_->holding();
}

std::optional<uint64_t> MultilineDecoder::held_start_offset() const {
  std::optional<uint64_t> held = inner_ ? inner_->held_start_offset() : std::nullopt;
  for (const Group& g : groups_)
    if (g.open) held = std::min(held.value_or(g.start_offset), g.start_offset);
  return held;
}

std::span<const std::shared_ptr<const SourceInfo>> MultilineDecoder::sources() const {
  if (inner_) return inner_->sources();
  return plain_source_;
}

std::unique_ptr<LineDecoder> WrapWithMultiline(std::unique_ptr<LineDecoder> decoder,
                                               const std::shared_ptr<const SourceInfo>& info,
                                               const MultilineLookup& lookup) {
  if (!lookup) return decoder;
  if (!decoder) {
    const MultilineSpec* spec = info ? lookup(*info) : nullptr;
    if (spec == nullptr) return nullptr;
    return std::make_unique<MultilineDecoder>(*spec, info);
  }
  // Each source on its own: a container's stdout and stderr may select different pipelines.
  std::vector<const MultilineSpec*> specs;
  bool any = false;
  for (const auto& source : decoder->sources()) {
    specs.push_back(source ? lookup(*source) : nullptr);
    any = any || specs.back() != nullptr;
  }
  if (!any) return decoder;
  return std::make_unique<MultilineDecoder>(std::move(decoder), specs);
}

}  // namespace logcap
