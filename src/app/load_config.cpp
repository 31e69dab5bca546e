#include "app/load_config.h"

#include "sinks/sink_registry.h"

namespace logcap {

ConfigLoadResult LoadConfig(const std::string& path) {
  ConfigLoadResult result = LoadConfigFile(path);
  // Component checks assume well-formed values: run them only on an otherwise valid file.
  if (result.ok()) CheckEnabledSinks(result.config, result);
  return result;
}

}  // namespace logcap
