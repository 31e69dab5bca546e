#include "sinks/common/event_encoder.h"

#include <cstring>

#include "sinks/common/json_escape.h"

namespace logcap {

namespace {

inline void AppendLiteral(std::string& out, std::string_view text) { out.append(text.data(), text.size()); }

void AppendTimestamp(Nanos t, TimestampFormatter& ts, std::string& out) {
  const size_t pos = out.size();
  out.resize(pos + TimestampFormatter::kLength);
  ts.Format(t, out.data() + pos);
}

void AppendHex(const uint8_t* bytes, size_t n, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t pos = out.size();
  out.resize(pos + 2 * n);
  char* dst = out.data() + pos;
  for (size_t i = 0; i < n; ++i) {
    dst[2 * i] = kHex[bytes[i] >> 4];
    dst[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
}

void AppendLabel(const Labels::Pair& pair, bool& first, std::string& out) {
  if (!first) out.push_back(',');
  first = false;
  AppendJsonString(pair.first, out);
  out.push_back(':');
  AppendJsonString(pair.second, out);
}

// Writes the union of two sorted label sets, sorted by key; b's value wins for an equal key.
void AppendMergedLabels(const Labels* a, const Labels* b, std::string& out) {
  out.push_back('{');
  bool first = true;
  if (a == nullptr || a->empty()) {
    if (b != nullptr)
      for (const auto& p : *b) AppendLabel(p, first, out);
  } else if (b == nullptr || b->empty()) {
    for (const auto& p : *a) AppendLabel(p, first, out);
  } else {
    auto ia = a->begin(), ib = b->begin();
    while (ia != a->end() || ib != b->end()) {
      if (ib == b->end() || (ia != a->end() && ia->first < ib->first)) {
        AppendLabel(*ia++, first, out);
      } else {
        if (ia != a->end() && ia->first == ib->first) ++ia;
        AppendLabel(*ib++, first, out);
      }
    }
  }
  out.push_back('}');
}

}  // namespace

std::optional<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "text") return OutputFormat::kText;
  return std::nullopt;
}

void AppendEventJson(const EventBatch& batch, const Event& e, TimestampFormatter& ts, std::string& out) {
  const SourceInfo* source = e.source;
  const EventAttributes* attributes = batch.AttributesOf(e);

  AppendLiteral(out, "{\"timestamp\":\"");
  AppendTimestamp(e.timestamp(), ts, out);
  AppendLiteral(out, "\",\"message\":\"");
  AppendJsonEscaped(e.message, out);
  AppendLiteral(out, "\",\"source_type\":\"");
  if (source != nullptr) AppendJsonEscaped(source->type, out);
  AppendLiteral(out, "\",\"source_id\":\"");
  if (source != nullptr) AppendJsonEscaped(source->id, out);
  AppendLiteral(out, "\",\"labels\":");
  AppendMergedLabels(source != nullptr ? &source->labels : nullptr,
                     attributes != nullptr ? &attributes->labels : nullptr, out);

  if (e.level != Level::kUnknown) {
    AppendLiteral(out, ",\"level\":\"");
    AppendLiteral(out, LevelName(e.level));
    out.push_back('"');
  }
  if (attributes != nullptr && !attributes->fields_json.empty()) {
    AppendLiteral(out, ",\"fields\":");
    AppendLiteral(out, attributes->fields_json);
  }
  if (e.trace.valid()) {
    AppendLiteral(out, ",\"trace_id\":\"");
    AppendHex(e.trace.trace_id.data(), e.trace.trace_id.size(), out);
    AppendLiteral(out, "\",\"span_id\":\"");
    AppendHex(e.trace.span_id.data(), e.trace.span_id.size(), out);
    out.push_back('"');
  }
  if (e.flags & kFlagTruncated) AppendLiteral(out, ",\"truncated\":true");
  if (e.flags & kFlagPartial) AppendLiteral(out, ",\"partial\":true");
  AppendLiteral(out, "}\n");
}

void AppendEventText(const EventBatch& /*batch*/, const Event& e, TimestampFormatter& ts, std::string& out) {
  AppendTimestamp(e.timestamp(), ts, out);
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
    AppendLiteral(out, "\\n");
    rest.remove_prefix(n + 1);
  }
  out.append(rest.data(), rest.size());
  out.push_back('\n');
}

}  // namespace logcap
