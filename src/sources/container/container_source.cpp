#include "sources/container/container_source.h"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "core/json_object.h"
#include "sources/container/container_tail_profile.h"
#include "sources/container/docker_engine_watcher.h"
#include "sources/container/self_identity.h"
#include "sources/file/file_source.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {

// Docker cuts lines at 16 KiB, and JSON escaping can make a record a few times longer: records
// are read whole up to this size even when max_line_size is smaller.
constexpr uint64_t kMinRecordSize = 1 << 20;

}  // namespace

FileMonitorConfig ContainerFileConfig(const ContainerMonitorConfig& config) {
  FileMonitorConfig files;
  files.enabled = true;
  files.include.clear();  // not the file monitor's default globs: only the container layouts
  files.exclude.clear();
  files.labels.clear();
  std::string root = config.docker_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (!root.empty()) files.include.push_back(root + "/*/*-json.log");
  for (const std::string& glob : config.cri_include) files.include.push_back(glob);
  files.read_from = config.read_from;
  files.max_line_size = std::max(config.max_line_size + config.max_line_size / 4, kMinRecordSize);
  files.partial_line_timeout = config.partial_line_timeout;
  files.scan_interval = config.scan_interval;
  // Runtimes delete rotated files soon after (docker: max-file; kubelet: compression): keep reading
  // a rotated file only until its end.
  files.rotate_wait = std::chrono::seconds(1);
  return files;
}

ContainerSource::ContainerSource(std::string name, ContainerMonitorConfig config, std::string positions_directory,
                                 Duration positions_flush_interval, MultilineLookup multiline)
    : name_(std::move(name)),
      config_(std::move(config)),
      positions_directory_(std::move(positions_directory)),
      positions_flush_interval_(positions_flush_interval),
      multiline_(std::move(multiline)) {}

ContainerSource::ContainerSource(std::string name, ContainerMonitorConfig config, std::string positions_directory,
                                 Duration positions_flush_interval, const SelfIdentity& self,
                                 MultilineLookup multiline)
    : ContainerSource(std::move(name), std::move(config), std::move(positions_directory), positions_flush_interval,
                      std::move(multiline)) {
  self_ = std::make_unique<SelfIdentity>(self);
}

ContainerSource::~ContainerSource() {
  Stop();
}

Status ContainerSource::Start(const SourceContext& context) {
  if (files_) return Status::Aborted("container source " + name_ + " already started");
  Metrics* metrics = context.metrics;
  if (metrics == nullptr) {
    own_metrics_ = std::make_unique<Metrics>();
    metrics = own_metrics_.get();
  }
  if (!self_) self_ = std::make_unique<SelfIdentity>(DetectSelfIdentity());
  if (!self_->container_ids.empty() || !self_->pod_uid.empty()) {
    spdlog::info("container source {}: the agent runs in container {}{}; its own logs are not captured", name_,
                 self_->container_ids.empty() ? std::string("?") : self_->container_ids.front().substr(0, 12),
                 self_->pod_uid.empty() ? std::string() : " of pod " + self_->pod_uid);
  }
  if (!config_.docker_socket.empty()) {
    DockerEngineWatcher::Options options;
    options.socket = config_.docker_socket;
    // The callback runs on the watcher's thread, which starts after files_ is set.
    engine_ = std::make_unique<DockerEngineWatcher>(std::move(options), [this](const std::string&) {
      if (files_) files_->RequestRescan();
    });
  }
  profile_ = std::make_shared<ContainerTailProfile>(name_, config_, *self_, engine_.get(), metrics);
  FileMonitorConfig file_config = ContainerFileConfig(config_);
  // read_from: end is for the very first start only. Once positions were saved, a container that
  // started while the agent was down is read whole: its lines were written after the agent's last
  // look, and skipping them would lose them.
  std::error_code ignored;
  if (file_config.read_from == "end" && !positions_directory_.empty() &&
      std::filesystem::exists(positions_directory_ + "/" + kPositionsFile, ignored)) {
    file_config.read_from = "beginning";
  }
  files_ = std::make_unique<FileSource>(name_, std::move(file_config), positions_directory_, kPositionsFile,
                                        positions_flush_interval_, profile_, multiline_);
  SourceContext file_context = context;
  file_context.metrics = metrics;
  Status s = files_->Start(file_context);
  if (!s.ok()) return s;
  if (engine_) {
    Status e = engine_->Start();
    if (!e.ok()) {
      // The profile holds a pointer to the watcher: keep it, unstarted (its cache stays empty).
      spdlog::warn("container source {}: Docker Engine API not used: {}", name_, e.ToString());
    }
  }
  return Status::Ok();
}

void ContainerSource::Stop() {
  if (engine_) engine_->Stop();
  if (files_) files_->Stop();
}

Status ContainerSource::Finish() {
  Stop();
  return files_ ? files_->Finish() : Status::Ok();
}

std::string ContainerSource::StatsJson() const {
  JsonObject out;
  if (files_) out.AddRaw("files", files_->StatsJson());
  if (profile_) {
    auto v = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    const auto& s = profile_->stats();
    const auto& d = profile_->decode_stats();
    out.AddRaw("containers", JsonObject()
                                 .Add("docker_files", v(s.docker_files))
                                 .Add("cri_files", v(s.cri_files))
                                 .Add("skipped_filtered", v(s.filtered))
                                 .Add("skipped_self", v(s.self))
                                 .Add("skipped_unknown_layout", v(s.unknown_layout))
                                 .Add("without_metadata", v(s.without_metadata))
                                 .Add("malformed_records", v(d.malformed))
                                 .Add("joined_lines", v(d.joined_lines))
                                 .Add("truncated_lines", v(d.truncated))
                                 .Add("filtered_stream_lines", v(d.filtered_lines))
                                 .Take());
  }
  if (engine_) {
    const DockerEngineWatcher::Stats e = engine_->stats();
    out.AddRaw("docker_api", JsonObject()
                                 .Add("connected", e.connected)
                                 .Add("connects", e.connects)
                                 .Add("disconnects", e.disconnects)
                                 .Add("events", e.events)
                                 .Add("request_errors", e.request_errors)
                                 .Add("containers", e.containers)
                                 .Take());
  }
  return out.Take();
}

ComponentHealth ContainerSource::Health() const {
  ComponentHealth h;
  if (engine_) {
    // The API is optional: logs flow without it, so it never makes the agent unhealthy.
    h.detail_json = JsonObject()
                        .AddString("docker_api", engine_->connected() ? "connected" : "unreachable")
                        .AddString("docker_socket", config_.docker_socket)
                        .Take();
  }
  return h;
}

size_t ContainerSource::OpenFilesForTest() const { return files_ ? files_->OpenFilesForTest() : 0; }

}  // namespace logcap
