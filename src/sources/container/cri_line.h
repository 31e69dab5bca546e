// ParseCriLine: decodes one line of a Kubernetes CRI container log (what containerd and CRI-O
// write under /var/log/pods):
//   <time> <stream> <tag> <message>
//   2026-11-24T07:00:00.123456789Z stdout F hello world
// - time: RFC 3339 with up to 9 fraction digits, "Z" or a numeric offset (runtimes write local
//   time with its offset) -> CriLine::time (ParseRfc3339InRange; give a TimeParseCache to parse
//   runs of lines from the same second faster, with the same result).
// - stream: "stdout" or "stderr".
// - tag: "P" (a part: the runtime cut a long line, more parts follow) or "F" (the last or only
//   part), optionally followed by ':' and further tags of newer runtimes ("F:x"), which are ignored.
// - message: everything after the single space that follows the tag, byte for byte (it may be empty
//   and may start with or contain spaces). A line that ends right after the tag, with or without
//   its space, has an empty message.
// The line is given without its newline; one trailing '\n' is accepted and removed.
//
// Failure: a missing field, a time that is not RFC 3339, an unknown stream or tag returns
// Status::InvalidArgument naming the problem (*line is then unspecified). Never throws.
//
// Pure function (but for the optional cache): no allocation unless it fails; CriLine::message is a
// view into the input.
#pragma once

#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "sources/container/container_stream.h"

namespace logcap {

struct CriLine {
  Nanos time = 0;
  ContainerStream stream = ContainerStream::kStdout;
  bool partial = false;      // tag P: not the end of the line (join up to the next F)
  std::string_view message;  // view into the input line
};

class TimeParseCache;

// times: optional, one per reader thread (time_parse_cache.h).
Status ParseCriLine(std::string_view text, CriLine* line, TimeParseCache* times = nullptr);

}  // namespace logcap
