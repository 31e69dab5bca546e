// SelfIdentity: which container (and Kubernetes pod) the agent itself runs in, so that it never
// captures its own logs (each line it logs would be read back, logged about, and read again).
//
// DetectSelfIdentity(proc_root, hostname) looks in every place below and keeps what it finds:
//  - <proc_root>/self/cgroup, every line "<hierarchy>:<controllers>:<path>" (cgroup v1 and v2 alike).
//    The path's components give the container id and the pod uid:
//      /docker/<id>                                             Docker, cgroupfs driver
//      /kubepods/burstable/pod<uid>/<id>                        Kubernetes, cgroupfs driver
//      /system.slice/docker-<id>.scope                          Docker, systemd driver
//      /kubepods.slice/kubepods-burstable.slice/
//        kubepods-burstable-pod<uid with '_' for '-'>.slice/
//        cri-containerd-<id>.scope | crio-<id>.scope            Kubernetes, systemd driver
//      .../kubepods-pod<uid>.slice:cri-containerd:<id>          containerd's "slice:prefix:id" form
//    i.e. a component (or a ':'-separated part of one), without a ".scope" suffix, that is an id or
//    ends with '-' followed by an id. When a path holds several ids (Docker in Docker), only the
//    last, innermost one is the agent's. A pod uid is a component "pod<uid>" or one ending with
//    "-pod<uid>", without a ".slice" suffix, '_' read as '-'; the uid must be a UUID
//    (8-4-4-4-12 lowercase hex) or 32 lowercase hex (a static pod's config hash).
//    A private cgroup namespace (Docker's default on cgroup v2) shows only "0::/": nothing to find.
//  - <proc_root>/self/mountinfo: Docker bind-mounts the files it keeps for a container,
//    <docker root>/containers/<id>/{hostname,hosts,resolv.conf}, onto /etc/hostname, /etc/hosts
//    and /etc/resolv.conf. A mount whose mount point is one of these three and whose root (the
//    path inside the mounted file system, field 4) has a component "containers" followed by an id
//    and a further component gives that id. Mount points are deliberately not searched for ids:
//    an agent that bind-mounts the host's /var/lib/docker recursively sees every other
//    container's ".../containers/<id>/mounts/shm" mount point. containerd's
//    ".../sandboxes/<id>/hostname" names the pod sandbox, not the agent's container: ignored.
//    The kubelet bind-mounts files of the pod's own directory, /var/lib/kubelet/pods/<uid>/etc-hosts
//    onto /etc/hosts and .../pods/<uid>/containers/<name>/<n> onto /dev/termination-log: a mount
//    whose mount point is one of these two and whose root has a component "pods" followed by a
//    pod uid and a further component gives the pod uid (when the cgroup did not). This is what
//    finds the agent's pod on cgroup v2 nodes, where the cgroup namespace hides the pod's cgroup.
//  - the host name (gethostname() unless given): Docker names a container's host after the first
//    12 hex digits of its id unless told otherwise. Used by IsSelfContainer only when no id was
//    found.
// An id is exactly 64 lowercase hex characters. Ids are deduplicated, in the order found.
//
// Failure: none reported. A missing or unreadable file, or lines of another shape, contribute
// nothing (on a host, outside any container, nothing is found). Never throws.
//
// Cost: reads two small /proc files (each capped at 16 MiB); meant for once at start-up.
//
// Threading: SelfIdentity is a plain value, immutable once detected; its const methods may be
// called from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace logcap {

struct SelfIdentity {
  std::vector<std::string> container_ids;  // full 64-hex ids found (deduplicated), usually 0 or 1
  std::string pod_uid;                      // Kubernetes pod uid (with '-'), empty if unknown
  std::string hostname;

  // True if the container with this full id is the agent's own: the id is in container_ids, or
  // (only when no id was found) hostname is exactly 12 lowercase hex characters and id starts
  // with it (Docker's default host name).
  bool IsSelfContainer(std::string_view id) const;

  // For Kubernetes CRI logs, whose paths carry the pod uid but no container id: true if pod_uid is
  // known and equals this pod uid. The whole pod counts as the agent's own: a log agent runs as a
  // DaemonSet whose pod holds the agent only. (An agent run as a sidecar next to an application
  // would skip that application's logs too: run it as a DaemonSet.)
  bool IsSelfPod(std::string_view pod_uid) const;
};

// proc_root: "/proc" normally (tests pass a directory holding self/cgroup and self/mountinfo).
// hostname: "" = gethostname().
SelfIdentity DetectSelfIdentity(const std::string& proc_root = "/proc", std::string hostname = "");

// The pieces DetectSelfIdentity is made of, for tests and diagnostics.
// True for exactly 64 lowercase hex characters.
bool IsFullContainerId(std::string_view id);
// The container id and pod uid one cgroup path (the third field of a /proc/self/cgroup line) names;
// each left empty when absent.
void ParseCgroupPath(std::string_view path, std::string* container_id, std::string* pod_uid);
// The container id one /proc/self/mountinfo line names (see above), or "".
std::string ParseMountInfoLine(std::string_view line);
// The pod uid one /proc/self/mountinfo line names (the kubelet's mounts, see above), or "".
std::string ParseMountInfoPodUid(std::string_view line);

}  // namespace logcap
