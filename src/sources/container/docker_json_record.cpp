#include "sources/container/docker_json_record.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "codec/padded_line.h"
#include "sources/container/docker_json_fast_path.h"
#include "sources/container/time_parse_cache.h"

namespace logcap {

namespace {

namespace od = simdjson::ondemand;

Status InvalidJson(simdjson::error_code error) {
  return Status::InvalidArgument(std::string("docker json-file record: invalid JSON: ") +
                                 simdjson::error_message(error));
}

Status Invalid(std::string_view what) {
  return Status::InvalidArgument("docker json-file record: " + std::string(what));
}

// The error of a get_*() call that found another type: wrong type, else invalid JSON.
Status TypeError(simdjson::error_code error, std::string_view key, std::string_view expected) {
  if (error == simdjson::INCORRECT_TYPE) {
    return Invalid("\"" + std::string(key) + "\" must be " + std::string(expected));
  }
  return InvalidJson(error);
}

std::string Quoted(std::string_view text) {
  constexpr size_t kMax = 64;  // an error message shows at most this much of the offending value
  std::string out = "\"";
  out.append(text.substr(0, kMax));
  if (text.size() > kMax) out += "...";
  out += "\"";
  return out;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

struct DockerJsonDecoder::Impl {
  DockerJsonFastPath fast;  // Docker's own layout, without a parser
  od::parser parser;
  PaddedLine buffer;  // the line plus simdjson's padding
  TimeParseCache times;

  Status DecodeGeneral(std::string_view line, DockerJsonRecord* record);
  Status ReadAttrs(od::value& value, od::document& doc, std::string_view* attrs);
};

Status DockerJsonDecoder::Impl::ReadAttrs(od::value& value, od::document& doc, std::string_view* attrs) {
  od::json_type type = od::json_type::null;
  if (auto error = value.type().get(type)) return InvalidJson(error);
  if (type == od::json_type::null) {
    bool is_null = false;
    if (auto error = value.is_null().get(is_null)) return InvalidJson(error);
    if (!is_null) return InvalidJson(simdjson::N_ATOM_ERROR);
    *attrs = {};
    return Status::Ok();
  }
  if (type != od::json_type::object) return Invalid("\"attrs\" must be an object of strings");
  const char* start = value.raw_json_token().data();
  od::object object;
  if (auto error = value.get_object().get(object)) return InvalidJson(error);
  for (auto item : object) {
    od::field field;
    if (auto error = std::move(item).get(field)) return InvalidJson(error);
    std::string_view name, text;
    if (auto error = field.unescaped_key().get(name)) return InvalidJson(error);
    if (auto error = field.value().get_string().get(text)) {
      return TypeError(error, "attrs." + std::string(name), "a string");
    }
  }
  // The text runs from its '{' to where the next token starts, less the blanks before it.
  const char* end = nullptr;
  if (auto error = doc.current_location().get(end)) return InvalidJson(error);
  while (end > start && IsJsonSpace(end[-1])) --end;
  *attrs = std::string_view(start, static_cast<size_t>(end - start));
  return Status::Ok();
}

Status DockerJsonDecoder::Impl::DecodeGeneral(std::string_view line, DockerJsonRecord* record) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: parse a padded copy.
  buffer.Load(line);

  od::document doc;
  if (auto error = parser.iterate(buffer.data(), line.size(), buffer.capacity()).get(doc)) return InvalidJson(error);
  od::object object;
  if (auto error = doc.get_object().get(object)) {
    if (error == simdjson::INCORRECT_TYPE) return Invalid("the line is not a JSON object");
    return InvalidJson(error);
  }

  bool has_log = false, has_stream = false, has_time = false;
  std::string_view log, stream, time;
  record->attrs = {};
  for (auto item : object) {
    od::field field;
    if (auto error = std::move(item).get(field)) return InvalidJson(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return InvalidJson(error);
    if (key == "log") {
      if (auto error = field.value().get_string().get(log)) return TypeError(error, key, "a string");
      has_log = true;
    } else if (key == "stream") {
      if (auto error = field.value().get_string().get(stream)) return TypeError(error, key, "a string");
      has_stream = true;
    } else if (key == "time") {
      if (auto error = field.value().get_string().get(time)) return TypeError(error, key, "an RFC 3339 string");
      has_time = true;
    } else if (key == "attrs") {
      Status s = ReadAttrs(field.value(), doc, &record->attrs);
      if (!s.ok()) return s;
    }
    // Unknown keys are skipped by the iteration.
  }
  // The object must be the whole line (blanks and the newline aside).
  auto location = doc.current_location();
  if (location.error() != simdjson::OUT_OF_BOUNDS) {
    const char* rest = nullptr;
    if (std::move(location).get(rest) == simdjson::SUCCESS) {
      return Invalid("unexpected content after the object at byte " + std::to_string(rest - buffer.data()));
    }
    return Invalid(std::string("unexpected content after the object (") + simdjson::error_message(location.error()) + ")");
  }

  if (!has_log) return Invalid("missing \"log\"");
  if (!has_stream) return Invalid("missing \"stream\"");
  if (!has_time) return Invalid("missing \"time\"");

  const std::optional<ContainerStream> parsed_stream = ParseContainerStream(stream);
  if (!parsed_stream) return Invalid("\"stream\" must be \"stdout\" or \"stderr\", not " + Quoted(stream));
  const std::optional<Nanos> parsed_time = times.Parse(time);
  if (!parsed_time) return Invalid("\"time\" is not an RFC 3339 time: " + Quoted(time));

  record->partial = log.empty() || log.back() != '\n';
  if (!record->partial) {
    log.remove_suffix(1);
    if (!log.empty() && log.back() == '\r') log.remove_suffix(1);  // a TTY's "\r\n"
  }
  record->log = log;
  record->stream = *parsed_stream;
  record->time = *parsed_time;
  return Status::Ok();
}

DockerJsonDecoder::DockerJsonDecoder() : impl_(std::make_unique<Impl>()) {}
DockerJsonDecoder::~DockerJsonDecoder() = default;

Status DockerJsonDecoder::Decode(std::string_view line, DockerJsonRecord* record) {
  if (impl_->fast.Decode(line, impl_->times, record)) return Status::Ok();
  return impl_->DecodeGeneral(line, record);
}

Status DockerJsonDecoder::DecodeGeneral(std::string_view line, DockerJsonRecord* record) {
  return impl_->DecodeGeneral(line, record);
}

}  // namespace logcap
