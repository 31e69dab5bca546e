// Event encoders: the one-line forms in which the local_file and stdout sinks (and later Kafka)
// write an event. Both append to a caller-owned buffer and never allocate beyond its amortised
// growth; neither makes a syscall.
//
// JSON (CONTRACT §4), one object and '\n', keys always in this order:
//   {"timestamp":"2026-11-23T10:00:00.123456789Z","message":"...","source_type":"file",
//    "source_id":"/var/log/app.log","labels":{"job":"varlogs"}
//    [,"level":"error"][,"fields":{...}][,"trace_id":"<32 hex>","span_id":"<16 hex>"]
//    [,"truncated":true][,"partial":true]}
//   - timestamp: Event::timestamp() (source time, else read time), RFC 3339 UTC, 9 fraction digits.
//   - labels: the source's labels merged with the event's attribute labels (the event's value wins
//     for an equal key), sorted by key; always present, {} when there are none.
//   - level: only when known. fields: EventAttributes::fields_json inserted as it is (the producer
//     guarantees it is one JSON object), only when non-empty. trace_id/span_id: lowercase hex,
//     only when the trace context is valid. truncated/partial: only when the flag is set.
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
// Thread-safety: stateless apart from the TimestampFormatter, which is one per thread or sink.
#pragma once

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

// Appends e (an event of batch) as one JSON object and '\n'.
void AppendEventJson(const EventBatch& batch, const Event& e, TimestampFormatter& ts, std::string& out);
// Appends e as one text line and '\n'.
void AppendEventText(const EventBatch& batch, const Event& e, TimestampFormatter& ts, std::string& out);

inline void AppendEvent(OutputFormat format, const EventBatch& batch, const Event& e, TimestampFormatter& ts,
                        std::string& out) {
  if (format == OutputFormat::kJson) {
    AppendEventJson(batch, e, ts, out);
  } else {
    AppendEventText(batch, e, ts, out);
  }
}

}  // namespace logcap
