// PipelineSet: every configured pipeline, compiled, and the rule that picks one for each source.
//
// Where pipelines come from: `processing.pipelines` and `processing.source_mapping` inline in the
// agent's config, or `processing.pipelines_file` (a YAML file with the same two keys; relative to
// the config's folder), never both. The `log-capturer test` command reads such a file directly.
//
// Selection (Select), deterministic, for one source (its SourceInfo):
//   1. the source section's own `pipeline:` key (file_monitor.pipeline, ...), by component name;
//   2. else the first `source_mapping` rule, in file order, with a pattern that matches:
//      `source_type:GLOB`, `source_id:GLOB` (also `file_path:`), `source_name:GLOB`,
//      `component:GLOB`, `LABEL:GLOB` for any other key (e.g. `container_name:web-*`), or a bare
//      `GLOB`, which matches the container_name label, the source name or the source id;
//   3. else the pipeline named `default`, if there is one; else no processing.
// Globs are fnmatch(3) patterns (`*` also crosses '/').
//
// Contract: Compile reports every problem (unknown step type or key, bad regex, duplicate names,
// a mapping to no pipeline, multiline not first, ...) as FILE:LINE:COL ConfigErrors and returns
// nullptr when there is any. A compiled set is immutable and shared by every worker; Select is
// thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/loader.h"
#include "core/event.h"
#include "processing/pipeline.h"

namespace logcap {

class Metrics;

// The two trees, and the file errors about them name.
struct PipelineDefinitions {
  std::string file;
  ConfigTree pipelines;
  ConfigTree source_mapping;
};

// Reads a pipelines file: a YAML map with `pipelines` and `source_mapping` (an agent config's
// `processing:` section also works, so `test` accepts either). nullopt after reporting to errors.
std::optional<PipelineDefinitions> ReadPipelinesFile(const std::string& path, std::vector<ConfigError>& errors);

// The definitions a config names: its inline trees, or its pipelines_file. nullopt after errors.
std::optional<PipelineDefinitions> ReadPipelineDefinitions(const Config& config, std::vector<ConfigError>& errors);

class PipelineSet {
 public:
  // component_pipelines: component name ("file_monitor") -> the pipeline its section names.
  static std::shared_ptr<const PipelineSet> Compile(const PipelineDefinitions& definitions,
                                                    const std::map<std::string, std::string>& component_pipelines,
                                                    Metrics& metrics, std::vector<ConfigError>& errors);

  const Pipeline* Select(const SourceInfo& source) const;
  const Pipeline* Find(std::string_view name) const;
  const std::vector<std::unique_ptr<Pipeline>>& pipelines() const { return pipelines_; }
  bool empty() const { return pipelines_.empty(); }

 private:
  struct Rule {
    enum class Key { kSourceType, kSourceId, kSourceName, kComponent, kLabel, kAny };
    Key key = Key::kAny;
    std::string label;
    std::string glob;
    const Pipeline* pipeline = nullptr;
    bool Matches(const SourceInfo& source) const;
  };

  std::vector<std::unique_ptr<Pipeline>> pipelines_;
  std::map<std::string, const Pipeline*, std::less<>> by_component_;
  std::vector<Rule> rules_;
  const Pipeline* fallback_ = nullptr;
};

// The sections' `pipeline:` keys of a config, by component name.
std::map<std::string, std::string> ComponentPipelines(const Config& config);

// The whole check for a loaded config (validate, start-up, reload): compiles its pipelines and
// adds every problem to result. Returns the set (nullptr when processing is off, has no
// pipelines, or failed).
std::shared_ptr<const PipelineSet> CompileProcessing(ConfigLoadResult& result, Metrics& metrics);

}  // namespace logcap
