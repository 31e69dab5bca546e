#include "app/pipeline_test_cases.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "config/config_tree_yaml.h"
#include "config/load_context.h"

namespace logcap {
namespace {

SourceLocation At(const ConfigTree& node) { return SourceLocation{node.line, node.column}; }

class CaseReader {
 public:
  explicit CaseReader(LoadContext& ctx) : ctx_(ctx) {}

  std::optional<PipelineTestCase> Read(const ConfigTree& node, size_t index) {
    const std::string at = "cases item " + std::to_string(index + 1);
    if (!node.is_map()) {
      ctx_.AddError(At(node), at + ": expected a map {name, input, expect, ...}, got " + node.Describe());
      return std::nullopt;
    }
    ReportUnknownKeys(node, {"name", "description", "pipeline", "source", "read_time", "input", "inputs", "expect", "expect_dropped"},
              at, ctx_);
    PipelineTestCase c;
    c.line = node.line;
    c.column = node.column;
    c.name = Scalar(node, "name", at).value_or("");
    if (c.name.empty()) {
      if (node.Find("name") == nullptr) ctx_.AddError(At(node), at + ": missing 'name'");
      c.name = at;
    }
    const std::string where = "case '" + c.name + "'";
    c.pipeline = Scalar(node, "pipeline", where).value_or("");
    ReadSource(node.Find("source"), where, c.source);
    c.read_time = kDefaultTestReadTime;
    if (const ConfigTree* t = node.Find("read_time"); t != nullptr) {
      std::optional<Nanos> parsed = t->is_scalar() ? ParseRfc3339(t->scalar) : std::nullopt;
      if (!parsed) ctx_.AddError(At(*t), where + ": read_time: expected an RFC 3339 time, got " + t->Describe());
      else c.read_time = *parsed;
    }

    const ConfigTree* input = node.Find("input");
    const ConfigTree* inputs = node.Find("inputs");
    if (input != nullptr && inputs != nullptr) {
      ctx_.AddError(At(*inputs), where + ": set either 'input' (one line) or 'inputs' (a list of lines), not both");
    } else if (input != nullptr) {
      if (input->is_scalar()) c.inputs.push_back(input->scalar);
      else ctx_.AddError(At(*input), where + ": input: expected one line (a string), got " + input->Describe());
    } else if (inputs != nullptr) {
      if (!inputs->is_list() || inputs->items.empty()) {
        ctx_.AddError(At(*inputs), where + ": inputs: expected a non-empty list of lines, got " + inputs->Describe());
      }
      for (const ConfigTree& line : inputs->items) {
        if (line.is_scalar()) c.inputs.push_back(line.scalar);
        else ctx_.AddError(At(line), where + ": inputs: each line is a string, got " + line.Describe());
      }
    } else {
      ctx_.AddError(At(node), where + ": missing 'input' (one line) or 'inputs' (a list of lines)");
    }

    const ConfigTree* expect = node.Find("expect");
    const ConfigTree* dropped = node.Find("expect_dropped");
    if (dropped != nullptr) {
      if (!dropped->is_scalar() || (dropped->scalar != "true" && dropped->scalar != "false")) {
        ctx_.AddError(At(*dropped), where + ": expect_dropped: expected true or false, got " + dropped->Describe());
      } else {
        c.expect_dropped = dropped->scalar == "true";
      }
    }
    if (expect != nullptr && c.expect_dropped) {
      ctx_.AddError(At(*expect), where + ": set either 'expect' or 'expect_dropped: true', not both");
    } else if (expect != nullptr) {
      if (expect->is_map()) {
        c.expect.push_back(ReadEvent(*expect, where));
      } else if (expect->is_list() && !expect->items.empty()) {
        for (size_t i = 0; i < expect->items.size(); ++i) {
          const ConfigTree& item = expect->items[i];
          if (!item.is_map()) {
            ctx_.AddError(At(item), where + ": expect item " + std::to_string(i + 1) + ": expected a map, got " +
                                        item.Describe());
            continue;
          }
          c.expect.push_back(ReadEvent(item, where + " expect item " + std::to_string(i + 1)));
        }
      } else {
        ctx_.AddError(At(*expect), where + ": expect: expected a map (one event) or a non-empty list of maps (one per "
                                           "event), got " + expect->Describe());
      }
    } else if (!c.expect_dropped) {
      ctx_.AddError(At(node), where + ": missing 'expect' (the events that must come out) or 'expect_dropped: true'");
    }
    return c;
  }

