// DockerJsonFastPath: decodes the one layout Docker's json-file driver writes, without a JSON
// parser. DockerJsonDecoder tries it first and parses whatever it declines with simdjson.
//
// The layout (moby's jsonlog, with Go's string escaping), byte for byte:
//   {"log":"<text>","stream":"stdout","time":"<time>"}      ("stderr" likewise)
// followed by nothing, "\n" or "\r\n". <text> may hold any UTF-8 but '"', '\\' and control
// characters, and the escapes \" \\ \/ \b \f \n \r \t and \uXXXX (any case of hex digits) but for
// a surrogate (Go writes characters beyond U+FFFF as UTF-8, never as surrogate pairs, and invalid
// UTF-8 as \ufffd). <time> is what TimeParseCache::Parse accepts.
//
// Contract: Decode either decodes the line completely, exactly as the general (simdjson) path of
// DockerJsonDecoder would (same log bytes, partial flag, "\r\n" handling, stream and time; attrs
// empty), and returns true; or returns false, "not this layout", and leaves *record alone. It
// declines: any other key, key order or number of keys ("attrs"), whitespace between tokens, an
// escape it does not handle (unknown, a surrogate, a bad hex digit), a raw control character or
// invalid UTF-8 in <text>, a byte other than printable ASCII (or a '\\') in <time>, a time
// TimeParseCache rejects, anything else after the object. Declining is never an error: the general
// path then decodes the line or names its problem, so every error message is the general path's.
//
// Views: record->log points into `line` itself when <text> has no escape but its final \n (or
// \r\n): no copy at all (ContainerLogDecoder then hands the file's block on). Otherwise it points
// into this object's buffer, valid until the next Decode.
//
// Memory: one buffer for unescaped text, grown to the longest line seen and reused: no allocation
// once warm. Threading: none; one per DockerJsonDecoder.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "sources/container/docker_json_record.h"

namespace logcap {

class TimeParseCache;

class DockerJsonFastPath {
 public:
  // true: *record is the line's; false: not this layout (decode it the general way).
  bool Decode(std::string_view line, TimeParseCache& times, DockerJsonRecord* record);

 private:
  std::unique_ptr<char[]> buffer_;  // unescaped text
  size_t capacity_ = 0;
};

}  // namespace logcap
