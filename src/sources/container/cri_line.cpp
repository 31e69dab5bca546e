#include "sources/container/cri_line.h"

#include <optional>
#include <string>

#include "codec/event_json_decoder.h"  // ParseRfc3339InRange
#include "sources/container/time_parse_cache.h"

namespace logcap {

namespace {

Status Invalid(std::string_view what) { return Status::InvalidArgument("CRI log line: " + std::string(what)); }

std::string Quoted(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  out.append(text.substr(0, kMax));
  if (text.size() > kMax) out += "...";
  out += "\"";
  return out;
}

}  // namespace

Status ParseCriLine(std::string_view text, CriLine* line, TimeParseCache* times) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);

  if (text.empty()) return Invalid("empty line");
  // Field by field, each checked as soon as it is found, so the error names the first bad one.
  const size_t time_end = text.find(' ');
  const std::string_view time = text.substr(0, time_end);
  const std::optional<Nanos> parsed_time = times != nullptr ? times->Parse(time) : ParseRfc3339InRange(time);
  if (!parsed_time) return Invalid("the time is not RFC 3339: " + Quoted(time));
  if (time_end == std::string_view::npos) return Invalid("missing stream after the time");

  const size_t stream_begin = time_end + 1;
  const size_t stream_end = text.find(' ', stream_begin);
  const std::string_view stream = text.substr(stream_begin, stream_end - stream_begin);
  const std::optional<ContainerStream> parsed_stream = ParseContainerStream(stream);
  if (!parsed_stream) return Invalid("the stream must be \"stdout\" or \"stderr\", not " + Quoted(stream));
  if (stream_end == std::string_view::npos) return Invalid("missing the P/F tag after the stream");

  const size_t tag_begin = stream_end + 1;
  const size_t tag_end = text.find(' ', tag_begin);
  const bool has_message = tag_end != std::string_view::npos;
  const std::string_view tag = text.substr(tag_begin, tag_end - tag_begin);
  // "P", "F", or either followed by ':' and more tags.
  if (tag.empty() || (tag[0] != 'P' && tag[0] != 'F') || (tag.size() > 1 && tag[1] != ':')) {
    return Invalid("the tag must be \"P\" or \"F\" (optionally followed by ':'), not " + Quoted(tag));
  }

  line->time = *parsed_time;
  line->stream = *parsed_stream;
  line->partial = tag[0] == 'P';
  line->message = has_message ? text.substr(tag_end + 1) : std::string_view();
  return Status::Ok();
}

}  // namespace logcap
