// ContainerTailProfile: what each container log file the container source finds is (TailProfile).
//
// The container source is a FileSource whose globs are <docker_root>/*/*-json.log and cri_include;
// for each new file this profile decides:
//   - which container it is, and its metadata:
//       Docker <docker_root>/<id>/<id>-json.log: the Engine API's view when the watcher has the
//         container, else <docker_root>/<id>/config.v2.json; if neither is there yet the answer is
//         kLater for up to kMetadataGrace after the container was first seen, then the file is read
//         with what the path says (the id) and a warning;
//       CRI <...>/pods/<namespace>_<pod>_<uid>/<container>/<n>.log: the path (ParsePodLogPath) and
//         the container id from the kubelet's /var/log/containers links when there is one (the
//         kubelet makes the link just after the container started: where the links directory
//         exists, a file without a link is kLater for up to kMetadataGrace, then read with the id
//         "<namespace>/<pod>/<container>");
//   - whether to read it: never the agent's own container (SelfIdentity), only what the
//     ContainerFilter accepts (names, labels); other files are kSkip, counted and logged once;
//   - its SourceInfos and its ContainerLogDecoder.
// Events: source_type "docker" or "cri", source_id the container id (CRI without a known id:
// "<namespace>/<pod>/<container>"), name the container name, and the labels: the configured static
// labels, then container_name, image, compose_project, compose_service (Docker; and namespace, pod,
// container from the io.kubernetes.* labels of Kubernetes on Docker) or namespace, pod,
// container (CRI), and stream; a metadata value that is empty adds no label.
//
// Metadata is read when a file is opened: a renamed container keeps its old name until Docker
// rotates its log (the new file is admitted again).
//
// Threading: Admit runs on the source's reader thread; stats() from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "config/config.h"
#include "sources/container/container_filter.h"
#include "sources/container/container_log_decoder.h"
#include "sources/container/docker_container_config.h"
#include "sources/container/self_identity.h"
#include "sources/file/tail_profile.h"

namespace logcap {

class DockerEngineWatcher;
class Metrics;

class ContainerTailProfile final : public TailProfile {
 public:
  static constexpr Nanos kMetadataGrace = 3 * kNanosPerSecond;

  struct Stats {
    std::atomic<uint64_t> docker_files{0};    // Docker log files admitted
    std::atomic<uint64_t> cri_files{0};       // CRI log files admitted
    std::atomic<uint64_t> filtered{0};        // files skipped by the filters
    std::atomic<uint64_t> self{0};            // files of the agent's own container
    std::atomic<uint64_t> unknown_layout{0};  // matched a glob but are no container log
    std::atomic<uint64_t> without_metadata{0};  // Docker files read with their id only
  };

  // engine: optional (nullptr: metadata from config.v2.json only); must outlive the profile's use.
  ContainerTailProfile(std::string component, const ContainerMonitorConfig& config, SelfIdentity self,
                       const DockerEngineWatcher* engine, Metrics* metrics);

  FileAdmission Admit(const std::string& path, bool rotated) override;

  const Stats& stats() const { return stats_; }
  const ContainerDecodeShared& decode_stats() const { return *shared_; }

 private:
  FileAdmission AdmitDocker(const std::string& path, const std::string& id, bool rotated);
  FileAdmission AdmitCri(const std::string& path, bool rotated);
  FileAdmission Open(ContainerLogFormat format, const std::string& path, std::shared_ptr<SourceInfo> base);
  FileAdmission Skip(const std::string& path, const std::string& reason, const std::string& why);
  // The container id the kubelet's links give for a CRI log path, or "".
  std::string CriContainerId(const std::string& path);
  // <docker_root>/<id>/<id>-json.log: true with *id set.
  bool IsDockerLogPath(const std::string& path, std::string* id) const;

  const std::string component_;
  const ContainerMonitorConfig config_;
  const SelfIdentity self_;
  const DockerEngineWatcher* const engine_;
  const ContainerFilter filter_;
  std::string docker_root_;  // without trailing '/'
  Labels static_labels_;
  std::shared_ptr<ContainerDecodeShared> shared_;
  prometheus::Counter* skipped_filtered_ = nullptr;
  prometheus::Counter* skipped_self_ = nullptr;
  prometheus::Counter* skipped_unknown_ = nullptr;

  // Reader-thread state.
  std::unordered_map<std::string, Nanos> first_seen_;  // Docker ids waiting for metadata, CRI paths for a link
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> cri_links_;  // dir -> target -> id
  std::unordered_map<std::string, Nanos> cri_links_read_;  // dir -> when read
  std::unordered_set<std::string> logged_skips_;           // containers whose skip was logged
  Stats stats_;
};

}  // namespace logcap
