// EventJsonDecoder: reads back the JSON form of an event that event_encoder.h writes (CONTRACT §4)
// and appends the event to an EventBatch. Used by the DLQ replay and the Kafka source.
//
// Keys read (any order; unknown keys are skipped without being interpreted; a repeated key: the last
// one wins):
//   message      required string, unescaped   -> Event::message (copied into a ByteBlock of the batch)
//   timestamp    RFC 3339 string              -> Event::source_time
//   source_type, source_id  strings           -> the SourceInfo's type and id
//   labels       object of strings            -> the SourceInfo's labels (the encoder wrote the source's
//                                                and the event's labels merged; they stay merged)
//   level        string (ParseLevel; unknown names give Level::kUnknown)
//   fields       object, validated and kept as its raw JSON text -> EventAttributes::fields_json
//   trace_id, span_id  32 / 16 hex digits     -> Event::trace (sampled is not in the JSON form)
//   truncated, partial, malformed booleans    -> kFlagTruncated, kFlagPartial, kFlagMalformed
// Optional keys may also be null (= absent). Event::read_time is the wall clock at the decode call.
// Decoding then encoding with AppendEventJson gives back the same line, byte for byte.
//
// Sources: lines with equal (source_type, source_id, labels) share one SourceInfo, also across
// calls (a small cache of recent sources). Its name is the last '/'-separated part of the id (what a
// file source would call it) and its component is the one given to the constructor.
//
// Failure: invalid JSON (including invalid UTF-8 and trailing content), a top level that is not an
// object, a missing or non-string message, or a known key with a value of the wrong type or form
// returns Status::InvalidArgument naming the problem; the line's event is then not added (the batch
// is left as it was).
//
// Memory: Decode copies one line's message into a block of its own size; DecodeLines puts the
// messages of all its lines into one block. Either way the batch retains the block.
//
// Threading: one decoder per thread (it owns a reusable simdjson parser and buffers).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"
#include "core/status.h"

namespace logcap {

// ParseRfc3339 for times that fit in Nanos (years 1678 to 2261); nullopt otherwise. Guards against
// core's ParseRfc3339 overflowing (undefined behaviour) on years far outside that range.
std::optional<Nanos> ParseRfc3339InRange(std::string_view text);

class EventJsonDecoder {
 public:
  // component: SourceInfo::component of the sources this decoder creates (e.g. "dlq_replay").
  // component_type: SourceInfo::component_type of those sources ("" = none).
  explicit EventJsonDecoder(std::string component = "event_json", std::string component_type = "");
  ~EventJsonDecoder();
  EventJsonDecoder(const EventJsonDecoder&) = delete;
  EventJsonDecoder& operator=(const EventJsonDecoder&) = delete;

  // Decodes one JSON line (a trailing newline is fine) and appends its event to *batch.
  Status Decode(std::string_view line, EventBatch* batch);

  struct LineError {
    size_t index;  // into lines
    Status status;
  };
  // Decodes every line into *batch, with one block for all the messages. Lines that fail are left
  // out; each is reported in *errors (when given). Returns Ok when every line was decoded, else
  // InvalidArgument naming the first failure and how many failed.
  Status DecodeLines(std::span<const std::string_view> lines, EventBatch* batch,
                     std::vector<LineError>* errors = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace logcap
