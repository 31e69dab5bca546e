#include "dlq/dlq_record.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "codec/event_json_decoder.h"
#include "codec/json_escape.h"

namespace logcap {

namespace {

namespace od = simdjson::ondemand;

void AppendTime(Nanos t, TimestampFormatter& ts, std::string* out) {
  out->push_back('"');
  const size_t at = out->size();
  out->resize(at + TimestampFormatter::kLength);
  ts.Format(t, out->data() + at);
  out->push_back('"');
}

Status Bad(std::string_view what) { return Status::Corruption("dlq record: " + std::string(what)); }
Status BadJson(simdjson::error_code error) {
  return Bad(std::string("invalid JSON: ") + simdjson::error_message(error));
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

void AppendDlqRecord(const DlqEntry& entry, TimestampFormatter& ts, std::string* out) {
  out->append("{\"time\":");
  AppendTime(entry.last_attempt, ts, out);
  out->append(",\"sink\":");
  AppendJsonString(entry.sink, *out);
  out->append(",\"reason\":");
  AppendJsonString(entry.reason, *out);
  out->append(",\"error\":");
  AppendJsonString(entry.error, *out);
  out->append(",\"attempts\":");
  out->append(std::to_string(entry.attempts));
  out->append(",\"first_attempt\":");
  AppendTime(entry.first_attempt, ts, out);
  out->append(",\"last_attempt\":");
  AppendTime(entry.last_attempt, ts, out);
  out->append(",\"event\":");
  out->append(entry.event_json);
  out->append("}\n");
}

DlqEntry DlqRecordView::ToEntry() const {
  DlqEntry e;
  e.sink = sink;
  e.reason = reason;
  e.error = error;
  e.attempts = attempts;
  e.first_attempt = first_attempt;
  e.last_attempt = last_attempt;
  e.event_json = event;
  return e;
}

struct DlqRecordParser::Impl {
  od::parser parser;
  std::unique_ptr<char[]> buffer;  // the line plus simdjson's padding
  size_t capacity = 0;
};

DlqRecordParser::DlqRecordParser() : impl_(std::make_unique<Impl>()) {}
DlqRecordParser::~DlqRecordParser() = default;

Status DlqRecordParser::Parse(std::string_view line, DlqRecordView* out) {
  *out = DlqRecordView();
  Impl& m = *impl_;
  if (m.capacity < line.size() + simdjson::SIMDJSON_PADDING) {
    m.capacity = std::max<size_t>(line.size() + simdjson::SIMDJSON_PADDING, 64 * 1024);
    m.buffer.reset(new char[m.capacity]);
  }
  if (!line.empty()) std::memcpy(m.buffer.get(), line.data(), line.size());
  std::memset(m.buffer.get() + line.size(), 0, simdjson::SIMDJSON_PADDING);

  od::document doc;
  if (auto error = m.parser.iterate(m.buffer.get(), line.size(), m.capacity).get(doc)) return BadJson(error);
  od::object object;
  if (auto error = doc.get_object().get(object)) return BadJson(error);
  bool has_sink = false, has_reason = false, has_event = false, has_time = false;
  auto read_time = [](od::value& v, Nanos* t) -> bool {
    std::string_view text;
    if (v.get_string().get(text)) return false;
    std::optional<Nanos> parsed = ParseRfc3339InRange(text);
    if (!parsed) return false;
    *t = *parsed;
    return true;
  };
  for (auto item : object) {
    od::field field;
    if (auto error = std::move(item).get(field)) return BadJson(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return BadJson(error);
    od::value& v = field.value();
    if (key == "sink") {
      if (v.get_string().get(out->sink)) return Bad("\"sink\" must be a string");
      has_sink = true;
    } else if (key == "reason") {
      if (v.get_string().get(out->reason)) return Bad("\"reason\" must be a string");
      has_reason = true;
    } else if (key == "error") {
      if (v.get_string().get(out->error)) return Bad("\"error\" must be a string");
    } else if (key == "attempts") {
      uint64_t n = 0;
      if (v.get_uint64().get(n) || n > UINT32_MAX) return Bad("\"attempts\" must be a 32-bit count");
      out->attempts = static_cast<uint32_t>(n);
    } else if (key == "time") {
      if (!read_time(v, &out->time)) return Bad("\"time\" must be an RFC 3339 time");
      has_time = true;
    } else if (key == "first_attempt") {
      if (!read_time(v, &out->first_attempt)) return Bad("\"first_attempt\" must be an RFC 3339 time");
    } else if (key == "last_attempt") {
      if (!read_time(v, &out->last_attempt)) return Bad("\"last_attempt\" must be an RFC 3339 time");
    } else if (key == "event") {
      od::object event;
      if (v.get_object().get(event)) return Bad("\"event\" must be an object");
      std::string_view raw;
      if (auto error = event.raw_json().get(raw)) return BadJson(error);
      // raw_json runs to where the next token starts: drop the blanks before it.
      while (!raw.empty() && IsJsonSpace(raw.back())) raw.remove_suffix(1);
      out->event = raw;
      has_event = true;
    }
  }
  // The object must be the whole line.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return Bad("unexpected content after the object");
  if (!has_sink) return Bad("missing \"sink\"");
  if (!has_reason) return Bad("missing \"reason\"");
  if (!has_event) return Bad("missing \"event\"");
  if (!has_time) out->time = out->last_attempt;
  return Status::Ok();
}

}  // namespace logcap
