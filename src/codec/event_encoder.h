// Event encoders: the one-line forms in which the local_file and stdout sinks (and later Kafka)
// write an event. Both append to a caller-owned buffer and never allocate beyond its amortised
// growth; neither makes a syscall.
//
// JSON (CONTRACT §4), one object and '\n', keys always in this order:
//   {"timestamp":"2026-11-23T10:00:00.123456789Z","message":"...","source_type":"file",
//    "source_id":"/var/log/app.log","labels":{"job":"varlogs"}
//    [,"level":"error"][,"fields":{...}][,"trace_id":"<32 hex>","span_id":"<16 hex>"]
//    [,"truncated":true][,"partial":true][,"malformed":true]}
//   - timestamp: Event::timestamp() (source time, else read time), RFC 3339 UTC, 9 fraction digits.
//   - labels: the source's labels merged with the event's attribute labels (the event's value wins
//     for an equal key), sorted by key; always present, {} when there are none.
//   - level: only when known. fields: EventAttributes::fields_json inserted as it is (the producer
//     guarantees it is one JSON object), only when non-empty. trace_id/span_id: lowercase hex,
//     only when the trace context is valid. truncated/partial/malformed: only when the flag is set.
//   - Strings are escaped by AppendJsonEscaped: invalid UTF-8 in a message (or label) becomes
//     U+FFFD in JSON output, so every line is valid JSON and valid UTF-8.
//
// Text, for a person reading a terminal or a file, one line per event:
//   2026-11-23T10:00:00.123456789Z file:/var/log/app.log the message
//   i.e. <timestamp> SP <source_type>:<source_id> SP <message> LF. The message bytes are written as
//   they are (no UTF-8 repair, no escaping), except that a '\n' inside a message is written as the
//   two characters "\n" so that one event is always one line. Labels, level, fields and trace ids
//   are only in the JSON form.
//
// Speed: a JSON line is written through a raw pointer into room made once per event (see
// WriteJsonEscaped), and with a JsonSourceCache the part that depends only on the source is
// escaped once per source and batch instead of once per event.
//
// Thread-safety: stateless apart from the TimestampFormatter (one per thread or sink) and the
// JsonSourceCache (one per batch being encoded, by one thread).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/event.h"
#include "core/event_batch.h"

namespace logcap {

enum class OutputFormat { kJson, kText };

// "json" or "text"; nullopt for anything else.
std::optional<OutputFormat> ParseOutputFormat(std::string_view name);

// Memo of the part of a JSON line that depends only on the event's source,
//   ,"source_type":"...","source_id":"...","labels":{...}
// so that it is escaped once per source rather than once per event. Used for events without
// attribute labels (those merge labels per event).
//
// Validity: ONE BATCH. Entries are keyed by SourceInfo pointer. A SourceInfo is immutable once
// shared, and the batch being encoded keeps every SourceInfo its events point at alive, so an
// entry is right for as long as that batch is alive. Once the batch is released, the same address
// may hold another source with other labels. So make one cache per batch being encoded (a local
// next to the loop over its events) and never use it for another batch.
class JsonSourceCache {
 public:
  // The fragment for source, escaped on first use.
  std::string_view Fragment(const SourceInfo& source);

 private:
  struct Entry {
    const SourceInfo* source = nullptr;
    std::string fragment;
  };
  // A batch usually carries a few sources; beyond this many the oldest entry is rebuilt on demand.
  static constexpr size_t kEntries = 8;
  std::array<Entry, kEntries> entries_;
  size_t last_ = 0;  // the entry used last: consecutive events mostly share a source
  size_t next_ = 0;  // the entry to fill next, round-robin
};

// Appends e (an event of batch) as one JSON object and '\n'. cache, when given, must be used for
// batch only (see JsonSourceCache).
void AppendEventJson(const EventBatch& batch, const Event& e, TimestampFormatter& ts, std::string& out,
                     JsonSourceCache* cache = nullptr);
// Appends e as one text line and '\n'.
void AppendEventText(const EventBatch& batch, const Event& e, TimestampFormatter& ts, std::string& out);

inline void AppendEvent(OutputFormat format, const EventBatch& batch, const Event& e, TimestampFormatter& ts,
                        std::string& out, JsonSourceCache* cache = nullptr) {
  if (format == OutputFormat::kJson) {
    AppendEventJson(batch, e, ts, out, cache);
  } else {
    AppendEventText(batch, e, ts, out);
  }
}

}  // namespace logcap
