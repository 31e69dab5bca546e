#include "app/load_config.h"

#include "processing/pipeline_set.h"
#include "sinks/sink_registry.h"
#include "telemetry/metrics.h"

namespace logcap {

ConfigLoadResult LoadConfig(const std::string& path) {
  ConfigLoadResult result = LoadConfigFile(path);
  // Component checks assume well-formed values: run them only on an otherwise valid file.
  if (result.ok()) CheckEnabledSinks(result.config, result);
  if (result.ok()) {
    Metrics scratch;  // compiling registers step metrics; these are thrown away
    CompileProcessing(result, scratch);
  }
  return result;
}

}  // namespace logcap
