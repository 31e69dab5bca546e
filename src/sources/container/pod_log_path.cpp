#include "sources/container/pod_log_path.h"

#include <array>
#include <string>

namespace logcap {

namespace {

Status Invalid(std::string_view path, std::string_view what) {
  return Status::InvalidArgument("not a Kubernetes pod log path (<namespace>_<pod>_<uid>/<container>/<restart>.log): \"" +
                                 std::string(path) + "\": " + std::string(what));
}

}  // namespace

Status ParsePodLogPath(std::string_view path, PodLogPath* out) {
  // The last three components: file, container, pod directory.
  std::string_view rest = path;
  std::array<std::string_view, 3> c;
  for (size_t i = 0; i < c.size(); ++i) {
    const size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos && i + 1 < c.size()) return Invalid(path, "fewer than three components");
    c[i] = slash == std::string_view::npos ? rest : rest.substr(slash + 1);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(0, slash);
  }
  const std::string_view file = c[0], container = c[1], pod_dir = c[2];

  constexpr std::string_view kSuffix = ".log";
  if (file.size() <= kSuffix.size() || !file.ends_with(kSuffix)) {
    return Invalid(path, "the file name must be <restart count>.log");
  }
  const std::string_view digits = file.substr(0, file.size() - kSuffix.size());
  uint64_t restart = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return Invalid(path, "the file name must be <restart count>.log");
    restart = restart * 10 + static_cast<uint64_t>(ch - '0');
    if (restart > UINT32_MAX) return Invalid(path, "the restart count is too large");
  }
  if (container.empty()) return Invalid(path, "empty container name");

  const size_t first = pod_dir.find('_');
  const size_t last = pod_dir.rfind('_');
  if (first == std::string_view::npos || first == last) {
    return Invalid(path, "the pod directory must be <namespace>_<pod>_<uid>");
  }
  if (pod_dir.find('_', first + 1) != last) {
    return Invalid(path, "the pod directory holds more than two '_'");
  }
  const std::string_view ns = pod_dir.substr(0, first);
  const std::string_view pod = pod_dir.substr(first + 1, last - first - 1);
  const std::string_view uid = pod_dir.substr(last + 1);
  if (ns.empty() || pod.empty() || uid.empty()) {
    return Invalid(path, "empty namespace, pod or uid in the pod directory");
  }

  out->namespace_name = ns;
  out->pod = pod;
  out->uid = uid;
  out->container = container;
  out->restart_count = static_cast<uint32_t>(restart);
  return Status::Ok();
}

}  // namespace logcap
