#include "app/pipeline_test_command.h"

#include <simdjson.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "app/pipeline_test_cases.h"
#include "codec/event_encoder.h"
#include "codec/json_escape.h"
#include "core/event_batch.h"
#include "processing/pipeline_processor.h"
#include "processing/multiline_spec.h"
#include "processing/pipeline_set.h"
#include "sources/file/multiline_decoder.h"
#include "telemetry/metrics.h"

namespace logcap {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  AppendJsonEscaped(text, out);
  out += '"';
  return out;
}

// How the diff shows an expected value: scalars as JSON strings, maps and lists in flow style.
std::string ShowExpected(const ConfigTree& tree) {
  switch (tree.kind) {
    case ConfigTree::Kind::kNull: return "null";
    case ConfigTree::Kind::kScalar: return Quoted(tree.scalar);
    case ConfigTree::Kind::kList: {
      std::string out = "[";
      for (const ConfigTree& item : tree.items) out += (out.size() > 1 ? ", " : "") + ShowExpected(item);
      return out + "]";
    }
    case ConfigTree::Kind::kMap: {
      std::string out = "{";
      for (const ConfigTreeEntry& e : tree.entries)
        out += (out.size() > 1 ? ", " : "") + Quoted(e.key) + ": " + ShowExpected(e.value);
      return out + "}";
    }
  }
  return "";
}

std::string ShowActual(element value) { return simdjson::minify(value); }

// The text `matches` searches: a string's contents, else the value's JSON.
std::string TextOf(element value) {
  if (value.is_string()) return std::string(value.get_string().value());
  return ShowActual(value);
}

bool ScalarEquals(const std::string& expected, element actual) {
  switch (actual.type()) {
    case element_type::STRING: return actual.get_string().value() == expected;
    case element_type::BOOL: return expected == (actual.get_bool().value() ? "true" : "false");
    case element_type::NULL_VALUE: return expected == "null" || expected == "~";
    case element_type::INT64: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(expected.data(), expected.data() + expected.size(), v);
      if (ec == std::errc() && end == expected.data() + expected.size()) return v == actual.get_int64().value();
      break;
    }
    case element_type::UINT64: {
      uint64_t v = 0;
      auto [end, ec] = std::from_chars(expected.data(), expected.data() + expected.size(), v);
      if (ec == std::errc() && end == expected.data() + expected.size()) return v == actual.get_uint64().value();
      break;
    }
    case element_type::DOUBLE: break;
    case element_type::ARRAY:
    case element_type::OBJECT: return expected == ShowActual(actual);  // written as JSON text
  }
  // A number written another way ("1.50" for 1.5, "2.0" for 2).
  if (expected.empty()) return false;
  char* end = nullptr;
  const double d = std::strtod(expected.c_str(), &end);
  if (end != expected.c_str() + expected.size()) return false;
  double a = 0;
  if (actual.type() == element_type::DOUBLE) a = actual.get_double().value();
  else if (actual.type() == element_type::INT64) a = static_cast<double>(actual.get_int64().value());
  else if (actual.type() == element_type::UINT64) a = static_cast<double>(actual.get_uint64().value());
  else return false;
  return a == d;
}

bool TreeEquals(const ConfigTree& expected, element actual) {
  switch (expected.kind) {
    case ConfigTree::Kind::kNull: return actual.is_null();
    case ConfigTree::Kind::kScalar: return ScalarEquals(expected.scalar, actual);
    case ConfigTree::Kind::kList: {
      if (!actual.is_array()) return false;
      simdjson::dom::array array = actual.get_array().value();
      if (array.size() != expected.items.size()) return false;
      size_t i = 0;
      for (element item : array)
        if (!TreeEquals(expected.items[i++], item)) return false;
      return true;
    }
    case ConfigTree::Kind::kMap: {
      if (!actual.is_object()) return false;
      object members = actual.get_object().value();
      if (members.size() != expected.entries.size()) return false;
      for (const ConfigTreeEntry& e : expected.entries) {
        auto member = members.at_key(e.key);
        if (member.error() || !TreeEquals(e.value, member.value())) return false;
      }
      return true;
    }
  }
  return false;
}

// The value `path` names in an event's JSON ("message", "labels.job", "fields.status").
std::optional<element> Find(object event, std::string_view path) {
  std::string_view group;
  std::string_view key = path;
  if (path.starts_with("labels.") || path.starts_with("fields.")) {
    group = path.substr(0, 6);
    key = path.substr(7);
  }
  object where = event;
  if (!group.empty()) {
    auto g = event.at_key(group);
    if (g.error() || !g.value().is_object()) return std::nullopt;
    where = g.value().get_object().value();
  }
  auto v = where.at_key(key);
  if (v.error()) return std::nullopt;
  return v.value();
}

