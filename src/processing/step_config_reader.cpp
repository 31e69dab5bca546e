#include "processing/step_config_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "config/did_you_mean.h"
#include "config/units.h"

namespace logcap {

StepConfigReader::StepConfigReader(const ConfigTree& config, std::string where, SourceLocation at, LoadContext& ctx)
    : config_(config), where_(std::move(where)), at_(at), ctx_(ctx) {
  if (!config_.is_null() && !config_.is_map()) {
    ErrorAtNode(config_, "config must be a map of keys, got " + config_.Describe());
  }
}

SourceLocation StepConfigReader::LocationOf(const ConfigTree& node) const {
  if (node.line == 0) return at_;
  return SourceLocation{node.line, node.column};
}

const ConfigTree* StepConfigReader::Mark(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  return config_.is_map() ? config_.Find(key) : nullptr;
}

const ConfigTree* StepConfigReader::Tree(std::string_view key) { return Mark(key); }

void StepConfigReader::ErrorAtNode(const ConfigTree& node, const std::string& message) {
  ++errors_;
  ctx_.AddError(LocationOf(node), where_ + ": " + message);
}

void StepConfigReader::ErrorAt(std::string_view key, const std::string& message) {
  const ConfigTree* node = config_.is_map() ? config_.Find(key) : nullptr;
  ++errors_;
  ctx_.AddError(node != nullptr ? LocationOf(*node) : at_, where_ + ": " + message);
}

std::optional<std::string> StepConfigReader::String(std::string_view key) {
  const ConfigTree* node = Mark(key);
  if (node == nullptr || node->is_null()) return std::nullopt;
  if (!node->is_scalar()) {
    ErrorAtNode(*node, std::string(key) + ": expected a string, got " + node->Describe());
    return std::nullopt;
  }
  return node->scalar;
}

std::string StepConfigReader::String(std::string_view key, std::string_view fallback) {
  std::optional<std::string> value = String(key);
  return value ? *value : std::string(fallback);
}

std::string StepConfigReader::RequiredString(std::string_view key) {
  std::optional<std::string> value = String(key);
  if (!value || value->empty()) {
    if (!value && Has(key) && !config_.Find(key)->is_null()) return "";  // wrong type: already reported
    ErrorAt(key, "missing required key '" + std::string(key) + "'");
    return "";
  }
  return *value;
}

std::vector<std::string> StepConfigReader::StringList(std::string_view key) {
  std::vector<std::string> out;
  const ConfigTree* node = Mark(key);
  if (node == nullptr || node->is_null()) return out;
  if (node->is_scalar()) {
    out.push_back(node->scalar);
    return out;
  }
  if (!node->is_list()) {
    ErrorAtNode(*node, std::string(key) + ": expected a list of strings, got " + node->Describe());
    return out;
  }
  for (const ConfigTree& item : node->items) {
    if (!item.is_scalar()) {
      ErrorAtNode(item, std::string(key) + ": list items must be strings, got " + item.Describe());
      continue;
    }
    out.push_back(item.scalar);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> StepConfigReader::StringMap(std::string_view key) {
  std::vector<std::pair<std::string, std::string>> out;
  const ConfigTree* node = Mark(key);
  if (node == nullptr || node->is_null()) return out;
  if (!node->is_map()) {
    ErrorAtNode(*node, std::string(key) + ": expected a map of strings, got " + node->Describe());
    return out;
  }
  for (const ConfigTreeEntry& entry : node->entries) {
    if (entry.value.is_null()) {
      out.emplace_back(entry.key, "");
    } else if (!entry.value.is_scalar()) {
      ErrorAtNode(entry.value, std::string(key) + ": value of '" + entry.key + "' must be a string, got " +
                                   entry.value.Describe());
    } else {
      out.emplace_back(entry.key, entry.value.scalar);
    }
  }
  return out;
}

bool StepConfigReader::Bool(std::string_view key, bool fallback) {
  const ConfigTree* node = Mark(key);
  if (node == nullptr || node->is_null()) return fallback;
  bool value = fallback;
  std::string error;
  if (!node->is_scalar() || !ParseBool(node->scalar, &value, &error)) {
    ErrorAtNode(*node, std::string(key) + ": expected true or false, got " + node->Describe());
    return fallback;
  }
  return value;
}

uint64_t StepConfigReader::Uint(std::string_view key, uint64_t fallback, uint64_t min, uint64_t max) {
  const ConfigTree* node = Mark(key);
  if (node == nullptr || node->is_null()) return fallback;
  uint64_t value = 0;
  std::string error;
  if (!node->is_scalar() || !ParseUint(node->scalar, &value, &error)) {
    ErrorAtNode(*node, std::string(key) + ": expected a non-negative integer, got " + node->Describe());
    return fallback;
  }
  if (value < min || value > max) {
    ErrorAtNode(*node, std::string(key) + ": " + std::to_string(value) + " is out of range [" + std::to_string(min) +
                           ", " + std::to_string(max) + "]");
    return fallback;
  }
  return value;
}

double StepConfigReader::Number(std::string_view key, double fallback, double min, double max) {
  const ConfigTree* node = Mark(key);
  if (node == nullptr || node->is_null()) return fallback;
  if (node->is_scalar() && !node->scalar.empty()) {
    errno = 0;
    char* end = nullptr;
    double value = std::strtod(node->scalar.c_str(), &end);
    if (errno == 0 && end == node->scalar.c_str() + node->scalar.size()) {
      if (value >= min && value <= max) return value;
      ErrorAtNode(*node, std::string(key) + ": " + node->scalar + " is out of range [" + std::to_string(min) + ", " +
                             std::to_string(max) + "]");
      return fallback;
    }
  }
  ErrorAtNode(*node, std::string(key) + ": expected a number, got " + node->Describe());
  return fallback;
}

Duration StepConfigReader::DurationValue(std::string_view key, Duration fallback, Duration min, Duration max) {
  const ConfigTree* node = Mark(key);
  if (node == nullptr || node->is_null()) return fallback;
  Duration value{};
  std::string error;
  if (!node->is_scalar() || !ParseDuration(node->scalar, &value, &error)) {
    ErrorAtNode(*node, std::string(key) + ": expected a duration such as 250ms, 5s or 1m, got " + node->Describe());
    return fallback;
  }
  if (value < min || value > max) {
    ErrorAtNode(*node, std::string(key) + ": " + node->scalar + " is out of range [" + FormatDuration(min) + ", " +
                           FormatDuration(max) + "]");
    return fallback;
  }
  return value;
}

std::string StepConfigReader::Enum(std::string_view key, std::string_view fallback,
                                   const std::vector<std::string_view>& allowed) {
  std::optional<std::string> value = String(key);
  if (!value) return std::string(fallback);
  if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return *value;
  std::string list;
  std::vector<std::string> names;
  for (std::string_view a : allowed) {
    list += (list.empty() ? "" : ", ") + std::string(a);
    names.emplace_back(a);
  }
  ErrorAt(key, std::string(key) + ": '" + *value + "' is not one of: " + list + DidYouMeanHint(*value, names));
  return std::string(fallback);
}

void StepConfigReader::Finish() {
  if (!config_.is_map()) return;
  for (const ConfigTreeEntry& entry : config_.entries) {
    if (std::find(known_.begin(), known_.end(), entry.key) != known_.end()) continue;
    std::string hint = DidYouMeanHint(entry.key, known_);
    std::string message = "unknown key '" + entry.key + "' in config" + hint;
    if (hint.empty()) {
      std::string list;
      for (const std::string& k : known_) list += (list.empty() ? "" : ", ") + k;
      message += list.empty() ? "; this step takes no config" : "; valid keys: " + list;
    }
    ++errors_;
    ctx_.AddError(SourceLocation{entry.key_line, entry.key_column}, where_ + ": " + message);
  }
}

}  // namespace logcap
