#include "codec/event_json_decoder.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "codec/padded_line.h"
#include "core/clock.h"

namespace logcap {

namespace {

namespace od = simdjson::ondemand;

Status InvalidJson(simdjson::error_code error) {
  return Status::InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(error));
}

Status WrongType(std::string_view key, std::string_view expected) {
  return Status::InvalidArgument("\"" + std::string(key) + "\" must be " + std::string(expected));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Exactly 2 * N hex digits into N bytes.
template <size_t N>
bool ParseHex(std::string_view text, std::array<uint8_t, N>* out) {
  if (text.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    const int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Walks a whole value so that everything in it is checked: On-Demand only validates what is read,
// and a skipped value could hide a bad literal or number that the encoder would then copy out.
simdjson::error_code ValidateValue(od::value& value) {
  od::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto error = value.get_object().get(object)) return error;
      for (auto item : object) {
        od::field field;
        if (auto error = std::move(item).get(field)) return error;
        std::string_view key;
        if (auto error = field.unescaped_key().get(key)) return error;
        if (auto error = ValidateValue(field.value())) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array array;
      if (auto error = value.get_array().get(array)) return error;
      for (auto item : array) {
        od::value element;
        if (auto error = std::move(item).get(element)) return error;
        if (auto error = ValidateValue(element)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return value.get_string().get(s);
    }
    case od::json_type::number: {
      od::number n;
      return value.get_number().get(n);
    }
    case od::json_type::boolean: {
      bool b;
      return value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return error;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::optional<Nanos> ParseRfc3339InRange(std::string_view text) {
  // Nanos spans 1677-09-21 to 2262-04-11; whole years inside it, with room for any UTC offset.
  int year = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    year = year * 10 + (text[i] - '0');
  }
  if (year < 1678 || year > 2261) return std::nullopt;
  return ParseRfc3339(text);
}

struct EventJsonDecoder::Impl {
  // What one line holds. Views point into the parser's string buffer or the padded copy of the
  // line: valid until the next Parse.
  struct Parsed {
    bool has_message = false;
    std::string_view message;
    Nanos source_time = 0;
    std::string_view type, id;
    std::vector<std::pair<std::string_view, std::string_view>> labels;
    Level level = Level::kUnknown;
    std::string_view fields;
    TraceContext trace;
    uint8_t flags = 0;
  };

  static constexpr size_t kSourceCacheSize = 64;

  Impl(std::string c, std::string ct) : component(std::move(c)), component_type(std::move(ct)) {}

  Status Parse(std::string_view line);
  Status ReadKey(std::string_view key, od::value& value, od::document& doc);
  const std::shared_ptr<const SourceInfo>& SourceFor();
  bool Matches(const SourceInfo& source) const;
  // Adds the parsed event to batch; its message is copied to dst (which lies in block).
  void Emit(EventBatch* batch, char* dst, Nanos now);

  std::string component;
  std::string component_type;
  od::parser parser;
  PaddedLine buffer;  // the line plus simdjson's padding
  Parsed p;
  std::vector<std::shared_ptr<const SourceInfo>> sources;  // recent sources, replaced round-robin
  size_t last_source = 0;
  size_t next_source = 0;
};

Status EventJsonDecoder::Impl::Parse(std::string_view line) {
  p.has_message = false;
  p.message = {};
  p.source_time = 0;
  p.type = p.id = {};
  p.labels.clear();
  p.level = Level::kUnknown;
  p.fields = {};
  p.trace = TraceContext{};
  p.flags = 0;

  // simdjson reads up to SIMDJSON_PADDING bytes past the end: parse a padded copy.
  buffer.Load(line);

  od::document doc;
  if (auto error = parser.iterate(buffer.data(), line.size(), buffer.capacity()).get(doc)) return InvalidJson(error);
  od::object object;
  if (auto error = doc.get_object().get(object)) {
    if (error == simdjson::INCORRECT_TYPE) return Status::InvalidArgument("the line is not a JSON object");
    return InvalidJson(error);
  }
  for (auto item : object) {
    od::field field;
    if (auto error = std::move(item).get(field)) return InvalidJson(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return InvalidJson(error);
    Status s = ReadKey(key, field.value(), doc);
    if (!s.ok()) return s;
  }
  // The object must be the whole line.
  const char* rest = nullptr;
  auto location = doc.current_location();
  if (location.error() != simdjson::OUT_OF_BOUNDS) {
    if (std::move(location).get(rest) == simdjson::SUCCESS) {
      return Status::InvalidArgument("invalid JSON: unexpected content after the object at byte " +
                                     std::to_string(rest - buffer.data()));
    }
    return InvalidJson(location.error());
  }
  if (!p.has_message) return Status::InvalidArgument("missing \"message\"");
  return Status::Ok();
}

Status EventJsonDecoder::Impl::ReadKey(std::string_view key, od::value& value, od::document& doc) {
  const bool is_message = key == "message";
  od::json_type type;
  if (auto error = value.type().get(type)) return InvalidJson(error);
  if (type == od::json_type::null && !is_message) return Status::Ok();  // an optional key left empty

  if (is_message) {
    if (type != od::json_type::string) return WrongType(key, "a string");
    if (auto error = value.get_string().get(p.message)) return InvalidJson(error);
    p.has_message = true;
  } else if (key == "timestamp") {
    std::string_view text;
    if (type != od::json_type::string) return WrongType(key, "an RFC 3339 string");
    if (auto error = value.get_string().get(text)) return InvalidJson(error);
    const std::optional<Nanos> t = ParseRfc3339InRange(text);
    if (!t) return Status::InvalidArgument("\"timestamp\" is not an RFC 3339 time: \"" + std::string(text) + "\"");
    p.source_time = *t;
  } else if (key == "source_type" || key == "source_id") {
    if (type != od::json_type::string) return WrongType(key, "a string");
    if (auto error = value.get_string().get(key == "source_type" ? p.type : p.id)) return InvalidJson(error);
  } else if (key == "labels") {
    if (type != od::json_type::object) return WrongType(key, "an object of strings");
    od::object labels;
    if (auto error = value.get_object().get(labels)) return InvalidJson(error);
    p.labels.clear();  // a repeated "labels" key replaces the earlier one
    for (auto item : labels) {
      od::field field;
      if (auto error = std::move(item).get(field)) return InvalidJson(error);
      std::string_view name, text;
      if (auto error = field.unescaped_key().get(name)) return InvalidJson(error);
      od::json_type label_type;
      if (auto error = field.value().type().get(label_type)) return InvalidJson(error);
      if (label_type != od::json_type::string) {
        return Status::InvalidArgument("label \"" + std::string(name) + "\" must be a string");
      }
      if (auto error = field.value().get_string().get(text)) return InvalidJson(error);
      p.labels.emplace_back(name, text);
    }
  } else if (key == "level") {
    std::string_view text;
    if (type != od::json_type::string) return WrongType(key, "a string");
    if (auto error = value.get_string().get(text)) return InvalidJson(error);
    p.level = ParseLevel(text);
  } else if (key == "fields") {
    if (type != od::json_type::object) return WrongType(key, "an object");
    // Kept as its text: from its '{' to where the next token starts, less the blanks before it.
    const char* start = value.raw_json_token().data();
    if (auto error = ValidateValue(value)) return InvalidJson(error);
    const char* end = nullptr;
    if (auto error = doc.current_location().get(end)) return InvalidJson(error);
    while (end > start && IsJsonSpace(end[-1])) --end;
    p.fields = std::string_view(start, static_cast<size_t>(end - start));
  } else if (key == "trace_id" || key == "span_id") {
    std::string_view text;
    if (type != od::json_type::string) return WrongType(key, "a hex string");
    if (auto error = value.get_string().get(text)) return InvalidJson(error);
    const bool ok = key == "trace_id" ? ParseHex(text, &p.trace.trace_id) : ParseHex(text, &p.trace.span_id);
    if (!ok) return WrongType(key, key == "trace_id" ? "32 hex digits" : "16 hex digits");
  } else if (key == "truncated" || key == "partial" || key == "malformed") {
    bool flag;
    if (type != od::json_type::boolean) return WrongType(key, "true or false");
    if (auto error = value.get_bool().get(flag)) return InvalidJson(error);
    const uint8_t bit = key == "truncated" ? kFlagTruncated : key == "partial" ? kFlagPartial : kFlagMalformed;
    p.flags = static_cast<uint8_t>(flag ? (p.flags | bit) : (p.flags & ~bit));
  }
  return Status::Ok();
}

bool EventJsonDecoder::Impl::Matches(const SourceInfo& source) const {
  if (source.type != p.type || source.id != p.id || source.labels.size() != p.labels.size()) return false;
  auto it = source.labels.begin();
  for (const auto& [k, v] : p.labels) {
    if (it->first != k || it->second != v) return false;
    ++it;
  }
  return true;
}

const std::shared_ptr<const SourceInfo>& EventJsonDecoder::Impl::SourceFor() {
  // Labels in the form Labels keeps: sorted by key, one value per key (the last one given).
  bool canonical = true;
  for (size_t i = 1; i < p.labels.size() && canonical; ++i) canonical = p.labels[i - 1].first < p.labels[i].first;
  if (!canonical) {
    std::stable_sort(p.labels.begin(), p.labels.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t kept = 0;
    for (size_t i = 0; i < p.labels.size(); ++i) {
      if (i + 1 < p.labels.size() && p.labels[i + 1].first == p.labels[i].first) continue;
      p.labels[kept++] = p.labels[i];
    }
    p.labels.resize(kept);
  }

  if (last_source < sources.size() && Matches(*sources[last_source])) return sources[last_source];
  for (size_t i = 0; i < sources.size(); ++i) {
    if (Matches(*sources[i])) {
      last_source = i;
      return sources[i];
    }
  }
  auto source = std::make_shared<SourceInfo>();
  source->type = p.type;
  source->id = p.id;
  const size_t slash = p.id.rfind('/');
  source->name = slash == std::string_view::npos ? p.id : p.id.substr(slash + 1);
  source->component = component;
  source->component_type = component_type;
  for (const auto& [k, v] : p.labels) source->labels.Set(k, v);
  if (sources.size() < kSourceCacheSize) {
    last_source = sources.size();
    sources.push_back(std::move(source));
  } else {
    last_source = next_source;
    next_source = (next_source + 1) % kSourceCacheSize;
    sources[last_source] = std::move(source);
  }
  return sources[last_source];
}

void EventJsonDecoder::Impl::Emit(EventBatch* batch, char* dst, Nanos now) {
  if (!p.message.empty()) std::memcpy(dst, p.message.data(), p.message.size());
  Event e;
  e.message = std::string_view(dst, p.message.size());
  e.source_time = p.source_time;
  e.read_time = now;
  e.source = batch->RetainSource(SourceFor());
  e.level = p.level;
  e.flags = p.flags;
  e.trace = p.trace;
  if (!p.fields.empty()) {
    EventAttributes attributes;
    attributes.fields_json = p.fields;
    e.attributes = batch->AddAttributes(std::move(attributes));
  }
  batch->Add(e);
}

EventJsonDecoder::EventJsonDecoder(std::string component, std::string component_type)
    : impl_(std::make_unique<Impl>(std::move(component), std::move(component_type))) {}
EventJsonDecoder::~EventJsonDecoder() = default;

Status EventJsonDecoder::Decode(std::string_view line, EventBatch* batch) {
  Status s = impl_->Parse(line);
  if (!s.ok()) return s;
  const size_t n = impl_->p.message.size();
  ByteBlockPtr block = ByteBlock::Create(n == 0 ? 1 : n);
  impl_->Emit(batch, block->data(), WallNowNanos());
  block->set_size(n);
  batch->RetainBlock(std::move(block));
  return Status::Ok();
}

Status EventJsonDecoder::DecodeLines(std::span<const std::string_view> lines, EventBatch* batch,
                                     std::vector<LineError>* errors) {
  // An unescaped message is never longer than its line, so one block of the lines' total size
  // holds every message.
  size_t total = 0;
  for (std::string_view line : lines) total += line.size();
  ByteBlockPtr block = ByteBlock::Create(total == 0 ? 1 : total);
  const Nanos now = WallNowNanos();
  size_t used = 0, failed = 0;
  Status first_error;
  for (size_t i = 0; i < lines.size(); ++i) {
    Status s = impl_->Parse(lines[i]);
    if (!s.ok()) {
      if (failed++ == 0) first_error = Status::InvalidArgument("line " + std::to_string(i) + ": " + s.message());
      if (errors != nullptr) errors->push_back(LineError{i, std::move(s)});
      continue;
    }
    impl_->Emit(batch, block->data() + used, now);
    used += impl_->p.message.size();
  }
  if (used > 0 || failed < lines.size()) {
    block->set_size(used);
    batch->RetainBlock(std::move(block));
  }
  if (failed == 0) return Status::Ok();
  if (failed == 1) return first_error;
  return Status::InvalidArgument(first_error.message() + " (and " + std::to_string(failed - 1) +
                                 " more invalid lines)");
}

}  // namespace logcap
