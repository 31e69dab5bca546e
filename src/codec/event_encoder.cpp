#include "codec/event_encoder.h"

#include <cstring>

#include "codec/json_escape.h"

namespace logcap {

namespace {

// Appends to a std::string through a raw pointer. The string is grown once up front (resize
// zero-fills, and C++20 has no resize_and_overwrite, so that fill is paid once per record rather
// than per piece), pieces are copied in with memcpy after a single room check each, and the string
// is trimmed to what was written when the appender goes out of scope.
class RawAppender {
 public:
  RawAppender(std::string& out, size_t expected) : out_(out), pos_(out.size()) { out_.resize(pos_ + expected); }
  ~RawAppender() { out_.resize(pos_); }
  RawAppender(const RawAppender&) = delete;
  RawAppender& operator=(const RawAppender&) = delete;

  // A string literal: its length is a constant, so the copy compiles to a few moves.
  template <size_t N>
  void Literal(const char (&text)[N]) {
    Bytes(text, N - 1);
  }
  void Bytes(const char* data, size_t n) {
    std::memcpy(Room(n), data, n);
    pos_ += n;
  }
  void Bytes(std::string_view text) { Bytes(text.data(), text.size()); }
  void Char(char c) {
    *Room(1) = c;
    ++pos_;
  }
  // The escaped body of a JSON string (no quotes).
  void Escaped(std::string_view text) { pos_ = WriteJsonEscaped(text, out_, pos_, nullptr); }
  // Where the next n bytes go; Advance(n) once they are written.
  char* Room(size_t n) {
    if (out_.size() - pos_ < n) Grow(n);
    return out_.data() + pos_;
  }
  void Advance(size_t n) { pos_ += n; }

 private:
  [[gnu::noinline]] void Grow(size_t n) { out_.resize(pos_ + n + 256); }

