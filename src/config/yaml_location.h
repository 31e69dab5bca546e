// Conversion of yaml-cpp positions (0-based, -1 when unknown) to our 1-based SourceLocation.
// Internal to src/config; the public loader.h stays free of yaml-cpp types.
#pragma once

#include <yaml-cpp/yaml.h>

#include "config/load_context.h"

namespace logcap {

inline SourceLocation LocationOf(const YAML::Mark& mark) {
  if (mark.line < 0) return SourceLocation{};
  return SourceLocation{mark.line + 1, mark.column < 0 ? 0 : mark.column + 1};
}

inline SourceLocation LocationOf(const YAML::Node& node) { return LocationOf(node.Mark()); }

// "a map", "a list", "nothing" or the quoted scalar text: what a value turned out to be.
inline std::string DescribeNode(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  return "nothing";
}

}  // namespace logcap
