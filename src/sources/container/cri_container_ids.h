// Container ids for Kubernetes CRI log files, from the kubelet's symlinks.
//
// A CRI log path (/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log, see
// pod_log_path.h) names the pod and container but not the container's runtime id. The kubelet
// keeps, for each container it runs, a symlink
//   /var/log/containers/<pod>_<namespace>_<container>-<id>.log
//     -> /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log
// whose name carries the id (64 lowercase hex). Kubernetes names never contain '_' (namespaces and
// pods are DNS subdomains, containers DNS labels) but may contain '-' and (pods) '.', so the name
// is split as: the id is the 64 hex characters right before ".log", preceded by '-'; the pod is
// everything before the first '_', the namespace lies between the first and the second '_', the
// container between the second '_' and that '-'. A name with another number of '_' or an empty
// part does not match.
//
// Mount points: an agent often sees the host's /var/log elsewhere (/host/var/log), while the
// kubelet's targets are absolute host paths (/var/log/pods/...). So besides the target itself,
// ReadCriContainerIds maps the target as it appears next to the links: when the links directory
// is <root>/containers and the target ends with "pods/<namespace>_<pod>_<uid>/<container>/<file>",
// it also maps <root>/pods/<namespace>_<pod>_<uid>/<container>/<file> (the kubelet keeps both
// directories side by side under its log root).
//
// Failure: none reported. A missing or unreadable directory (or "") gives an empty map; entries
// whose name does not match, that are not symlinks, or whose link cannot be read are skipped.
// Never throws (but for allocation failure).
//
// Cost: ReadCriContainerIds lists the directory and reads one link per matching entry (one entry
// per container on the node, a few hundred at most); meant for when a CRI log file is discovered,
// not per line. The other two functions are pure and cheap.
//
// Threading: no shared state; call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace logcap {

// Reads dir (e.g. /var/log/containers): for each entry named like above that is a symlink, maps the
// lexically normalised absolute target (a relative target is resolved against dir, a relative dir
// against the working directory), and its re-rooted form (see above) when that differs, to the id.
// Two links to the same target: one of them wins (the kubelet never makes such links).
std::unordered_map<std::string, std::string> ReadCriContainerIds(const std::string& dir);

// Where the kubelet's links for a CRI log path live: the sibling "containers" of the directory
// holding the <namespace>_<pod>_<uid> directories.
//   /var/log/pods/ns_pod_uid/c/0.log       -> /var/log/containers
//   /host/var/log/pods/ns_pod_uid/c/0.log  -> /host/var/log/containers
// The path is normalised lexically first (repeated '/', "." and ".."). "" when it has fewer than
// four components (no directory above the pod directory).
std::string CriLinksDirFor(std::string_view cri_log_path);

// Parses a link name ("web-7d4b9c-x2x9q_shop_nginx-<64 hex>.log"); false if it does not match
// (the outputs are then unspecified). Outputs may be null.
bool ParseCriLinkName(std::string_view name, std::string* pod, std::string* ns, std::string* container,
                      std::string* id);

}  // namespace logcap
