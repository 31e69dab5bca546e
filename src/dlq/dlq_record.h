// DlqRecord: one dead-letter entry as one line of a DLQ data file, written and read back.
//
// Line format (keys in this order when written; read in any order, unknown keys skipped):
//   {"time":"<RFC 3339 of last_attempt>","sink":"http","reason":"bad_request","error":"HTTP 400: ...",
//    "attempts":3,"first_attempt":"<RFC 3339>","last_attempt":"<RFC 3339>","event":{...}}\n
// - Times are RFC 3339 UTC with nanoseconds. Strings are JSON-escaped (invalid UTF-8 becomes U+FFFD).
// - "event" is the entry's event_json inserted as it is; it is read back as its raw text.
// - Required when reading: sink and reason (strings) and event (an object). time defaults to
//   last_attempt, attempts to 1, error to "".
//
// Threading: AppendDlqRecord is pure. A DlqRecordParser belongs to one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "dlq/dlq_types.h"

namespace logcap {

// Appends entry as one line (with its '\n'). entry.event_json must be one JSON object without a
// newline (the caller checks; see DeadLetterQueue::Append).
void AppendDlqRecord(const DlqEntry& entry, TimestampFormatter& ts, std::string* out);

// A parsed line. Views are valid until the parser's next Parse.
struct DlqRecordView {
  Nanos time = 0;
  std::string_view sink, reason, error;
  uint32_t attempts = 1;
  Nanos first_attempt = 0, last_attempt = 0;
  std::string_view event;  // raw JSON text of the event object
  // A copy as a DlqEntry.
  DlqEntry ToEntry() const;
};

class DlqRecordParser {
 public:
  DlqRecordParser();
  ~DlqRecordParser();
  DlqRecordParser(const DlqRecordParser&) = delete;
  DlqRecordParser& operator=(const DlqRecordParser&) = delete;

  // Parses one line (without or with its '\n'). Corruption naming the problem when it is not a
  // valid record.
  Status Parse(std::string_view line, DlqRecordView* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace logcap