// The differences between one expectation and one event, one line each.
void Compare(const EventExpectation& expect, object event, std::vector<std::string>& diffs) {
  for (const ValueExpectation& v : expect.values) {
    std::optional<element> actual = Find(event, v.path);
    const std::string got = actual ? ShowActual(*actual) : "nothing (absent)";
    if (v.matches) {
      if (!actual || !v.matches->Matches(TextOf(*actual)))
        diffs.push_back(v.path + ": expected a match of /" + v.matches->pattern() + "/, got " + got);
      continue;
    }
    if (v.path == "level") {
      if (v.expected.is_null()) {
        if (actual) diffs.push_back("level: expected none, got " + got);
        continue;
      }
      const std::string level(LevelName(ParseLevel(v.expected.scalar)));
      if (!actual || !actual->is_string() || actual->get_string().value() != level)
        diffs.push_back("level: expected " + Quoted(level) + ", got " + got);
      continue;
    }
    if (v.path == "timestamp") {
      std::optional<Nanos> want = ParseRfc3339(v.expected.scalar);
      std::optional<Nanos> have;
      if (actual && actual->is_string()) have = ParseRfc3339(actual->get_string().value());
      if (!want || !have || *want != *have) diffs.push_back("timestamp: expected " + Quoted(v.expected.scalar) + ", got " + got);
      continue;
    }
    if (!actual || !TreeEquals(v.expected, *actual))
      diffs.push_back(v.path + ": expected " + ShowExpected(v.expected) + ", got " + got);
  }
  const std::pair<const char*, const std::vector<std::string>*> absent[] = {{"labels", &expect.labels_absent},
                                                                            {"fields", &expect.fields_absent}};
  for (const auto& [group, names] : absent) {
    for (const std::string& name : *names) {
      const std::string path = std::string(group) + "." + name;
      if (std::optional<element> actual = Find(event, path))
        diffs.push_back(path + ": expected absent, got " + ShowActual(*actual));
    }
  }
  const std::pair<const char*, bool> exact[] = {{"labels", expect.exact_labels}, {"fields", expect.exact_fields}};
  for (const auto& [group, on] : exact) {
    if (!on) continue;
    object members;
    if (event.at_key(group).get_object().get(members) != simdjson::SUCCESS) continue;
    for (auto [key, value] : members) {
      const std::string path = std::string(group) + "." + std::string(key);
      bool listed = false;
      for (const ValueExpectation& v : expect.values) listed |= v.path == path;
      if (!listed) diffs.push_back(path + ": not expected (exact_" + group + "), got " + ShowActual(value));
    }
  }
}

// One line as a source hands it to the pipeline.
struct SourceLine {
  std::string text;
  uint8_t flags = 0;  // kFlagTruncated when multiline cut a group at max_bytes
};

// Collects what the multiline decoder emits.
class LineCollector final : public DecodedEventSink {
 public:
  explicit LineCollector(std::vector<SourceLine>& lines) : lines_(lines) {}
  void Add(const DecodedEvent& event) override { lines_.push_back(SourceLine{std::string(event.text), event.flags}); }

 private:
  std::vector<SourceLine>& lines_;
};

// The lines as the file source would hand them over: joined by its multiline decoder when the
// pipeline starts with a multiline step, the last group emitted at the end of the input (as the
// source does once the file stays idle for flush_timeout).
std::vector<SourceLine> SourceLines(const Pipeline* pipeline, const std::vector<std::string>& inputs,
                                    const std::shared_ptr<const SourceInfo>& source) {
  std::vector<SourceLine> lines;
  const MultilineSpec* spec = pipeline != nullptr ? pipeline->multiline() : nullptr;
  if (spec == nullptr) {
    for (const std::string& input : inputs) lines.push_back(SourceLine{input, 0});
    return lines;
  }
  MultilineDecoder decoder(*spec, source);
  LineCollector collector(lines);
  uint64_t offset = 0;
  for (const std::string& input : inputs) {
    const uint64_t end = offset + input.size() + 1;  // and its newline
    decoder.Decode(LineSplitter::Line{input, nullptr, end, 0}, offset, collector);
    offset = end;
  }
  decoder.FlushIdle(spec->flush_timeout, collector);
  decoder.Flush(offset, collector);
  return lines;
}

class CaseRunner {
 public:
  CaseRunner(const PipelineDefinitions& definitions, const std::string& cases_path, std::ostream& out)
      : definitions_(definitions), cases_path_(cases_path), out_(out) {}

  bool Run(const PipelineTestCase& c) {
    std::vector<std::string> diffs;
    std::vector<std::string> events;
    std::string pipeline_name = "(none)";
    Execute(c, diffs, events, pipeline_name);
    if (diffs.empty()) {
      out_ << "ok   " << c.name << "\n";
      return true;
    }
    out_ << "FAIL " << c.name << "  (" << cases_path_ << ":" << c.line << ", pipeline " << pipeline_name << ")\n";
    for (const std::string& d : diffs) out_ << "    " << d << "\n";
    if (events.empty()) {
      out_ << "  actual: no event\n";
    } else {
      out_ << "  actual (" << events.size() << (events.size() == 1 ? " event" : " events") << "):\n";
      for (const std::string& e : events) out_ << "    " << e << "\n";
    }
    return false;
  }

