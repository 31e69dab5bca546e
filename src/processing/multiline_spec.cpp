#include "processing/multiline_spec.h"

#include <prometheus/counter.h>

#include <initializer_list>

namespace logcap {

void MultilineStats::Count(std::atomic<uint64_t>& counter, prometheus::Counter* metric) {
  counter.fetch_add(1, std::memory_order_relaxed);
  if (metric != nullptr) metric->Increment();
}


namespace {

struct RuleText {
  std::initializer_list<uint8_t> from;
  const char* pattern;
  uint8_t to;
};

bool AddRules(std::initializer_list<RuleText> rules, MultilineSpec* spec, std::string* error) {
  spec->mode = MultilineSpec::Mode::kRules;
  spec->pattern.reset();
  spec->rules.clear();
  for (const RuleText& rule : rules) {
    std::optional<Regex> regex = Regex::Compile(rule.pattern, RegexOptions{}, error);
    if (!regex) return false;
    for (uint8_t from : rule.from) spec->rules.push_back(MultilineRule{from, *regex, rule.to});
  }
  return true;
}

constexpr uint8_t kEnd = MultilineRule::kEndState;

// Java (and the JVM languages, and .NET's look-alike traces). Written as continuation lines, so the
// line a logger prints before the throwable ("ERROR ... failed") heads the event:
//   - indented lines: "\tat com.x.Y.z(Y.java:12)", "\t... 12 more", wrapped message lines;
//   - "Caused by: ..." / "Suppressed: ...", "... N more" / "... N common frames omitted";
//   - .NET's "--- End of stack trace from previous location ---";
//   - the throwable's own header, a qualified class name ending in Exception, Error or Throwable
//     ("java.lang.IllegalStateException: boom"): logback and log4j print it on the line after the
//     message. (A trace printed alone thus joins the line before it: one line too many, never one
//     too few.)
constexpr const char* kJavaContinuation =
    R"(^(?:[\t ]+\S|[\t ]*(?:Caused by|Suppressed):|[\t ]*\.\.\. \d+ (?:more|common frames omitted))"
    R"(|--- End of stack trace from previous location|(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)(?::\s|$)))";

bool Python(MultilineSpec* spec, std::string* error) {
  // 0 start, 1 inside a traceback, 2 a chained exception's preamble.
  // The first non-indented line after the frames is the exception ("ValueError: bad"): it belongs
  // to the group and ends it (start/continuation regexes alone cannot express this).
  return AddRules(
      {
          {{0, 2}, R"(^Traceback \(most recent call last\):$)", 1},
          {{0}, R"(^(?:During handling of the above exception, another exception occurred:|)"
                R"(The above exception was the direct cause of the following exception:)$)",
           2},
          {{1}, R"(^[\t ])", 1},      // "  File ...", the code line, 3.11's "    ^^^^" markers
          {{1}, R"(^\S)", kEnd},      // the exception line
          {{2}, R"(^$)", 2},
      },
      spec, error);
}

bool Go(MultilineSpec* spec, std::string* error) {
  // 0 start, 1 after "panic:", 2 after "[signal ...]", 3 expecting "goroutine N [...]:",
  // 4 expecting a function line, 5 expecting its "\tfile:line" line.
  return AddRules(
      {
          {{0}, R"(\bpanic: )", 1},
          {{0}, R"(http: panic serving)", 3},
          {{0, 3}, R"(^goroutine \d+ \[[^\]]+\]:$)", 4},
          {{1}, R"(^[\t ]+panic: )", 1},  // "panic: x [recovered]\n\tpanic: y"
          {{1}, R"(^\[signal )", 2},
          {{1, 2, 4}, R"(^$)", 3},        // the blank line before each goroutine
          {{4}, R"(^(?:[^\s.:]+\.)*[^\s.():]+\(|^created by )", 5},
          {{5}, R"(^\s)", 4},
      },
      spec, error);
}

}  // namespace

bool ApplyMultilinePreset(std::string_view preset, MultilineSpec* spec, std::string* error) {
  spec->preset = std::string(preset);
  spec->negate = false;
  if (preset == "java") {
    spec->mode = MultilineSpec::Mode::kContinuation;
    spec->rules.clear();
    spec->pattern = Regex::Compile(kJavaContinuation, RegexOptions{}, error);
    return spec->pattern.has_value();
  }
  if (preset == "python") return Python(spec, error);
  if (preset == "go") return Go(spec, error);
  if (error != nullptr) *error = "unknown multiline preset '" + std::string(preset) + "' (java, python, go)";
  return false;
}

}  // namespace logcap
