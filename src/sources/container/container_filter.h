// ContainerFilter: which containers, and which of their streams, the container source captures
// (container_monitor's include_names, exclude_names, include_labels, exclude_labels and stream
// switches, already parsed and validated by the configuration loader).
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
// Exclusion wins over inclusion. Streams: stdout is captured when include_stdout, stderr when
// include_stderr; a filter that takes neither captures nothing (accepts_any_stream() is false and
// the caller need not open the logs at all).
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
#include "sources/container/container_stream.h"

namespace logcap {

class ContainerFilter {
 public:
  ContainerFilter(std::vector<std::string> include_names, std::vector<std::string> exclude_names,
                  std::map<std::string, std::string> include_labels,
                  std::map<std::string, std::string> exclude_labels, bool include_stdout,
                  bool include_stderr);

  // names: every name the container is known by (see above).
  bool Accepts(std::span<const std::string_view> names, const Labels& labels) const;
  bool AcceptsStream(ContainerStream stream) const;
  bool accepts_any_stream() const { return include_stdout_ || include_stderr_; }

  // Why a container is refused, for one log line; "" when it is accepted. The first failing rule,
  // in the order above, e.g.
  //   include_names: no pattern matches "web-1"
  //   exclude_names: web-* matches "web-1"
  //   include_labels: app=api* (label app is missing)
  //   include_labels: app=api* (app="web")
  //   exclude_labels: tier=* (tier="cache")
  // Names and values are quoted as given (not escaped).
  std::string Explain(std::span<const std::string_view> names, const Labels& labels) const;

  // True when no rule refuses any container (both name lists and both label maps are empty).
  bool accepts_all_containers() const {
    return include_names_.empty() && exclude_names_.empty() && include_labels_.empty() && exclude_labels_.empty();
  }

 private:
  using LabelRules = std::map<std::string, std::string>;

  std::vector<std::string> include_names_;
  std::vector<std::string> exclude_names_;
  LabelRules include_labels_;
  LabelRules exclude_labels_;
  bool include_stdout_;
  bool include_stderr_;
};

}  // namespace logcap