 private:
  std::optional<std::string> Scalar(const ConfigTree& map, std::string_view key, const std::string& where) {
    const ConfigTree* v = map.Find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_scalar()) {
      ctx_.AddError(At(*v), where + ": " + std::string(key) + ": expected a string, got " + v->Describe());
      return std::nullopt;
    }
    return v->scalar;
  }

  bool Flag(const ConfigTree& map, std::string_view key, const std::string& where) {
    std::optional<std::string> v = Scalar(map, key, where);
    if (!v) return false;
    if (*v != "true" && *v != "false") {
      ctx_.AddError(At(*map.Find(key)), where + ": " + std::string(key) + ": expected true or false, got '" + *v + "'");
    }
    return *v == "true";
  }

  std::vector<std::string> Names(const ConfigTree& map, std::string_view key, const std::string& where) {
    std::vector<std::string> out;
    const ConfigTree* v = map.Find(key);
    if (v == nullptr) return out;
    if (v->is_scalar()) {
      out.push_back(v->scalar);
      return out;
    }
    if (!v->is_list()) ctx_.AddError(At(*v), where + ": " + std::string(key) + ": expected a list of names, got " + v->Describe());
    for (const ConfigTree& item : v->items) {
      if (item.is_scalar()) out.push_back(item.scalar);
      else ctx_.AddError(At(item), where + ": " + std::string(key) + ": expected names, got " + item.Describe());
    }
    return out;
  }

  void ReadSource(const ConfigTree* node, const std::string& where, SourceInfo& source) {
    source.type = "file";
    source.id = "/var/log/test.log";
    source.component = "file_monitor";
    if (node != nullptr && !node->is_map()) {
      ctx_.AddError(At(*node), where + ": source: expected a map {type, id, name, component, labels}, got " +
                                   node->Describe());
    } else if (node != nullptr) {
      const std::string at = where + " source";
      ReportUnknownKeys(*node, {"type", "id", "name", "component", "labels"}, at, ctx_);
      source.type = Scalar(*node, "type", at).value_or(source.type);
      source.id = Scalar(*node, "id", at).value_or(source.id);
      source.component = Scalar(*node, "component", at).value_or(source.component);
      if (const ConfigTree* labels = node->Find("labels"); labels != nullptr) {
        if (!labels->is_map()) ctx_.AddError(At(*labels), at + ": labels: expected a map, got " + labels->Describe());
        for (const ConfigTreeEntry& e : labels->entries) {
          if (e.value.is_scalar()) source.labels.Set(e.key, e.value.scalar);
          else ctx_.AddError(At(e.value), at + ": labels: '" + e.key + "': expected a string, got " + e.value.Describe());
        }
      }
    }
    // The file source names a file by its basename.
    std::optional<std::string> name = node != nullptr && node->is_map() ? Scalar(*node, "name", where) : std::nullopt;
    source.name = name ? *name : source.id.substr(source.id.find_last_of('/') + 1);
  }

  // One expected value; `top` values (message, level, ...) must be scalars.
  std::optional<ValueExpectation> ReadValue(const ConfigTree& value, std::string path, const std::string& where) {
    ValueExpectation v;
    v.path = std::move(path);
    if (value.is_map() && value.entries.size() == 1 && value.entries.front().key == "matches") {
      const ConfigTree& pattern = value.entries.front().value;
      std::string error;
      if (pattern.is_scalar()) v.matches = Regex::Compile(pattern.scalar, RegexOptions{}, &error);
      if (!v.matches) {
        ctx_.AddError(At(pattern), where + ": " + v.path + ": matches: " +
                                       (pattern.is_scalar() ? "invalid regex: " + error : "expected a regex, got " + pattern.Describe()));
        return std::nullopt;
      }
      return v;
    }
    v.expected = value;
    return v;
  }

