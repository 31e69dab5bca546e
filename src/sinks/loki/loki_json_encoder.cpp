#include "sinks/loki/loki_json_encoder.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "codec/json_escape.h"

namespace logcap {

namespace {

// Writes through a cursor into out, whose size is the room made so far (the WriteJsonEscaped
// contract); the caller trims out to position() at the end.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void Reserve(size_t n) {
    if (out_.size() - pos_ < n) out_.resize(std::max(pos_ + n, out_.size() * 2));
  }

  void Raw(std::string_view text) {
    Reserve(text.size());
    std::memcpy(out_.data() + pos_, text.data(), text.size());
    pos_ += text.size();
  }

  void String(std::string_view text) {
    Raw("\"");
    pos_ = WriteJsonEscaped(text, out_, pos_, nullptr);
    Raw("\"");
  }

  void Integer(int64_t v) {
    Reserve(20);  // "-9223372036854775808"
    pos_ = static_cast<size_t>(std::to_chars(out_.data() + pos_, out_.data() + out_.size(), v).ptr - out_.data());
  }

  // {"name":"value",...}
  void Object(std::span<const LokiLabelPair> pairs) {
    Raw("{");
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (i != 0) Raw(",");
      String(pairs[i].name);
      Raw(":");
      String(pairs[i].value);
    }
    Raw("}");
  }

  size_t position() const { return pos_; }

 private:
  std::string& out_;
  size_t pos_ = 0;
};

// A first guess at the output size, so that a cold buffer grows once rather than log(n) times.
size_t EstimateSize(const LokiPushView& push, bool with_metadata) {
  size_t n = 16;
  for (const LokiStreamView& s : push.streams) {
    n += 32 + s.labels.size() + s.label_pairs.size() * 6;
    for (const LokiEntry& e : s.entries) n += e.line.size() + 32 + (with_metadata ? e.metadata_count * 16 : 0);
  }
  return n + n / 16;
}

}  // namespace

std::string_view EncodeLokiJsonInto(const LokiPushView& push, bool with_metadata, std::string& buffer) {
  std::string& out = buffer;
  JsonWriter w(out);
  w.Reserve(EstimateSize(push, with_metadata));
  w.Raw("{\"streams\":[");
  for (size_t s = 0; s < push.streams.size(); ++s) {
    const LokiStreamView& stream = push.streams[s];
    w.Raw(s == 0 ? "{\"stream\":" : ",{\"stream\":");
    w.Object(stream.label_pairs);
    w.Raw(",\"values\":[");
    for (size_t i = 0; i < stream.entries.size(); ++i) {
      const LokiEntry& e = stream.entries[i];
      w.Raw(i == 0 ? "[\"" : ",[\"");
      w.Integer(e.timestamp);
      w.Raw("\",");
      w.String(e.line);
      if (with_metadata && e.metadata_count != 0) {
        w.Raw(",");
        w.Object(push.metadata.subspan(e.metadata_begin, e.metadata_count));
      }
      w.Raw("]");
    }
    w.Raw("]}");
  }
  w.Raw("]}");
  return std::string_view(out.data(), w.position());
}

void EncodeLokiJson(const LokiPushView& push, bool with_metadata, std::string& out) {
  out.clear();  // then the estimate fits the capacity a previous push left
  out.resize(EncodeLokiJsonInto(push, with_metadata, out).size());
}

}  // namespace logcap
