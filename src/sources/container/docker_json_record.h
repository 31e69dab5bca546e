// DockerJsonDecoder: decodes one record (one line) of Docker's json-file log driver.
//
// Docker writes every record as one JSON object on a line of its own:
//   {"log":"hello\n","stream":"stdout","attrs":{"tag":"x"},"time":"2026-11-24T07:00:00.123456789Z"}
// Keys read (any order; unknown keys are skipped; a repeated key: the last one wins):
//   log     required string, unescaped -> DockerJsonRecord::log, without its trailing '\n' (and
//           without the '\r' of a trailing "\r\n", which containers with a TTY write)
//   stream  required "stdout" | "stderr"
//   time    required RFC 3339 string (ParseRfc3339InRange, through a TimeParseCache)
//           -> DockerJsonRecord::time
//   attrs   optional object of strings (--log-opt labels/env/tag), or null; kept as its raw JSON
//           text, validated, not unescaped
// A `log` that does not end with '\n' is a *partial* record: Docker cuts lines longer than 16 KiB
// into records of 16 KiB without a newline, and the last one carries it (a container that exits in
// the middle of a line leaves a partial that is never completed). PartialJoiner joins them.
// A trailing '\n' or "\r\n" after the object (the line as read from the file) is accepted.
//
// Failure: invalid JSON (including invalid UTF-8 and content after the object), a top level that is
// not an object, a missing required key, a value of the wrong type, an unknown stream name or a time
// that is not RFC 3339 returns Status::InvalidArgument naming the problem; *record is then
// unspecified. The caller passes such lines on raw, flagged. Never throws, never aborts.
//
// Fast path: a record in the exact layout Docker writes ({"log":...,"stream":...,"time":...}, Go's
// escaping, no blanks) is decoded without a parser (docker_json_fast_path.h); anything else, and
// every error, goes the general way, through simdjson. Both give the same result.
//
// Memory: the views of DockerJsonRecord point into the decoder's buffers and stay valid until the
// next Decode; but `log` may point into `line` itself (a fast-path record whose text has no escape
// but its final newline: no copy at all), so keep the line as long as the record. The decoder
// keeps one padded copy of the line, simdjson's parser and the fast path's buffer; all grow to the
// longest line seen and are reused, so decoding a line allocates nothing once warm.
//
// Threading: one decoder per thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "sources/container/container_stream.h"

namespace logcap {

struct DockerJsonRecord {
  std::string_view log;    // unescaped text, without its trailing '\n' or "\r\n"
  bool partial = false;    // the text did not end with '\n' (a part of a longer line)
  ContainerStream stream = ContainerStream::kStdout;
  Nanos time = 0;          // the record's "time"
  std::string_view attrs;  // raw JSON text of "attrs" ('{...}'), empty when absent or null
};

class DockerJsonDecoder {
 public:
  DockerJsonDecoder();
  ~DockerJsonDecoder();
  DockerJsonDecoder(const DockerJsonDecoder&) = delete;
  DockerJsonDecoder& operator=(const DockerJsonDecoder&) = delete;

  // Decodes one line into *record (views valid until the next call, and `log` as long as `line`).
  Status Decode(std::string_view line, DockerJsonRecord* record);

  // The general path alone (simdjson, never the fast path): for tests and benchmarks that compare
  // the two. `log` never points into `line`.
  Status DecodeGeneral(std::string_view line, DockerJsonRecord* record);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace logcap
