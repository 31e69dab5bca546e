// ContainerSource: container logs read from disk (Source "container_monitor").
//
// Docker's json-file logs (<docker_root>/<id>/<id>-json.log) and Kubernetes CRI logs (cri_include,
// /var/log/pods/*/*/*.log) are files: the source is a FileSource over those globs, so containers are
// discovered as they appear (inotify on the directories, plus a scan every scan_interval), their
// logs are followed through the runtimes' rename rotation (<id>-json.log.1, 0.log.<time>), and
// positions are kept per file in <positions_directory>/container_positions.json: a restart resumes
// and never reads history again, and a container removed while the agent was down is read to the
// end of whatever file remains. A ContainerTailProfile says what each file is (metadata, filters,
// self-exclusion) and gives it a ContainerLogDecoder (records, parts, malformed lines).
//
// The Docker Engine API (docker_socket, optional) only adds metadata: a DockerEngineWatcher keeps
// the daemon's view of every container and asks for a rescan when one starts; logs flow without
// it. /health shows whether it is connected but never fails because of it.
//
// Lifecycle: as every Source (Start, Stop, Finish on the Agent's thread). Start builds the file
// source (it needs the metrics), starts it, then the watcher.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "pipeline/source.h"
#include "processing/multiline_spec.h"

namespace logcap {

class ContainerTailProfile;
class DockerEngineWatcher;
class FileSource;
struct SelfIdentity;

class ContainerSource : public Source {
 public:
  static constexpr const char* kPositionsFile = "container_positions.json";

  // multiline (optional): asked with each stream's SourceInfo of each log file opened whether its
  // pipeline starts with a multiline step; such streams are joined as they are read (after the
  // runtime's parts are joined), stdout and stderr separately.
  ContainerSource(std::string name, ContainerMonitorConfig config, std::string positions_directory,
                  Duration positions_flush_interval, MultilineLookup multiline = nullptr);
  // For tests: who the agent is (instead of /proc/self and the host name).
  ContainerSource(std::string name, ContainerMonitorConfig config, std::string positions_directory,
                  Duration positions_flush_interval, const SelfIdentity& self, MultilineLookup multiline = nullptr);
  ~ContainerSource() override;

  const std::string& name() const override { return name_; }
  Status Start(const SourceContext& context) override;
  void Stop() override;
  Status Finish() override;
  std::string StatsJson() const override;
  ComponentHealth Health() const override;

  // For tests.
  size_t OpenFilesForTest() const;

 private:
  const std::string name_;
  const ContainerMonitorConfig config_;
  const std::string positions_directory_;
  const Duration positions_flush_interval_;
  const MultilineLookup multiline_;
  std::unique_ptr<SelfIdentity> self_;
  std::unique_ptr<Metrics> own_metrics_;
  std::unique_ptr<DockerEngineWatcher> engine_;
  std::shared_ptr<ContainerTailProfile> profile_;
  std::unique_ptr<FileSource> files_;
};

// The FileMonitorConfig of the file source underneath: the globs of both layouts, and the reading
// settings (a record may be longer than the longest line: it is JSON-escaped).
FileMonitorConfig ContainerFileConfig(const ContainerMonitorConfig& config);

}  // namespace logcap
