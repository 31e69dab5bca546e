#include "processing/pipeline_set.h"

#include <fnmatch.h>

#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "config/config_tree_yaml.h"
#include "config/did_you_mean.h"
#include "config/env_expand.h"
#include "config/load_context.h"
#include "processing/steps/step_types.h"
#include "telemetry/metrics.h"

namespace logcap {
namespace {

SourceLocation At(const ConfigTree& node) { return SourceLocation{node.line, node.column}; }
SourceLocation KeyAt(const ConfigTreeEntry& entry) { return SourceLocation{entry.key_line, entry.key_column}; }

void MoveErrors(LoadContext& ctx, std::vector<ConfigError>& errors) {
  for (ConfigError& e : ctx.TakeErrors()) errors.push_back(std::move(e));
}

bool GlobMatches(const std::string& glob, const std::string& text) { return fnmatch(glob.c_str(), text.c_str(), 0) == 0; }

std::string StepTypeList() {
  std::string out;
  for (const StepType& t : StepTypes()) out += (out.empty() ? "" : ", ") + std::string(t.name);
  return out;
}

std::unique_ptr<Step> CompileStep(const ConfigTree& node, size_t index, const std::string& pipeline,
                                  std::set<std::string>& names, LoadContext& ctx) {
  const std::string at_step = "pipeline '" + pipeline + "' step " + std::to_string(index + 1);
  if (!node.is_map()) {
    ctx.AddError(At(node), at_step + ": expected a map {name, type, config, condition}, got " + node.Describe());
    return nullptr;
  }
  ReportUnknownKeys(node, {"name", "type", "config", "condition", "description"}, at_step, ctx);
  const ConfigTree* type_node = node.Find("type");
  if (type_node == nullptr || !type_node->is_scalar() || type_node->scalar.empty()) {
    ctx.AddError(type_node ? At(*type_node) : At(node), at_step + ": missing 'type'; one of: " + StepTypeList());
    return nullptr;
  }
  Step::Common common;
  common.type = type_node->scalar;
  const ConfigTree* name_node = node.Find("name");
  if (name_node != nullptr && (!name_node->is_scalar() || name_node->scalar.empty())) {
    ctx.AddError(At(*name_node), at_step + ": 'name' must be a non-empty string");
    return nullptr;
  }
  common.name = name_node ? name_node->scalar : common.type;
  if (!names.insert(common.name).second) {
    ctx.AddError(name_node ? At(*name_node) : At(node),
                 "pipeline '" + pipeline + "': two steps are named '" + common.name +
                     "'; step names must be unique within a pipeline (they label metrics and errors)");
    return nullptr;
  }
  const std::string where = "pipeline '" + pipeline + "' step '" + common.name + "'";
  const StepType* type = FindStepType(common.type);
  if (type == nullptr) {
    std::vector<std::string> known;
    for (const StepType& t : StepTypes()) known.emplace_back(t.name);
    std::string hint = DidYouMeanHint(common.type, known);
    ctx.AddError(At(*type_node), where + ": unknown step type '" + common.type + "'" +
                                     (hint.empty() ? "; one of: " + StepTypeList() : hint));
    return nullptr;
  }
  bool ok = true;
  if (const ConfigTree* condition = node.Find("condition"); condition != nullptr && !condition->is_null()) {
    common.condition = CompileCondition(*condition, where, ctx);
    if (!common.condition) ok = false;
  }
  static const ConfigTree kNoConfig;
  const ConfigTree* config = node.Find("config");
  StepConfigReader reader(config ? *config : kNoConfig, where, At(node), ctx);
  std::unique_ptr<Step> step = type->make(std::move(common), reader);
  reader.Finish();
  if (!ok || !reader.ok()) return nullptr;
  return step;
}

}  // namespace

std::optional<PipelineDefinitions> ReadPipelinesFile(const std::string& path, std::vector<ConfigError>& errors) {
  LoadContext ctx(path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    errors.push_back(ConfigError{path, 0, 0, "cannot read the pipelines file"});
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    errors.push_back(ConfigError{path, e.mark.line + 1, e.mark.column + 1, e.msg});
    return std::nullopt;
  }
  ConfigTree tree = ConfigTreeFromYaml(root, ProcessEnvLookup(), "pipelines file", ctx);
  // An agent config works too: take its processing section.
  if (tree.is_map() && tree.Find("processing") != nullptr) tree = *tree.Find("processing");
  PipelineDefinitions definitions;
  definitions.file = path;
  if (!tree.is_map()) {
    ctx.AddError(At(tree), "a pipelines file is a map with 'pipelines' and 'source_mapping', got " + tree.Describe());
  } else {
    ReportUnknownKeys(tree, {"pipelines", "source_mapping", "enabled", "pipelines_file"}, "pipelines file", ctx);
    if (const ConfigTree* p = tree.Find("pipelines")) definitions.pipelines = *p;
    if (const ConfigTree* m = tree.Find("source_mapping")) definitions.source_mapping = *m;
  }
  MoveErrors(ctx, errors);
  if (!errors.empty()) return std::nullopt;
  return definitions;
}

std::optional<PipelineDefinitions> ReadPipelineDefinitions(const Config& config, std::vector<ConfigError>& errors) {
  const ProcessingConfig& processing = config.processing;
  if (processing.pipelines_file.empty()) {
    return PipelineDefinitions{config.source_path.empty() ? "config" : config.source_path, processing.pipelines,
                               processing.source_mapping};
  }
  if (!processing.pipelines.is_null() || !processing.source_mapping.is_null()) {
    errors.push_back(ConfigError{config.source_path, processing.pipelines.line, processing.pipelines.column,
                                 "processing: set either pipelines_file or inline pipelines/source_mapping, not both"});
    return std::nullopt;
  }
  std::filesystem::path path(processing.pipelines_file);
  if (path.is_relative() && !config.source_path.empty()) {
    path = std::filesystem::path(config.source_path).parent_path() / path;
  }
  return ReadPipelinesFile(path.string(), errors);
}

std::shared_ptr<const PipelineSet> PipelineSet::Compile(const PipelineDefinitions& definitions,
                                                        const std::map<std::string, std::string>& component_pipelines,
                                                        Metrics& metrics, std::vector<ConfigError>& errors) {
  LoadContext ctx(definitions.file);
  auto set = std::shared_ptr<PipelineSet>(new PipelineSet());
  const ConfigTree& list = definitions.pipelines;
  if (!list.is_null() && !list.is_list()) {
    ctx.AddError(At(list), "pipelines: expected a list of {name, description, steps}, got " + list.Describe());
  }
  std::set<std::string> pipeline_names;
  for (size_t i = 0; list.is_list() && i < list.items.size(); ++i) {
    const ConfigTree& node = list.items[i];
    const std::string at = "pipelines item " + std::to_string(i + 1);
    if (!node.is_map()) {
      ctx.AddError(At(node), at + ": expected a map {name, description, steps}, got " + node.Describe());
      continue;
    }
    ReportUnknownKeys(node, {"name", "description", "steps"}, at, ctx);
    const ConfigTree* name = node.Find("name");
    if (name == nullptr || !name->is_scalar() || name->scalar.empty()) {
      ctx.AddError(name ? At(*name) : At(node), at + ": missing 'name'");
      continue;
    }
    if (!pipeline_names.insert(name->scalar).second) {
      ctx.AddError(At(*name), "two pipelines are named '" + name->scalar + "'");
      continue;
    }
    const ConfigTree* steps_node = node.Find("steps");
    std::vector<std::unique_ptr<Step>> steps;
    bool ok = true;
    if (steps_node != nullptr && !steps_node->is_null() && !steps_node->is_list()) {
      ctx.AddError(At(*steps_node), "pipeline '" + name->scalar + "': steps: expected a list, got " + steps_node->Describe());
      ok = false;
    }
    std::set<std::string> step_names;
    for (size_t s = 0; steps_node != nullptr && steps_node->is_list() && s < steps_node->items.size(); ++s) {
      std::unique_ptr<Step> step = CompileStep(steps_node->items[s], s, name->scalar, step_names, ctx);
      if (!step) {
        ok = false;
        continue;
      }
      if (step->multiline() != nullptr && !steps.empty()) {
        ctx.AddError(At(steps_node->items[s]), "pipeline '" + name->scalar + "' step '" + step->name() +
                                                   "': multiline must be the first step (it joins lines where they "
                                                   "are read, before any other step)");
        ok = false;
      }
      steps.push_back(std::move(step));
    }
    if (ok) set->pipelines_.push_back(std::make_unique<Pipeline>(name->scalar, std::move(steps), metrics));
  }

  const ConfigTree& mapping = definitions.source_mapping;
  if (!mapping.is_null() && !mapping.is_map()) {
    ctx.AddError(At(mapping), "source_mapping: expected a map {pipeline: [patterns]}, got " + mapping.Describe());
  }
  for (const ConfigTreeEntry& entry : mapping.entries) {
    const Pipeline* pipeline = set->Find(entry.key);
    if (pipeline == nullptr) {
      if (pipeline_names.count(entry.key) == 0) {
        std::vector<std::string> names(pipeline_names.begin(), pipeline_names.end());
        ctx.AddError(KeyAt(entry), "source_mapping: no pipeline is named '" + entry.key + "'" +
                                       DidYouMeanHint(entry.key, names));
      }
      continue;
    }
    std::vector<const ConfigTree*> patterns;
    if (entry.value.is_scalar()) patterns.push_back(&entry.value);
    for (const ConfigTree& item : entry.value.items) patterns.push_back(&item);
    if (!entry.value.is_scalar() && !entry.value.is_list()) {
      ctx.AddError(At(entry.value), "source_mapping: '" + entry.key + "': expected a list of patterns, got " +
                                        entry.value.Describe());
    }
    for (const ConfigTree* pattern : patterns) {
      if (!pattern->is_scalar() || pattern->scalar.empty()) {
        ctx.AddError(At(*pattern), "source_mapping: '" + entry.key + "': patterns must be non-empty strings");
        continue;
      }
      Rule rule;
      rule.pipeline = pipeline;
      const std::string& text = pattern->scalar;
      size_t colon = text.find(':');
      // "/var/log/x:y" or "C:..." are paths, not key:glob: a key is a plain name.
      bool keyed = colon != std::string::npos && colon > 0 &&
                   text.find_first_of("/*?[", 0) > colon;
      if (!keyed) {
        rule.key = Rule::Key::kAny;
        rule.glob = text;
      } else {
        std::string key = text.substr(0, colon);
        rule.glob = text.substr(colon + 1);
        if (key == "source_type") rule.key = Rule::Key::kSourceType;
        else if (key == "source_id" || key == "file_path") rule.key = Rule::Key::kSourceId;
        else if (key == "source_name") rule.key = Rule::Key::kSourceName;
        else if (key == "component") rule.key = Rule::Key::kComponent;
        else rule.key = Rule::Key::kLabel, rule.label = key;
      }
      set->rules_.push_back(std::move(rule));
    }
  }
  for (const auto& [component, name] : component_pipelines) {
    if (name.empty()) continue;
    const Pipeline* pipeline = set->Find(name);
    if (pipeline == nullptr) {
      if (pipeline_names.count(name) == 0) {
        std::vector<std::string> names(pipeline_names.begin(), pipeline_names.end());
        errors.push_back(ConfigError{"", 0, 0, component + ".pipeline: no pipeline is named '" + name + "'" +
                                                   DidYouMeanHint(name, names)});
      }
      continue;
    }
    set->by_component_.emplace(component, pipeline);
  }
  set->fallback_ = set->Find("default");
  MoveErrors(ctx, errors);
  if (!errors.empty()) return nullptr;
  return set;
}

const Pipeline* PipelineSet::Find(std::string_view name) const {
  for (const auto& p : pipelines_)
    if (p->name() == name) return p.get();
  return nullptr;
}

bool PipelineSet::Rule::Matches(const SourceInfo& source) const {
  switch (key) {
    case Key::kSourceType: return GlobMatches(glob, source.type);
    case Key::kSourceId: return GlobMatches(glob, source.id);
    case Key::kSourceName: return GlobMatches(glob, source.name);
    case Key::kComponent: return GlobMatches(glob, source.component);
    case Key::kLabel: {
      const std::string* value = source.labels.Find(label);
      return value != nullptr && GlobMatches(glob, *value);
    }
    case Key::kAny: {
      const std::string* container = source.labels.Find("container_name");
      return (container != nullptr && GlobMatches(glob, *container)) || GlobMatches(glob, source.name) ||
             GlobMatches(glob, source.id);
    }
  }
  return false;
}

const Pipeline* PipelineSet::Select(const SourceInfo& source) const {
  if (auto it = by_component_.find(source.component); it != by_component_.end()) return it->second;
  for (const Rule& rule : rules_)
    if (rule.Matches(source)) return rule.pipeline;
  return fallback_;
}

std::map<std::string, std::string> ComponentPipelines(const Config& config) {
  std::map<std::string, std::string> out;
  if (!config.file_monitor.pipeline.empty()) out["file_monitor"] = config.file_monitor.pipeline;
  if (!config.container_monitor.pipeline.empty()) out["container_monitor"] = config.container_monitor.pipeline;
  if (!config.kafka_input.pipeline.empty()) out["kafka_input"] = config.kafka_input.pipeline;
  return out;
}

std::shared_ptr<const PipelineSet> CompileProcessing(ConfigLoadResult& result, Metrics& metrics) {
  const Config& config = result.config;
  std::map<std::string, std::string> components = ComponentPipelines(config);
  const bool has_inline = !config.processing.pipelines.is_null() || !config.processing.source_mapping.is_null();
  if (!has_inline && config.processing.pipelines_file.empty()) {
    for (const auto& [component, name] : components)
      result.AddErrorAt(component + ".pipeline", component + ".pipeline: no pipeline is named '" + name +
                                                     "' (no processing pipelines are configured)");
    return nullptr;
  }
  std::vector<ConfigError> errors;
  std::optional<PipelineDefinitions> definitions = ReadPipelineDefinitions(config, errors);
  if (definitions && config.processing.pipelines_file.empty()) definitions->file = result.file;
  std::shared_ptr<const PipelineSet> set;
  if (definitions) set = PipelineSet::Compile(*definitions, components, metrics, errors);
  for (ConfigError& e : errors) {
    if (e.file.empty()) {
      // A component's `pipeline:` key: point at where it was written.
      std::string component = e.message.substr(0, e.message.find(".pipeline"));
      result.AddErrorAt(component + ".pipeline", e.message);
    } else {
      result.errors.push_back(std::move(e));
    }
  }
  if (!config.processing.enabled) return nullptr;
  return set;
}

}  // namespace logcap
