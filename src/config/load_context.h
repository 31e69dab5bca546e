// LoadContext: what one configuration load accumulates besides the Config itself.
//
// Contract: collects ConfigErrors in the order they are added, remembers where each key was
// written (so semantic checks can point at it) and which key paths had invalid values (so checks
// that depend on them stay quiet instead of piling up follow-on errors). Single-threaded: one
// context per load, owned by the loader.
#pragma once

#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/loader.h"

namespace logcap {

struct SourceLocation {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown
};

class LoadContext {
 public:
  explicit LoadContext(std::string file) : file_(std::move(file)) {}

  void AddError(SourceLocation at, std::string message);
  // An error about the value of key `path`; the key is then considered invalid.
  void AddKeyError(std::string_view path, SourceLocation at, std::string message);

  // Records where key `path` was written (the first occurrence wins).
  void RecordKey(std::string_view path, SourceLocation at);
  bool HasKey(std::string_view path) const { return keys_.find(path) != keys_.end(); }
  bool IsInvalid(std::string_view path) const { return invalid_.find(path) != invalid_.end(); }

  // The location of the first of `paths` written in the file, else line 1 column 1.
  SourceLocation Locate(std::initializer_list<std::string_view> paths) const;

  const std::vector<ConfigError>& errors() const { return errors_; }
  std::vector<ConfigError> TakeErrors() { return std::move(errors_); }
  // Every recorded key path with its {line, column}.
  std::map<std::string, std::pair<int, int>, std::less<>> KeyLocations() const;

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
  std::map<std::string, SourceLocation, std::less<>> keys_;
  std::set<std::string, std::less<>> invalid_;
};

}  // namespace logcap
