#include "config/load_context.h"

namespace logcap {

void LoadContext::AddError(SourceLocation at, std::string message) {
  errors_.push_back(ConfigError{file_, at.line, at.column, std::move(message)});
}

void LoadContext::AddKeyError(std::string_view path, SourceLocation at, std::string message) {
  invalid_.emplace(path);
  AddError(at, std::move(message));
}

std::map<std::string, std::pair<int, int>, std::less<>> LoadContext::KeyLocations() const {
  std::map<std::string, std::pair<int, int>, std::less<>> out;
  for (const auto& [path, at] : keys_) out.emplace(path, std::make_pair(at.line, at.column));
  return out;
}

void LoadContext::RecordKey(std::string_view path, SourceLocation at) { keys_.emplace(std::string(path), at); }

SourceLocation LoadContext::Locate(std::initializer_list<std::string_view> paths) const {
  for (std::string_view path : paths) {
    auto it = keys_.find(path);
    if (it != keys_.end()) return it->second;
  }
  return SourceLocation{1, 1};
}

}  // namespace logcap