 private:
  void Execute(const PipelineTestCase& c, std::vector<std::string>& diffs, std::vector<std::string>& events,
               std::string& pipeline_name) {
    // Fresh steps per case: stateful ones (sample, dedup, throttle) start from nothing.
    std::map<std::string, std::string> forced;
    if (!c.pipeline.empty()) forced[c.source.component] = c.pipeline;
    std::vector<ConfigError> errors;
    std::shared_ptr<const PipelineSet> set = PipelineSet::Compile(definitions_, forced, metrics_, errors);
    if (!set) {
      for (const ConfigError& e : errors) diffs.push_back("cannot compile the pipelines: " + e.ToString());
      return;
    }
    auto source = std::make_shared<SourceInfo>(c.source);
    const Pipeline* pipeline = set->Select(*source);
    if (pipeline != nullptr) pipeline_name = pipeline->name();
    EventBatch batch = MakeBatch(SourceLines(pipeline, c.inputs, source), source, c.read_time);
    RunPipelines(*set, batch);

    TimestampFormatter formatter;
    std::string json;
    for (const Event& e : batch.events()) {
      json.clear();
      AppendEventJson(batch, e, formatter, json);
      if (!json.empty() && json.back() == '\n') json.pop_back();
      events.push_back(json);
    }

    if (c.expect_dropped) {
      if (!events.empty())
        diffs.push_back("expected every input dropped, got " + std::to_string(events.size()) +
                        (events.size() == 1 ? " event" : " events"));
      return;
    }
    if (events.size() != c.expect.size()) {
      diffs.push_back("expected " + std::to_string(c.expect.size()) + (c.expect.size() == 1 ? " event" : " events") +
                      ", got " + std::to_string(events.size()));
    }
    for (size_t i = 0; i < events.size() && i < c.expect.size(); ++i) {
      simdjson::dom::parser parser;
      object event;
      if (parser.parse(events[i]).get_object().get(event) != simdjson::SUCCESS) {
        diffs.push_back("event " + std::to_string(i + 1) + ": its JSON form does not parse");
        continue;
      }
      std::vector<std::string> event_diffs;
      Compare(c.expect[i], event, event_diffs);
      const std::string prefix = c.expect.size() > 1 ? "event " + std::to_string(i + 1) + ": " : "";
      for (std::string& d : event_diffs) diffs.push_back(prefix + d);
    }
  }

  static EventBatch MakeBatch(const std::vector<SourceLine>& lines, const std::shared_ptr<const SourceInfo>& source,
                              Nanos read_time) {
    size_t total = 0;
    for (const SourceLine& l : lines) total += l.text.size();
    ByteBlockPtr block = ByteBlock::Create(total + 1);
    EventBatch batch;
    const SourceInfo* src = batch.RetainSource(source);
    size_t offset = 0;
    for (const SourceLine& l : lines) {
      if (!l.text.empty()) std::memcpy(block->data() + offset, l.text.data(), l.text.size());
      Event e;
      e.message = std::string_view(block->data() + offset, l.text.size());
      e.read_time = read_time;
      e.source = src;
      e.flags = l.flags;
      offset += l.text.size();
      e.position.offset = offset;
      batch.Add(e);
    }
    block->set_size(offset);
    batch.RetainBlock(std::move(block));
    return batch;
  }

  const PipelineDefinitions& definitions_;
  const std::string& cases_path_;
  std::ostream& out_;
  Metrics metrics_;
};

}  // namespace

int RunPipelineTests(const std::string& pipelines_path, const std::string& cases_path, std::ostream& out,
                     std::ostream& err) {
  std::vector<ConfigError> errors;
  Metrics metrics;
  std::optional<PipelineDefinitions> definitions = ReadPipelinesFile(pipelines_path, errors);
  std::shared_ptr<const PipelineSet> set;
  if (definitions) set = PipelineSet::Compile(*definitions, {}, metrics, errors);
  std::optional<std::vector<PipelineTestCase>> cases = ReadPipelineTestCases(cases_path, errors);
  if (set && cases) {
    std::vector<std::string> names;
    for (const auto& p : set->pipelines()) names.push_back(p->name());
    for (const PipelineTestCase& c : *cases) {
      if (c.pipeline.empty() || set->Find(c.pipeline) != nullptr) continue;
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      errors.push_back(ConfigError{cases_path, c.line, c.column,
                                   "case '" + c.name + "': no pipeline is named '" + c.pipeline + "' in " +
                                       pipelines_path + " (pipelines: " + (list.empty() ? "none" : list) + ")"});
    }
  }
  if (!errors.empty()) {
    for (const ConfigError& e : errors) err << e.ToString() << "\n";
    return 2;
  }

  CaseRunner runner(*definitions, cases_path, out);
  size_t passed = 0, failed = 0;
  for (const PipelineTestCase& c : *cases) (runner.Run(c) ? passed : failed)++;
  out << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace logcap
