// The cases file of `log-capturer test PIPELINES CASES` (docs/processing.md, "Testing pipelines"):
// input lines, the source they come from, and the events the pipelines must turn them into.
//
//   cases:
//     - name: nginx 404 is a warning
//       pipeline: nginx           # optional: force it (as a source section's `pipeline:` does)
//       source: {type: file, id: /var/log/nginx/access.log, labels: {job: nginx}}   # optional
//       read_time: "2026-01-01T00:00:00Z"    # optional: when the lines were "read"
//       input: '...'              # or inputs: [line, line, ...]
//       expect:                   # a map: exactly one event; a list: one per event, in order
//         message: ...            # exact text, or {matches: REGEX}
//         level: warn             # a level name (aliases allowed); ~ = the event has no level
//         timestamp: "2026-10-10T13:55:36Z"   # RFC 3339, compared as an instant
//         source_type / source_id: ...
//         labels: {job: nginx}    # these labels (others allowed unless exact_labels: true)
//         labels_absent: [name]
//         fields: {status: 404}   # these fields (others allowed unless exact_fields: true)
//         fields_absent: [_error]
//       expect_dropped: true      # instead of expect: no event comes out
//
// Expected values: a scalar equals a string field's text, a number field's value (200 = 200.0),
// true/false, or ~ for null; a map or a list is compared with a JSON object or array, exactly;
// {matches: REGEX} searches the value's text (a string's contents, else its JSON).
//
// Contract: the file is read as written (no ${VAR} expansion: inputs are kept byte for byte);
// every problem is reported as a FILE:LINE:COL ConfigError, all of them in one pass, and nullopt
// is returned when there is any.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config_tree.h"
#include "config/loader.h"
#include "core/clock.h"
#include "core/event.h"
#include "processing/regex.h"

namespace logcap {

// One expected value: `path` is how the diff names it ("level", "fields.status").
struct ValueExpectation {
  std::string path;
  ConfigTree expected;           // kNull: the value must be JSON null (for `level`: absent)
  std::optional<Regex> matches;  // {matches: REGEX}: a search instead of equality
};

struct EventExpectation {
  int line = 0;
  std::vector<ValueExpectation> values;  // message, level, timestamp, source_*, labels.*, fields.*
  std::vector<std::string> labels_absent;
  std::vector<std::string> fields_absent;
  bool exact_labels = false;  // the event has no label beyond `labels`
  bool exact_fields = false;  // the event has no field beyond `fields`
};

struct PipelineTestCase {
  std::string name;
  int line = 0;
  int column = 0;
  std::string pipeline;  // forced pipeline; "" = selected by the source
  SourceInfo source;
  Nanos read_time = 0;
  std::vector<std::string> inputs;
  bool expect_dropped = false;
  std::vector<EventExpectation> expect;  // empty with expect_dropped
};

// The read time of inputs when a case does not set one: 2026-01-01T00:00:00Z (fixed, so events
// whose time no step sets compare the same on every run).
inline constexpr Nanos kDefaultTestReadTime = 1767225600LL * 1000000000LL;

std::optional<std::vector<PipelineTestCase>> ReadPipelineTestCases(const std::string& path,
                                                                   std::vector<ConfigError>& errors);

}  // namespace logcap
