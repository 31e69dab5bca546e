#include "sources/container/container_tail_profile.h"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "buffer/file_util.h"
#include "sources/container/cri_container_ids.h"
#include "sources/container/docker_engine_watcher.h"
#include "sources/container/pod_log_path.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {

constexpr size_t kMaxConfigBytes = 4 << 20;     // config.v2.json is a few KiB
constexpr Nanos kLinksRereadGap = kNanosPerSecond;  // re-read /var/log/containers at most this often
constexpr size_t kMaxRemembered = 10000;         // bound of the per-container bookkeeping sets

// Docker labels the kubelet (through cri-dockerd or dockershim) puts on a pod's containers, and the
// event labels a CRI log of the same container would have.
constexpr std::pair<std::string_view, std::string_view> kKubernetesDockerLabels[] = {
    {"io.kubernetes.pod.namespace", "namespace"},
    {"io.kubernetes.pod.name", "pod"},
    {"io.kubernetes.container.name", "container"},
};

std::map<std::string, std::string> ToMap(const StringMap& m) { return std::map<std::string, std::string>(m.begin(), m.end()); }

void SetIfNotEmpty(Labels& labels, std::string_view key, std::string_view value) {
  if (!value.empty()) labels.Set(key, value);
}

std::shared_ptr<const SourceInfo> WithStream(const SourceInfo& base, std::string_view stream) {
  auto info = std::make_shared<SourceInfo>(base);
  if (!stream.empty()) info->labels.Set("stream", stream);
  return info;
}

}  // namespace

ContainerTailProfile::ContainerTailProfile(std::string component, const ContainerMonitorConfig& config,
                                           SelfIdentity self, const DockerEngineWatcher* engine, Metrics* metrics)
    : component_(std::move(component)),
      config_(config),
      self_(std::move(self)),
      engine_(engine),
      filter_(config.include_names, config.exclude_names, ToMap(config.include_labels), ToMap(config.exclude_labels)),
      docker_root_(config.docker_root),
      shared_(std::make_shared<ContainerDecodeShared>()) {
  while (docker_root_.size() > 1 && docker_root_.back() == '/') docker_root_.pop_back();
  for (const auto& [key, value] : config.labels) static_labels_.Set(key, value);
  shared_->include_stdout = config.include_stdout;
  shared_->include_stderr = config.include_stderr;
  shared_->max_line_size = static_cast<size_t>(std::max<uint64_t>(config.max_line_size, 1));
  shared_->source_name = component_;
  if (metrics != nullptr) {
    shared_->malformed_docker = &metrics->ContainerMalformedRecords(component_, "docker");
    shared_->malformed_cri = &metrics->ContainerMalformedRecords(component_, "cri");
    skipped_filtered_ = &metrics->ContainerFilesSkipped(component_, "filtered");
    skipped_self_ = &metrics->ContainerFilesSkipped(component_, "self");
    skipped_unknown_ = &metrics->ContainerFilesSkipped(component_, "unknown_layout");
  }
}

bool ContainerTailProfile::IsDockerLogPath(const std::string& path, std::string* id) const {
  if (path.size() <= docker_root_.size() + 1 || path.compare(0, docker_root_.size(), docker_root_) != 0 ||
      path[docker_root_.size()] != '/') {
    return false;
  }
  std::string_view rest = std::string_view(path).substr(docker_root_.size() + 1);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  std::string_view dir = rest.substr(0, slash);
  std::string_view file = rest.substr(slash + 1);
  constexpr std::string_view kSuffix = "-json.log";
  if (file.size() != dir.size() + kSuffix.size() || file.substr(0, dir.size()) != dir ||
      file.substr(dir.size()) != kSuffix) {
    return false;
  }
  id->assign(dir);
  return true;
}

FileAdmission ContainerTailProfile::Admit(const std::string& path, bool rotated) {
  std::string id;
  if (IsDockerLogPath(path, &id)) return AdmitDocker(path, id, rotated);
  PodLogPath pod;
  if (ParsePodLogPath(path, &pod).ok()) return AdmitCri(path, rotated);
  stats_.unknown_layout.fetch_add(1, std::memory_order_relaxed);
  if (skipped_unknown_ != nullptr) skipped_unknown_->Increment();
  spdlog::warn("container source {}: {} is neither a Docker json-file log (<docker_root>/<id>/<id>-json.log) nor a "
               "CRI log (.../<namespace>_<pod>_<uid>/<container>/<n>.log); not reading it",
               component_, path);
  FileAdmission skip;
  skip.verdict = FileAdmission::Verdict::kSkip;
  return skip;
}

