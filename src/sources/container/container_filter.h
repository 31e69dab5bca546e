// ContainerFilter: which containers the container source captures (container_monitor's
// include_names, exclude_names, include_labels and exclude_labels, already parsed and validated by
// the configuration loader). The stream switches (include_stdout, include_stderr) apply per record:
// ContainerLogDecoder applies them.
//
// Names: a container is known by several names; Docker: its name ("web-1", without the leading
// '/'); Kubernetes: its container name ("nginx") and "<namespace>/<pod>/<container>"
// ("shop/web-7d4b9c-x2x9q/nginx"). A name pattern is a glob with GlobMatchSegment's syntax
// (sources/file/glob.h: '*', '?', "[a-z]", '\' escapes) matched against each whole name; it
// matches the container when it matches any of its names. '/' is an ordinary character here:
// "shop/*" matches every container of namespace shop, "*/nginx" every container named nginx.
//
// Labels: a map label -> value pattern. A value pattern "" or "*" asks only that the label exists
// (with any value, empty included); any other value is a glob on the label's value.
//
// A container is accepted when all of these hold:
//   - include_names is empty, or some include pattern matches one of its names;
//   - no exclude pattern matches any of its names;
//   - every include_labels entry matches (an empty map asks nothing);
//   - no exclude_labels entry matches.
// Exclusion wins over inclusion.
//
// Failure: none; every input is a valid filter (a pattern with an unclosed '[' is matched as
// GlobMatchSegment matches it). Never throws (but for allocation failure).
//
// Cost: Accepts is a loop over patterns and names, no allocation; meant once per container, not
// per line. Explain allocates its answer.
//
// Threading: nothing but const methods once built; may be shared between threads. Copyable and
// assignable (a reload builds a new filter).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.h"

namespace logcap {

class ContainerFilter {
 public:
  ContainerFilter(std::vector<std::string> include_names, std::vector<std::string> exclude_names,
                  std::map<std::string, std::string> include_labels,
                  std::map<std::string, std::string> exclude_labels);

  // names: every name the container is known by (see above).
  bool Accepts(std::span<const std::string_view> names, const Labels& labels) const;

  // Why a container is refused, for one log line; "" when it is accepted. The first failing rule,
  // in the order above, e.g.
  //   include_names: no pattern matches "web-1"
  //   exclude_names: web-* matches "web-1"
  //   include_labels: app=api* (label app is missing)
  //   include_labels: app=api* (app="web")
  //   exclude_labels: tier=* (tier="cache")
  // Names and values are quoted as given (not escaped).
  std::string Explain(std::span<const std::string_view> names, const Labels& labels) const;


 private:
  using LabelRules = std::map<std::string, std::string>;

  std::vector<std::string> include_names_;
  std::vector<std::string> exclude_names_;
  LabelRules include_labels_;
  LabelRules exclude_labels_;
};

}  // namespace logcap