  EventExpectation ReadEvent(const ConfigTree& node, const std::string& where) {
    ReportUnknownKeys(node, {"message", "level", "timestamp", "source_type", "source_id", "labels", "labels_absent", "exact_labels",
                     "fields", "fields_absent", "exact_fields"},
              where + " expect", ctx_);
    EventExpectation e;
    e.line = node.line;
    for (const char* key : {"message", "level", "timestamp", "source_type", "source_id"}) {
      const ConfigTree* value = node.Find(key);
      if (value == nullptr) continue;
      std::optional<ValueExpectation> v = ReadValue(*value, key, where);
      if (!v) continue;
      const std::string k = key;
      if (!v->matches && (value->is_list() || value->is_map() || (value->is_null() && k != "level"))) {
        ctx_.AddError(At(*value), where + ": " + k + ": expected a string or {matches: REGEX}, got " + value->Describe());
        continue;
      }
      if (!v->matches && k == "level" && value->is_scalar() && ParseLevel(value->scalar) == Level::kUnknown) {
        ctx_.AddError(At(*value), where + ": level: '" + value->scalar +
                                      "' is not a level (trace, debug, info, warn, error, fatal; ~ for none)");
        continue;
      }
      if (!v->matches && k == "timestamp" && !ParseRfc3339(value->scalar)) {
        ctx_.AddError(At(*value), where + ": timestamp: expected an RFC 3339 time such as 2026-10-10T13:55:36Z, got " +
                                      value->Describe());
        continue;
      }
      e.values.push_back(std::move(*v));
    }
    for (const char* group : {"labels", "fields"}) {
      const ConfigTree* map = node.Find(group);
      if (map == nullptr) continue;
      if (!map->is_map()) {
        ctx_.AddError(At(*map), where + ": " + group + ": expected a map of names to values, got " + map->Describe());
        continue;
      }
      for (const ConfigTreeEntry& entry : map->entries) {
        std::optional<ValueExpectation> v = ReadValue(entry.value, std::string(group) + "." + entry.key, where);
        if (v) e.values.push_back(std::move(*v));
      }
    }
    e.labels_absent = Names(node, "labels_absent", where);
    e.fields_absent = Names(node, "fields_absent", where);
    e.exact_labels = Flag(node, "exact_labels", where);
    e.exact_fields = Flag(node, "exact_fields", where);
    return e;
  }

  LoadContext& ctx_;
};

}  // namespace

std::optional<std::vector<PipelineTestCase>> ReadPipelineTestCases(const std::string& path,
                                                                   std::vector<ConfigError>& errors) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    errors.push_back(ConfigError{path, 0, 0, "cannot read the cases file"});
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    errors.push_back(ConfigError{path, e.mark.line + 1, e.mark.column + 1, e.msg});
    return std::nullopt;
  }
  LoadContext ctx(path);
  // No ${VAR} expansion: an input line containing "$$" or "${" must reach the pipeline as written.
  ConfigTree tree = ConfigTreeFromYaml(root, EnvLookup(), "cases file", ctx);
  std::vector<PipelineTestCase> cases;
  const ConfigTree* list = tree.is_map() ? tree.Find("cases") : nullptr;
  if (!tree.is_map()) {
    ctx.AddError(At(tree), "a cases file is a map with 'cases', got " + tree.Describe());
  } else {
    ReportUnknownKeys(tree, {"cases"}, "cases file", ctx);
    if (list == nullptr || !list->is_list() || list->items.empty()) {
      ctx.AddError(list ? At(*list) : At(tree), "cases: expected a non-empty list of cases");
    }
  }
  if (list != nullptr && list->is_list()) {
    CaseReader reader(ctx);
    std::map<std::string, int> names;
    for (size_t i = 0; i < list->items.size(); ++i) {
      std::optional<PipelineTestCase> c = reader.Read(list->items[i], i);
      if (!c) continue;
      auto [first, inserted] = names.emplace(c->name, c->line);
      if (!inserted) {
        ctx.AddError(SourceLocation{c->line, c->column}, "two cases are named '" + c->name + "' (first at line " +
                                                             std::to_string(first->second) + ")");
      }
      cases.push_back(std::move(*c));
    }
  }
  const bool bad = !ctx.errors().empty();
  for (ConfigError& e : ctx.TakeErrors()) errors.push_back(std::move(e));
  if (bad) return std::nullopt;
  return cases;
}

}  // namespace logcap
