#include "config/semantic_checks.h"

#include <array>
#include <string>

namespace logcap {
namespace {

struct Component {
  std::string_view name;  // section path
  bool enabled;
};

bool AnyInvalid(const LoadContext& ctx, std::initializer_list<std::string_view> paths) {
  for (std::string_view path : paths) {
    if (ctx.IsInvalid(path)) return true;
  }
  return false;
}

// sockaddr_un::sun_path on Linux holds 108 bytes, the terminating NUL included.
constexpr size_t kMaxUnixSocketPath = 108;

void CheckContainerMonitor(const Config& config, LoadContext& ctx) {
  const ContainerMonitorConfig& c = config.container_monitor;
  if (!c.enabled) return;
  const std::string& socket = c.docker_socket;
  if (!socket.empty() && !ctx.IsInvalid("container_monitor.docker_socket")) {
    const bool unix_url = socket.rfind("unix://", 0) == 0 && socket.size() > 7 && socket[7] == '/';
    const size_t path_length = unix_url ? socket.size() - 7 : socket.size();
    if (!unix_url && socket[0] != '/') {
      ctx.AddError(ctx.Locate({"container_monitor.docker_socket"}),
                   "container_monitor.docker_socket must be a unix socket (unix:///var/run/docker.sock or an "
                   "absolute path), or empty to read metadata from config.v2.json only; got \"" + socket + "\"");
    } else if (path_length >= kMaxUnixSocketPath) {
      ctx.AddError(ctx.Locate({"container_monitor.docker_socket"}),
                   "container_monitor.docker_socket: a unix socket path must be shorter than " +
                       std::to_string(kMaxUnixSocketPath) + " bytes; got " + std::to_string(path_length));
    }
  }
  if (!c.include_stdout && !c.include_stderr) {
    ctx.AddError(ctx.Locate({"container_monitor.include_stderr", "container_monitor.include_stdout", "container_monitor"}),
                 "container_monitor captures nothing with include_stdout and include_stderr both false");
  }
}

void CheckSourcesEnabled(const Config& config, LoadContext& ctx) {
  if (config.file_monitor.enabled || config.container_monitor.enabled || config.kafka_input.enabled) return;
  if (AnyInvalid(ctx, {"file_monitor", "file_monitor.enabled", "container_monitor", "container_monitor.enabled",
                       "kafka_input", "kafka_input.enabled"})) {
    return;
  }
  ctx.AddError(ctx.Locate({"file_monitor.enabled", "file_monitor", "container_monitor.enabled", "kafka_input.enabled"}),
               "no source is enabled: set file_monitor.enabled: true and list the files in file_monitor.include "
               "(or enable container_monitor or kafka_input)");
}

void CheckSinksEnabled(const Config& config, LoadContext& ctx) {
  const SinksConfig& sinks = config.sinks;
  if (sinks.local_file.enabled || sinks.http.enabled || sinks.stdout_sink.enabled || sinks.null_sink.enabled || sinks.loki.enabled ||
      sinks.kafka.enabled) {
    return;
  }
  if (AnyInvalid(ctx, {"sinks", "sinks.loki", "sinks.loki.enabled", "sinks.kafka", "sinks.kafka.enabled",
                       "sinks.local_file", "sinks.local_file.enabled", "sinks.http", "sinks.http.enabled",
                       "sinks.stdout", "sinks.stdout.enabled", "sinks.null", "sinks.null.enabled"})) {
    return;
  }
  ctx.AddError(ctx.Locate({"sinks"}),
               "no sink is enabled: set enabled: true under at least one of sinks.loki, sinks.kafka, "
               "sinks.local_file, sinks.http, sinks.stdout or sinks.null");
}

void CheckFileMonitor(const Config& config, LoadContext& ctx) {
  if (!config.file_monitor.enabled || !config.file_monitor.include.empty()) return;
  if (AnyInvalid(ctx, {"file_monitor.include"})) return;
  ctx.AddError(ctx.Locate({"file_monitor.include", "file_monitor.enabled", "file_monitor"}),
               "file_monitor is enabled but file_monitor.include is empty; list at least one glob, e.g. "
               "[\"/var/log/*.log\"]");
}

// A list that must not be empty when its component is enabled.
void CheckNotEmpty(bool enabled, const StringList& list, const std::string& key, const char* example, LoadContext& ctx) {
  if (!enabled || !list.empty() || AnyInvalid(ctx, {key})) return;
  ctx.AddError(ctx.Locate({key}), key + " is empty; list at least one, e.g. " + example);
}

void CheckKafka(const Config& config, LoadContext& ctx) {
  CheckNotEmpty(config.sinks.kafka.enabled, config.sinks.kafka.brokers, "sinks.kafka.brokers", "[\"kafka-1:9092\"]", ctx);
  CheckNotEmpty(config.kafka_input.enabled, config.kafka_input.brokers, "kafka_input.brokers", "[\"kafka-1:9092\"]", ctx);
  CheckNotEmpty(config.kafka_input.enabled, config.kafka_input.topics, "kafka_input.topics", "[logs]", ctx);
}

void CheckDiskBuffer(const Config& config, LoadContext& ctx) {
  const DiskBufferConfig& buffer = config.disk_buffer;
  if (!buffer.enabled || buffer.max_file_size <= buffer.max_total_size) return;
  if (AnyInvalid(ctx, {"disk_buffer.max_file_size", "disk_buffer.max_total_size"})) return;
  ctx.AddError(ctx.Locate({"disk_buffer.max_file_size", "disk_buffer.max_total_size", "disk_buffer"}),
               "disk_buffer.max_file_size must not be larger than disk_buffer.max_total_size");
}

void CheckMetricsPath(const Config& config, LoadContext& ctx) {
  const std::string& path = config.metrics.path;
  if (path.empty() || path.front() == '/' || AnyInvalid(ctx, {"metrics.path"})) return;
  ctx.AddError(ctx.Locate({"metrics.path", "metrics"}), "metrics.path must start with '/', got '" + path + "'");
}

}  // namespace

void CheckSemantics(const Config& config, LoadContext& ctx) {
  if (ctx.IsInvalid("")) return;  // the document is not even a map: nothing else is meaningful
  CheckContainerMonitor(config, ctx);
  CheckSourcesEnabled(config, ctx);
  CheckSinksEnabled(config, ctx);
  CheckFileMonitor(config, ctx);
  CheckKafka(config, ctx);
  CheckDiskBuffer(config, ctx);
  CheckMetricsPath(config, ctx);
}

}  // namespace logcap
