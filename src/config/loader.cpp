#include "config/loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

#include <yaml-cpp/yaml.h>

#include "config/env_expand.h"
#include "config/load_context.h"
#include "config/semantic_checks.h"
#include "config/yaml_location.h"
#include "config/yaml_walker.h"

namespace logcap {
namespace {

// Reads the whole file; on failure returns false with *error naming the cause.
bool ReadWholeFile(const std::string& path, std::string* contents, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open config file '" + path + "': " + std::strerror(errno);
    return false;
  }
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = "cannot read config file '" + path + "': " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    contents->append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

// Parses and applies the YAML text. Returns false when the text could not be parsed as YAML at
// all (a syntax error), in which case semantic checks would only add noise.
bool ParseAndApply(std::string_view yaml_text, Config& config, LoadContext& ctx) {
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml_text));
    for (size_t i = 1; i < documents.size(); ++i) {
      if (documents[i].IsNull()) continue;
      ctx.AddError(LocationOf(documents[i]),
                   "a configuration file holds one YAML document; this '---' starts another one");
    }
    if (!documents.empty()) ApplyYamlDocument(documents.front(), ProcessEnvLookup(), config, ctx);
    return true;
  } catch (const YAML::ParserException& e) {
    ctx.AddError(LocationOf(e.mark), "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    SourceLocation at = LocationOf(e.mark);
    ctx.AddError(at.line > 0 ? at : SourceLocation{1, 1}, "cannot load configuration: " + e.msg);
  } catch (const std::exception& e) {
    ctx.AddError(SourceLocation{1, 1}, std::string("cannot load configuration: ") + e.what());
  }
  return false;
}

}  // namespace

std::string ConfigError::ToString() const {
  std::string where = file;
  if (line > 0) {
    where += ":" + std::to_string(line);
    if (column > 0) where += ":" + std::to_string(column);
  }
  return where + ": error: " + message;
}

ConfigLoadResult LoadConfigString(std::string_view yaml_text, const std::string& display_name) {
  ConfigLoadResult result;
  LoadContext ctx(display_name);
  if (ParseAndApply(yaml_text, result.config, ctx)) CheckSemantics(result.config, ctx);
  result.file = display_name;
  result.errors = ctx.TakeErrors();
  result.key_locations = ctx.KeyLocations();
  return result;
}

void ConfigLoadResult::AddErrorAt(std::string_view path, std::string message) {
  auto it = key_locations.find(path);
  const auto [line, column] = it != key_locations.end() ? it->second : std::make_pair(1, 1);
  errors.push_back(ConfigError{file, line, column, std::move(message)});
}

ConfigLoadResult LoadConfigFile(const std::string& path) {
  std::string contents;
  std::string error;
  if (!ReadWholeFile(path, &contents, &error)) {
    ConfigLoadResult result;
    result.file = path;
    result.config.source_path = path;
    result.errors.push_back(ConfigError{path, 0, 0, error});
    return result;
  }
  ConfigLoadResult result = LoadConfigString(contents, path);
  result.config.source_path = path;
  return result;
}

}  // namespace logcap
