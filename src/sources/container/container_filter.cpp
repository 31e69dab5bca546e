#include "sources/container/container_filter.h"

#include <utility>

#include "sources/file/glob.h"

namespace logcap {

namespace {

// The first name pattern matches, or nullptr.
const std::string_view* MatchingName(const std::string& pattern, std::span<const std::string_view> names) {
  for (const std::string_view& name : names) {
    if (GlobMatchSegment(pattern, name)) return &name;
  }
  return nullptr;
}

// The first pattern matching one of names (and that name), or {nullptr, nullptr}.
std::pair<const std::string*, const std::string_view*> FirstMatch(const std::vector<std::string>& patterns,
                                                                  std::span<const std::string_view> names) {
  for (const std::string& pattern : patterns) {
    if (const std::string_view* name = MatchingName(pattern, names)) return {&pattern, name};
  }
  return {nullptr, nullptr};
}

bool LabelMatches(const std::string& pattern, const std::string* value) {
  if (value == nullptr) return false;
  if (pattern.empty() || pattern == "*") return true;
  return GlobMatchSegment(pattern, *value);
}

std::string Rule(std::string_view list, const std::string& key, const std::string& pattern) {
  std::string out(list);
  out += ": ";
  out += key;
  out += '=';
  out += pattern.empty() ? "*" : pattern;
  return out;
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

}  // namespace

ContainerFilter::ContainerFilter(std::vector<std::string> include_names, std::vector<std::string> exclude_names,
                                 std::map<std::string, std::string> include_labels,
                                 std::map<std::string, std::string> exclude_labels)
    : include_names_(std::move(include_names)),
      exclude_names_(std::move(exclude_names)),
      include_labels_(std::move(include_labels)),
      exclude_labels_(std::move(exclude_labels)) {}

bool ContainerFilter::Accepts(std::span<const std::string_view> names, const Labels& labels) const {
  if (!include_names_.empty() && FirstMatch(include_names_, names).first == nullptr) return false;
  if (FirstMatch(exclude_names_, names).first != nullptr) return false;
  for (const auto& [key, pattern] : include_labels_) {
    if (!LabelMatches(pattern, labels.Find(key))) return false;
  }
  for (const auto& [key, pattern] : exclude_labels_) {
    if (LabelMatches(pattern, labels.Find(key))) return false;
  }
  return true;
}

std::string ContainerFilter::Explain(std::span<const std::string_view> names, const Labels& labels) const {
  if (!include_names_.empty() && FirstMatch(include_names_, names).first == nullptr) {
    std::string out = "include_names: no pattern matches ";
    if (names.empty()) return out + "(the container has no name)";
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) out += " or ";
      out += Quoted(names[i]);
    }
    return out;
  }
  if (const auto [pattern, name] = FirstMatch(exclude_names_, names); pattern != nullptr) {
    return "exclude_names: " + *pattern + " matches " + Quoted(*name);
  }
  for (const auto& [key, pattern] : include_labels_) {
    const std::string* value = labels.Find(key);
    if (LabelMatches(pattern, value)) continue;
    return Rule("include_labels", key, pattern) +
           (value == nullptr ? " (label " + key + " is missing)" : " (" + key + "=" + Quoted(*value) + ")");
  }
  for (const auto& [key, pattern] : exclude_labels_) {
    const std::string* value = labels.Find(key);
    if (!LabelMatches(pattern, value)) continue;
    return Rule("exclude_labels", key, pattern) + " (" + key + "=" + Quoted(*value) + ")";
  }
  return {};
}

}  // namespace logcap