  std::string& out_;
  size_t pos_;  // bytes of out_ written so far; out_.size() runs ahead of it
};

// Room made up front for a JSON line besides its message (plus 1/8 for escapes) and source part:
// the keys around the message with the timestamp (59 bytes), the room the escaper wants past its
// last write (48), and a level. Rarer optional keys grow the string when they come; making room for
// them on every line would only zero-fill more bytes for nothing.
constexpr size_t kJsonLineRoom = 160;
// Expected size of a source part that is not cached.
constexpr size_t kSourcePartRoom = 128;

void AppendHex(const uint8_t* bytes, size_t n, RawAppender& w) {
  static constexpr char kHex[] = "0123456789abcdef";
  char* dst = w.Room(2 * n);
  for (size_t i = 0; i < n; ++i) {
    dst[2 * i] = kHex[bytes[i] >> 4];
    dst[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  w.Advance(2 * n);
}

void AppendLabel(const Labels::Pair& pair, bool& first, RawAppender& w) {
  if (!first) w.Char(',');
  first = false;
  w.Char('"');
  w.Escaped(pair.first);
  w.Literal("\":\"");
  w.Escaped(pair.second);
  w.Char('"');
}

// Writes the union of two sorted label sets, sorted by key; b's value wins for an equal key.
void AppendMergedLabels(const Labels* a, const Labels* b, RawAppender& w) {
  w.Char('{');
  bool first = true;
  if (a == nullptr || a->empty()) {
    if (b != nullptr)
      for (const auto& p : *b) AppendLabel(p, first, w);
  } else if (b == nullptr || b->empty()) {
    for (const auto& p : *a) AppendLabel(p, first, w);
  } else {
    auto ia = a->begin(), ib = b->begin();
    while (ia != a->end() || ib != b->end()) {
      if (ib == b->end() || (ia != a->end() && ia->first < ib->first)) {
        AppendLabel(*ia++, first, w);
      } else {
        if (ia != a->end() && ia->first == ib->first) ++ia;
        AppendLabel(*ib++, first, w);
      }
    }
  }
  w.Char('}');
}

// The part of a JSON line after the message string: ,"source_type":...,"labels":{...}
void AppendSourcePart(const SourceInfo* source, const Labels* event_labels, RawAppender& w) {
  w.Literal(",\"source_type\":\"");
  if (source != nullptr) w.Escaped(source->type);
  w.Literal("\",\"source_id\":\"");
  if (source != nullptr) w.Escaped(source->id);
  w.Literal("\",\"labels\":");
  AppendMergedLabels(source != nullptr ? &source->labels : nullptr, event_labels, w);
}

}  // namespace

std::string_view JsonSourceCache::Fragment(const SourceInfo& source) {
  if (entries_[last_].source == &source) return entries_[last_].fragment;
  for (size_t i = 0; i < kEntries; ++i) {
    if (entries_[i].source == &source) {
      last_ = i;
      return entries_[i].fragment;
    }
  }
  Entry& entry = entries_[next_];
  last_ = next_;
  next_ = (next_ + 1) % kEntries;
  entry.source = &source;
  entry.fragment.clear();
  {
    RawAppender w(entry.fragment, kSourcePartRoom);
    AppendSourcePart(&source, nullptr, w);
  }
  return entry.fragment;
}

std::optional<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "text") return OutputFormat::kText;
  return std::nullopt;
}

void AppendEventJson(const EventBatch& batch, const Event& e, TimestampFormatter& ts, std::string& out,
                     JsonSourceCache* cache) {
  const SourceInfo* source = e.source;
  const EventAttributes* attributes = batch.AttributesOf(e);
  const Labels* event_labels = attributes != nullptr && !attributes->labels.empty() ? &attributes->labels : nullptr;
  // The source part comes from the cache when it does not depend on the event.
  std::string_view source_part;
  if (cache != nullptr && source != nullptr && event_labels == nullptr) source_part = cache->Fragment(*source);

  const size_t message_room = e.message.size() + e.message.size() / 8;
  RawAppender w(out, kJsonLineRoom + message_room + (source_part.empty() ? kSourcePartRoom : source_part.size()));
  w.Literal("{\"timestamp\":\"");
  ts.Format(e.timestamp(), w.Room(TimestampFormatter::kLength));
  w.Advance(TimestampFormatter::kLength);
  w.Literal("\",\"message\":\"");
  w.Escaped(e.message);
  w.Char('"');
  if (!source_part.empty()) {
    w.Bytes(source_part);
  } else {
    AppendSourcePart(source, event_labels, w);
  }

  if (e.level != Level::kUnknown) {
    w.Literal(",\"level\":\"");
    w.Bytes(LevelName(e.level));
    w.Char('"');
  }
  if (attributes != nullptr && !attributes->fields_json.empty()) {
    w.Literal(",\"fields\":");
    w.Bytes(attributes->fields_json);
  }
  if (e.trace.valid()) {
    w.Literal(",\"trace_id\":\"");
    AppendHex(e.trace.trace_id.data(), e.trace.trace_id.size(), w);
    w.Literal("\",\"span_id\":\"");
    AppendHex(e.trace.span_id.data(), e.trace.span_id.size(), w);
    w.Char('"');
  }
  if (e.flags & kFlagTruncated) w.Literal(",\"truncated\":true");
  if (e.flags & kFlagPartial) w.Literal(",\"partial\":true");
  if (e.flags & kFlagMalformed) w.Literal(",\"malformed\":true");
  w.Literal("}\n");
}

void AppendEventText(const EventBatch& /*batch*/, const Event& e, TimestampFormatter& ts, std::string& out) {
  const size_t pos = out.size();
  out.resize(pos + TimestampFormatter::kLength);
  ts.Format(e.timestamp(), out.data() + pos);
  out.push_back(' ');
  if (e.source != nullptr) {
    out.append(e.source->type);
    out.push_back(':');
    out.append(e.source->id);
  } else {
    out.push_back(':');
  }
  out.push_back(' ');
  std::string_view rest = e.message;
  for (;;) {
    const void* nl = rest.empty() ? nullptr : std::memchr(rest.data(), '\n', rest.size());
    if (nl == nullptr) break;
    const size_t n = static_cast<size_t>(static_cast<const char*>(nl) - rest.data());
    out.append(rest.data(), n);
    out.append("\\n", 2);
    rest.remove_prefix(n + 1);
  }
  out.append(rest.data(), rest.size());
  out.push_back('\n');
}

}  // namespace logcap
