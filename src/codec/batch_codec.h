// Batch codec: the compact binary form of an EventBatch, used as the disk buffer's record payload.
//
// What is kept: every event's message bytes (as they are: invalid UTF-8 stays invalid), source
// (type, id, name, component, labels), attributes (labels and fields_json), level, flags, trace
// context (ids and sampled), source_time and read_time. What is not: positions and ack tokens
// (they belong to the live pipeline, not to the stored data).
//
// Format, version 1 (all integers are unsigned LEB128 varints of at most 10 bytes unless noted):
//   payload    := version:u8 (=1)  source_count  source*  event_count  event*   (nothing after)
//   source     := str type  str id  str name  str component  label_count  (str key  str value)*
//   event      := head:u8  flags:u8  source_ref  read_time
//                 [source_time]                              when head & 0x08
//                 str message
//                 [label_count (str key str value)* str fields_json]   when head & 0x10
//                 [trace_id:16 bytes  span_id:8 bytes]       when head & 0x20
//   head       := level (bits 0..2, 0..6)  | 0x08 has source_time | 0x10 has attributes
//                 | 0x20 has trace | 0x40 trace sampled; bit 7 is reserved (must be 0)
//   source_ref := 0 for an event without a source, else 1 + its index in the source table
//   read_time  := zigzag(read_time - previous event's read_time), the first one against 0
//   source_time:= zigzag(source_time - read_time)   (sources' times are close to read times)
//   str        := length  bytes
// A reader that meets another version byte refuses the payload; a new version must change it.
// Sources are written once per payload; two sources with equal content are written once.
//
// Decoding never copies a message: the payload string is moved into the batch (which owns it for
// its lifetime) and every message is a view into it. Every length and count is checked against the
// bytes that remain before it is used, so malformed or truncated input yields Status::Corruption
// naming what was wrong and where; it never reads out of bounds or allocates by an unchecked count.
//
// Threading: both functions are pure (no shared state); call them from any thread.
#pragma once

#include <string>

#include "core/event_batch.h"
#include "core/status.h"

namespace logcap {

inline constexpr uint8_t kBatchCodecVersion = 1;

// Appends the binary encoding of every event of batch to *out (see the format above).
void EncodeBatch(const EventBatch& batch, std::string* out);

// Decodes a payload made by EncodeBatch into *out, which must be empty (else InvalidArgument).
// Sources equal within one payload become one shared SourceInfo. On any error *out stays empty.
Status DecodeBatch(std::string payload, EventBatch* out);

}  // namespace logcap