FileAdmission ContainerTailProfile::AdmitDocker(const std::string& path, const std::string& id, bool rotated) {
  if (self_.IsSelfContainer(id)) return Skip(id, "self", "it is the agent's own container");

  std::shared_ptr<const DockerContainerConfig> meta = engine_ != nullptr ? engine_->Lookup(id) : nullptr;
  if (meta == nullptr) {
    const std::string config_path = docker_root_ + "/" + id + "/config.v2.json";
    std::string text;
    Status read = fileutil::ReadFile(config_path, &text);
    auto parsed = std::make_shared<DockerContainerConfig>();
    Status status = read.ok() && text.size() <= kMaxConfigBytes ? ParseDockerContainerConfig(text, parsed.get()) : read;
    if (status.ok()) {
      meta = std::move(parsed);
    } else {
      const Nanos now = MonotonicNowNanos();
      auto [it, fresh] = first_seen_.emplace(id, now);
      if (!rotated && now - it->second < kMetadataGrace) return FileAdmission{FileAdmission::Verdict::kLater, {}, {}};
      first_seen_.erase(id);
      stats_.without_metadata.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("container source {}: no metadata for container {} ({}; the Engine API does not know it either); "
                   "reading its log with the id only",
                   component_, id, status.ToString());
    }
  }
  first_seen_.erase(id);
  if (first_seen_.size() > kMaxRemembered) first_seen_.clear();

  const std::string name = meta != nullptr ? meta->name : std::string();
  const Labels no_labels;
  const std::string_view names[] = {name};
  if (!filter_.Accepts(names, meta != nullptr ? meta->labels : no_labels)) {
    return Skip(id, "filtered", filter_.Explain(names, meta != nullptr ? meta->labels : no_labels));
  }

  auto base = std::make_shared<SourceInfo>();
  base->type = "docker";
  base->id = id;
  base->name = name.empty() ? id.substr(0, 12) : name;
  base->component = component_;
  base->labels = static_labels_;
  if (meta != nullptr) {
    SetIfNotEmpty(base->labels, "container_name", meta->name);
    SetIfNotEmpty(base->labels, "image", meta->image);
    SetIfNotEmpty(base->labels, "compose_project", meta->compose_project);
    SetIfNotEmpty(base->labels, "compose_service", meta->compose_service);
    // Kubernetes on Docker (cri-dockerd) labels its containers with the pod they belong to.
    for (const auto& [label, key] : kKubernetesDockerLabels) {
      if (const std::string* value = meta->labels.Find(label)) SetIfNotEmpty(base->labels, key, *value);
    }
  }
  stats_.docker_files.fetch_add(1, std::memory_order_relaxed);
  return Open(ContainerLogFormat::kDocker, path, std::move(base));
}

FileAdmission ContainerTailProfile::AdmitCri(const std::string& path, bool rotated) {
  PodLogPath pod;
  (void)ParsePodLogPath(path, &pod);  // checked by Admit
  const std::string id = CriContainerId(path);
  if (id.empty() && !rotated) {
    // The kubelet makes a container's link only after the runtime started it, so a new log file is
    // often seen before its link: wait a little for the id, where the node has the links at all.
    std::error_code ignored;
    const std::string links = CriLinksDirFor(path);
    if (!links.empty() && std::filesystem::is_directory(links, ignored)) {
      const Nanos now = MonotonicNowNanos();
      auto [it, fresh] = first_seen_.emplace(path, now);
      if (now - it->second < kMetadataGrace) return FileAdmission{FileAdmission::Verdict::kLater, {}, {}};
    }
  }
  first_seen_.erase(path);
  if (first_seen_.size() > kMaxRemembered) first_seen_.clear();
  const std::string qualified =
      std::string(pod.namespace_name) + "/" + std::string(pod.pod) + "/" + std::string(pod.container);
  if ((!id.empty() && self_.IsSelfContainer(id)) || self_.IsSelfPod(pod.uid)) {
    return Skip(qualified, "self", "it is the agent's own pod");
  }
  Labels labels;
  labels.Set("namespace", pod.namespace_name);
  labels.Set("pod", pod.pod);
  labels.Set("container", pod.container);
  const std::string_view names[] = {pod.container, qualified};
  if (!filter_.Accepts(names, labels)) return Skip(qualified, "filtered", filter_.Explain(names, labels));

  auto base = std::make_shared<SourceInfo>();
  base->type = "cri";
  base->id = id.empty() ? qualified : id;
  base->name = std::string(pod.container);
  base->component = component_;
  base->labels = static_labels_;
  base->labels.Merge(labels);
  stats_.cri_files.fetch_add(1, std::memory_order_relaxed);
  return Open(ContainerLogFormat::kCri, path, std::move(base));
}

FileAdmission ContainerTailProfile::Open(ContainerLogFormat format, const std::string& path,
                                         std::shared_ptr<SourceInfo> base) {
  ContainerSources sources;
  sources.stdout_info = WithStream(*base, "stdout");
  sources.stderr_info = WithStream(*base, "stderr");
  sources.raw_info = base;
  FileAdmission admission;
  admission.verdict = FileAdmission::Verdict::kOpen;
  admission.info = base;
  admission.decoder = std::make_unique<ContainerLogDecoder>(format, shared_, sources, path);
  return admission;
}

FileAdmission ContainerTailProfile::Skip(const std::string& container, const std::string& reason,
                                         const std::string& why) {
  if (reason == "self") {
    stats_.self.fetch_add(1, std::memory_order_relaxed);
    if (skipped_self_ != nullptr) skipped_self_->Increment();
  } else {
    stats_.filtered.fetch_add(1, std::memory_order_relaxed);
    if (skipped_filtered_ != nullptr) skipped_filtered_->Increment();
  }
  if (logged_skips_.size() > kMaxRemembered) logged_skips_.clear();
  if (logged_skips_.insert(container).second) {
    spdlog::info("container source {}: not capturing container {}: {}", component_, container, why);
  }
  FileAdmission skip;
  skip.verdict = FileAdmission::Verdict::kSkip;
  return skip;
}

std::string ContainerTailProfile::CriContainerId(const std::string& path) {
  const std::string dir = CriLinksDirFor(path);
  if (dir.empty()) return {};
  auto links = cri_links_.find(dir);
  if (links != cri_links_.end()) {
    auto hit = links->second.find(path);
    if (hit != links->second.end()) return hit->second;
  }
  const Nanos now = MonotonicNowNanos();
  Nanos& read_at = cri_links_read_[dir];
  if (links != cri_links_.end() && now - read_at < kLinksRereadGap) return {};
  read_at = now;
  auto& map = cri_links_[dir];
  map = ReadCriContainerIds(dir);
  auto hit = map.find(path);
  return hit != map.end() ? hit->second : std::string();
}

}  // namespace logcap
