// MultilineSpec: how the `multiline` step joins continuation lines (stack traces) into one event.
//
// The step itself passes records through: lines are joined where they are read, by the file and
// container sources (sources/file/multiline_decoder.h), so a joined event's position can be kept
// honest (the file's saved position never passes the start of a group still being held). The
// source asks, for each file it opens, whether the pipeline its SourceInfo selects starts with a
// multiline step (MultilineLookup) and then joins that file's lines with a copy of the spec.
//
// Modes:
//   kStart         a line matching `pattern` (inverted by `negate`) begins a new event; any other
//                  line continues the current one (or begins one when nothing is held).
//   kContinuation  a line matching `pattern` (inverted by `negate`) continues the previous line;
//                  any other line begins a new event.
//   kRules         the presets' small state machines (after Fluent Bit's built-in parsers): in
//                  state 0 a line matching a rule of state 0 begins a group in the rule's `to`
//                  state, any other line is an event of its own at once; in a group's state a line
//                  matching one of that state's rules continues it (kEndState: the line is the
//                  group's last one, emitted at once), any other line ends the group first.
// Limits: a group reaching max_lines is emitted, the next line begins a new one (in the same
// state); a line that would take it past max_bytes emits it flagged kFlagTruncated and begins the
// next one; a single line longer than max_bytes is cut there (flagged, counted). A group is
// emitted after flush_timeout without growth of its file.
//
// Thread-safety: immutable once built (the counters in `stats` are atomics shared by every copy).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/event.h"
#include "processing/regex.h"

namespace prometheus {
class Counter;
}  // namespace prometheus

namespace logcap {

// What the sources' joining did, for every file that uses one spec. The Pipeline that owns the
// spec binds the three metrics (log_capturer_pipeline_step_events_total{pipeline, step,
// outcome="joined"|"truncated"|"error"}) before any source can see the spec; unbound (tests)
// only the atomics count.
struct MultilineStats {
  std::atomic<uint64_t> joined_events{0};   // events made of more than one line
  std::atomic<uint64_t> truncated{0};       // events cut at max_bytes
  std::atomic<uint64_t> regex_limits{0};    // matches that hit the PCRE2 limits (taken as "no match")
  prometheus::Counter* joined_metric = nullptr;
  prometheus::Counter* truncated_metric = nullptr;
  prometheus::Counter* regex_limit_metric = nullptr;

  void CountJoined() { Count(joined_events, joined_metric); }
  void CountTruncated() { Count(truncated, truncated_metric); }
  void CountRegexLimit() { Count(regex_limits, regex_limit_metric); }

 private:
  static void Count(std::atomic<uint64_t>& counter, prometheus::Counter* metric);
};

struct MultilineRule {
  static constexpr uint8_t kEndState = 0xff;  // the line ends its group
  uint8_t from = 0;
  Regex pattern;
  uint8_t to = 0;
};

struct MultilineSpec {
  enum class Mode { kStart, kContinuation, kRules };
  static constexpr uint32_t kDefaultMaxLines = 500;
  static constexpr size_t kDefaultMaxBytes = 1 << 20;

  Mode mode = Mode::kStart;
  std::optional<Regex> pattern;     // kStart: start_pattern; kContinuation: continuation_pattern
  bool negate = false;
  std::vector<MultilineRule> rules;  // kRules only
  std::string preset;                // "java", "python", "go" or empty
  uint32_t max_lines = kDefaultMaxLines;
  size_t max_bytes = kDefaultMaxBytes;
  Nanos flush_timeout = kNanosPerSecond;
  std::string separator = "\n";
  std::shared_ptr<MultilineStats> stats = std::make_shared<MultilineStats>();
};

// Fills spec's mode, pattern and rules for a preset ("java", "python", "go"). false (and *error)
// for an unknown name.
bool ApplyMultilinePreset(std::string_view preset, MultilineSpec* spec, std::string* error);

// Asked by the file and container sources for each file they open: the spec of the pipeline the
// source selects when it starts with a multiline step, else nullptr. Called on the source's reader
// thread; the source copies the spec, so the pointer need only live during the call.
using MultilineLookup = std::function<const MultilineSpec*(const SourceInfo&)>;

}  // namespace logcap
