// ParsePodLogPath: what the kubelet's log path says about a container.
//
// The kubelet puts each container's CRI log at
//   /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log
// e.g. /var/log/pods/shop_web-7d4b9c_0f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b/nginx/0.log.
// Only the last three components are read, so the same files under another mount point
// (/host/var/log/pods/...) parse alike. Namespaces and pod names never contain '_' (they are DNS
// names); uids contain '-' but no '_'. So the directory must hold exactly two '_' with a non-empty
// part on each side. <restart> is the container's restart count, decimal.
//
// Rejected with Status::InvalidArgument naming the problem: fewer than three components, a
// directory without exactly two '_' or with an empty part, an empty container name, a file name
// that is not "<digits>.log" (the kubelet's rotated copies "0.log.20261124-070000[.gz]" included),
// a restart count beyond 32 bits.
//
// Pure function: no allocation unless it fails; the views point into the path.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace logcap {

struct PodLogPath {
  std::string_view namespace_name;
  std::string_view pod;
  std::string_view uid;
  std::string_view container;
  uint32_t restart_count = 0;
};

Status ParsePodLogPath(std::string_view path, PodLogPath* out);

}  // namespace logcap
