// The configuration loader: YAML text -> validated Config, or every problem found.
//
// Contract:
//   - Loading never stops at the first problem: one call reports every YAML syntax error (yaml-cpp
//     stops at the first of those), unknown key (with a "did you mean" hint), duplicate key, wrong
//     type, out-of-range or not-allowed value, unset ${VAR}, and semantic problem (no source or
//     no sink enabled, a component this build lacks, ...), each with file, line and column.
//   - The schema is the options table (config/options.h); defaults come from a default-constructed
//     Config, so keys absent from the YAML keep their config.h defaults.
//   - `config` is only meaningful when ok(); on errors it holds whatever could be applied.
//   - No exception escapes: yaml-cpp exceptions are caught here and become ConfigErrors.
//   - ${VAR} reads the process environment at load time (getenv); calls may run on any thread as
//     long as nothing modifies the environment concurrently.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace logcap {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string message;

  // "FILE:LINE:COL: error: MESSAGE" (CONTRACT §2). When the column is unknown: "FILE:LINE: error:
  // MESSAGE"; when the line is unknown too: "FILE: error: MESSAGE" (as compilers do).
  std::string ToString() const;
};

struct ConfigLoadResult {
  std::string file;  // the name errors carry (the path, or LoadConfigString's display_name)
  Config config;
  std::vector<ConfigError> errors;  // in document order, then semantic checks
  // Where each key path ("sinks.local_file.filename_pattern") was written: {line, column}, 1-based.
  std::map<std::string, std::pair<int, int>, std::less<>> key_locations;
  bool ok() const { return errors.empty(); }
  // Adds an error about key `path`, at its location (line 1, column 1 when it was not written),
  // for checks made outside the loader (a component validating its own settings).
  void AddErrorAt(std::string_view path, std::string message);
};

// Reads and loads `path`; config.source_path is set to `path`. An unreadable file gives one error
// naming it (line and column 0).
ConfigLoadResult LoadConfigFile(const std::string& path);

// Loads YAML text; errors name `display_name` as their file. config.source_path stays "".
ConfigLoadResult LoadConfigString(std::string_view yaml_text, const std::string& display_name);

// The configuration reference (docs/configuration.md), generated from the options table.
std::string ConfigReferenceMarkdown();

}  // namespace logcap
