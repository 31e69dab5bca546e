// Helpers shared by the config tests: environment scoping and error inspection.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/loader.h"

namespace logcap {

// Sets (or, with nullopt, unsets) an environment variable for the life of the object, then
// restores the previous state. Tests using it must not run concurrently with other env users.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Every error on its own line, for assertion messages.
inline std::string AllErrors(const ConfigLoadResult& result) {
  std::string out;
  for (const ConfigError& error : result.errors) out += error.ToString() + "\n";
  return out;
}

// The sinks block that makes an otherwise default config valid; appended after the YAML under
// test so it does not shift that YAML's line numbers.
inline constexpr std::string_view kStdoutSink = "\nsinks:\n  stdout:\n    enabled: true\n";

inline ConfigLoadResult LoadWithStdoutSink(std::string yaml) {
  return LoadConfigString(yaml + std::string(kStdoutSink), "test.yaml");
}

}  // namespace logcap
