// Event: one captured log line, as it travels from a source to the sinks.
//
// An Event is a small fixed-size record (no heap allocation of its own). Its message is a view into
// a ByteBlock, its source is a pointer to a shared SourceInfo, and its optional per-event labels and
// structured fields live in a side table of the EventBatch that carries it. All of these are owned
// by that batch: an Event is valid only while its batch is alive, and is never used outside it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/labels.h"

namespace logcap {

enum class Level : uint8_t { kUnknown = 0, kTrace, kDebug, kInfo, kWarn, kError, kFatal };
std::string_view LevelName(Level level);  // "" for kUnknown, else "trace" .. "fatal"
Level ParseLevel(std::string_view text);   // case-insensitive, knows common aliases; kUnknown otherwise

// Event flags: facts about how the line was captured, shown in the JSON output.
enum EventFlag : uint8_t {
  kFlagTruncated = 1 << 0,    // longer than max_line_size: the rest of the line was discarded
  kFlagPartial = 1 << 1,      // the source ended without a newline (file deleted, or idle timeout)
  kFlagInvalidUtf8 = 1 << 2,  // set by encoders that had to replace bytes; informational
  kFlagMalformed = 1 << 3,    // a record of a log format (Docker json-file, CRI) that did not decode:
                              // the message is the raw line as read, passed on rather than dropped
};

// W3C trace context of the log, when a source or processor knows it (tracing plugs in later).
struct TraceContext {
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
  bool sampled = false;
  bool valid() const {
    for (uint8_t b : trace_id)
      if (b != 0) return true;
    return false;
  }
};

// What a source knows about itself. Shared (immutable) by every event from that source stream.
struct SourceInfo {
  std::string type;  // "file", "docker", "cri", "http", ...
  std::string id;    // file path, container id, ...
  std::string name;  // short human name: file basename, container name; used by filename patterns
  std::string component;  // the configured component that produced it ("file_monitor"): a metric label
  // The kind of that component when `type` is not it: "kafka" for events read back from Kafka,
  // whose `type` stays where they were first captured. The source_type of the captured metric.
  std::string component_type;
  Labels labels;          // static labels of the source (config labels plus discovered metadata)
};

// Where an event came from, so delivery can be acknowledged back to the source.
// stream_id identifies the source's stream (a file), offset is the byte just past this event.
struct SourcePosition {
  uint64_t stream_id = 0;
  uint64_t offset = 0;
};

inline constexpr uint32_t kNoAttributes = UINT32_MAX;

struct Event {
  std::string_view message;        // without its newline; points into a ByteBlock of the batch
  Nanos source_time = 0;           // when the log was written, where the source knows it; 0 if not
  Nanos read_time = 0;             // when the agent read it
  const SourceInfo* source = nullptr;
  uint32_t attributes = kNoAttributes;  // index into EventBatch attributes, or kNoAttributes
  Level level = Level::kUnknown;
  uint8_t flags = 0;
  TraceContext trace;
  SourcePosition position;

  // The event's time: the source's when known, else the read time.
  Nanos timestamp() const { return source_time != 0 ? source_time : read_time; }
};

// Per-event extras, kept out of Event so the common case stays small.
struct EventAttributes {
  Labels labels;            // event labels; they override the source's labels with the same key
  std::string fields_json;  // structured fields as a serialised JSON object, or empty
};

}  // namespace logcap
