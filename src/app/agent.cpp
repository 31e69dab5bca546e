#include "app/agent.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "app/api_routes.h"
#include "core/json_object.h"
#include "app/logging.h"
#include "app/load_config.h"
#include "pipeline/delivery.h"
#include "pipeline/dispatcher.h"
#include "pipeline/processor.h"
#include "processing/pipeline_processor.h"
#include "server/http_server.h"
#include "codec/json_escape.h"
#include "sinks/sink_registry.h"
#include "sources/http/http_ingest_source.h"
#include "sources/source_registry.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {

std::string JsonString(const std::string& s) {
  std::string out;
  AppendJsonString(s, out);
  return out;
}

std::string JsonStringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += JsonString(items[i]);
  }
  return out + "]";
}

}  // namespace

std::string ReloadOutcome::ToJson() const {
  return std::string("{\"status\":") + (ok ? "\"applied\"" : "\"rejected\"") + ",\"errors\":" + JsonStringArray(errors) +
         ",\"applied\":" + JsonStringArray(applied) + ",\"restart_required\":" + JsonStringArray(restart_required) + "}";
}

Agent::Agent(Config config) : config_(std::move(config)), metrics_(std::make_unique<Metrics>()) {}

Agent::~Agent() {
  if (started_ && !stopping_) Stop();
}

uint16_t Agent::http_port() const { return server_ ? server_->port() : 0; }

Status Agent::Start() {
  started_at_ = MonotonicNowNanos();
  std::error_code ec;
  std::filesystem::create_directories(config_.app.data_dir, ec);
  if (ec) {
    return Status::IoError("cannot create app.data_dir " + config_.app.data_dir + ": " + ec.message());
  }

  Status status;
  std::vector<std::unique_ptr<Sink>> sinks = BuildEnabledSinks(config_, metrics_.get(), &status);
  if (!status.ok()) return status;
  status = Delivery::Open(config_, std::move(sinks), metrics_.get(), &delivery_);
  if (!status.ok()) return status;
  status = delivery_->Start();
  if (!status.ok()) return status;

  processors_ = std::make_unique<ProcessorChain>();
  {
    // Already checked by LoadConfig for a config file; an embedded config is checked here.
    ConfigLoadResult checked;
    checked.file = config_.source_path.empty() ? "config" : config_.source_path;
    checked.config = config_;
    std::shared_ptr<const PipelineSet> set = CompileProcessing(checked, *metrics_);
    if (!checked.ok()) {
      std::string problems;
      for (const auto& e : checked.errors) problems += "\n  " + e.ToString();
      return Status::InvalidArgument("processing pipelines:" + problems);
    }
    if (set) pipeline_sets_.push_back(set);
    auto processor = std::make_unique<PipelineProcessor>(std::move(set));
    pipelines_ = processor.get();
    processors_->Add(std::move(processor));
  }
  dispatcher_ = std::make_unique<Dispatcher>(config_.dispatcher, processors_.get(), delivery_->output(), metrics_.get());
  dispatcher_->Start();

  // A file's multiline rule comes from the pipelines in force when it is opened; the decoder copies
  // the spec, and pipeline_sets_ keeps every set alive, so the pointer stays valid for the copy.
  PipelineProcessor* processor = pipelines_;
  MultilineLookup multiline = [processor](const SourceInfo& source) -> const MultilineSpec* {
    std::shared_ptr<const PipelineSet> set = processor->set();
    const Pipeline* pipeline = set ? set->Select(source) : nullptr;
    return pipeline != nullptr ? pipeline->multiline() : nullptr;
  };
  sources_ = BuildEnabledSources(config_, &status, multiline);
  if (!status.ok()) return status;
  if (config_.server.enabled) {  // POST /api/v1/logs is part of the API (CONTRACT §5)
    auto ingest = std::make_unique<HttpIngestSource>();
    ingest->set_wait_for_durable(config_.disk_buffer.enabled);
    ingest_ = ingest.get();
    sources_.push_back(std::move(ingest));
  }
  SourceContext context;
  context.output = dispatcher_.get();
  context.metrics = metrics_.get();
  context.max_batch_events = config_.dispatcher.batch_size;
  for (auto& source : sources_) {
    Status s = source->Start(context);
    if (!s.ok()) return Status::Unavailable("source " + source->name() + ": " + s.ToString());
  }

  Status s = StartServer();
  if (!s.ok()) return s;
  started_ = true;
  ready_ = true;
  spdlog::info("log-capturer {} started: {} source(s), {} sink(s), queue {} events, {} worker(s), disk buffer {}, "
               "dlq {}",
               LOGCAP_VERSION, sources_.size(), delivery_->sink_count(), dispatcher_->capacity(),
               dispatcher_->worker_count(), config_.disk_buffer.enabled ? "on" : "off",
               config_.dlq.enabled ? "on" : "off");
  return Status::Ok();
}

Status Agent::StartServer() {
  if (!config_.server.enabled) return Status::Ok();
  HttpServerOptions options;
  options.host = config_.server.host;
  options.port = static_cast<uint16_t>(config_.server.port);
  options.auth_token = config_.server.auth_token;
  server_ = std::make_unique<HttpServer>(options);
  RegisterApiRoutes(*server_, *this, config_.metrics, ingest_);
  Status s = server_->Start();
  if (!s.ok()) return Status::Unavailable("HTTP API on " + config_.server.host + ":" + std::to_string(config_.server.port) + ": " + s.ToString());
  spdlog::info("HTTP API listening on {}:{}", config_.server.host, server_->port());
  return Status::Ok();
}

bool Agent::Stop() {
  if (stopping_.exchange(true)) return true;
  ready_ = false;
  const Nanos deadline =
      MonotonicNowNanos() + std::chrono::duration_cast<std::chrono::nanoseconds>(config_.app.shutdown_timeout).count();
  spdlog::info("stopping: draining in-flight events (deadline {} ms)", config_.app.shutdown_timeout.count());

  // Sinks and the buffer learn the deadline first, so nothing below can wait past it.
  if (delivery_) delivery_->BeginShutdown(deadline);
  // Refuse new batches (a source blocked in Push is released), then stop reading.
  if (dispatcher_) dispatcher_->CloseInput();
  for (auto& source : sources_) source->Stop();
  // Everything queued goes to the buffer or the sinks, and the sinks deliver it or give up at the
  // deadline; the buffer keeps what is left.
  if (dispatcher_) dispatcher_->Drain();
  bool clean = delivery_ ? delivery_->Finish() : true;

  // Every batch is finalised now: positions cover exactly what is durable or acknowledged.
  for (auto& source : sources_) {
    Status s = source->Finish();
    if (!s.ok()) {
      clean = false;
      spdlog::error("source {}: saving final state failed: {}", source->name(), s.ToString());
    }
  }
  if (server_) server_->Stop();
  spdlog::info("stopped");
  return clean;
}

ReloadOutcome Agent::Reload() {
  std::lock_guard lock(config_mu_);
  ReloadOutcome outcome;
  if (config_.source_path.empty()) {
    outcome.errors.push_back("the agent runs on a built-in configuration: there is no file to reload");
    metrics_->ConfigReloads("rejected").Increment();
    return outcome;
  }
  ConfigLoadResult loaded = LoadConfig(config_.source_path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) outcome.errors.push_back(e.ToString());
    spdlog::error("reload of {} rejected ({} problem(s)); the running configuration is unchanged", config_.source_path,
                  outcome.errors.size());
    for (const auto& e : outcome.errors) spdlog::error("  {}", e);
    metrics_->ConfigReloads("rejected").Increment();
    return outcome;
  }
  Config& next = loaded.config;
  outcome.ok = true;
  // Safe to apply live today: the agent's own log level. Everything else is reported.
  if (next.app.log_level != config_.app.log_level) {
    SetLogLevel(next.app.log_level);
    outcome.applied.push_back("app.log_level=" + next.app.log_level);
    config_.app.log_level = next.app.log_level;
  }
  auto compare = [&](bool same, const char* section) {
    if (!same) outcome.restart_required.push_back(section);
  };
  compare(next.app == config_.app, "app");
  compare(next.server == config_.server, "server");
  compare(next.metrics == config_.metrics, "metrics");
  compare(next.file_monitor == config_.file_monitor, "file_monitor");
  compare(next.container_monitor == config_.container_monitor, "container_monitor");
  compare(next.dispatcher == config_.dispatcher, "dispatcher");
  compare(next.kafka_input == config_.kafka_input, "kafka_input");
  if (pipelines_ != nullptr) {
    // Pipelines reload live (the pipelines file may have changed even when the config did not):
    // batches that start after the swap take the new set; files already open keep the multiline
    // rule they were opened with.
    ConfigLoadResult checked;
    checked.file = loaded.file;
    checked.config = next;
    checked.key_locations = loaded.key_locations;
    std::shared_ptr<const PipelineSet> set = CompileProcessing(checked, *metrics_);
    if (checked.ok()) {
      if (set) pipeline_sets_.push_back(set);
      pipelines_->Swap(std::move(set));
      config_.processing = next.processing;
      outcome.applied.push_back(std::string("processing: ") +
                                (next.processing.enabled ? "pipelines recompiled" : "disabled"));
    }
  }
  compare(next.sinks == config_.sinks, "sinks");
  compare(next.positions == config_.positions, "positions");
  compare(next.disk_buffer == config_.disk_buffer, "disk_buffer");
  compare(next.dlq == config_.dlq, "dlq");
  if (outcome.restart_required.empty()) {
    spdlog::info("reload of {}: applied {} change(s)", config_.source_path, outcome.applied.size());
  } else {
    std::string sections;
    for (const auto& s : outcome.restart_required) sections += (sections.empty() ? "" : ", ") + s;
    spdlog::warn("reload of {}: valid; changes in [{}] take effect after a restart (live reload of those sections "
                 "is not implemented yet)",
                 config_.source_path, sections);
  }
  metrics_->ConfigReloads("applied").Increment();
  return outcome;
}

HealthReport Agent::Health() const {
  HealthReport report;
  std::vector<std::string> failing;
  JsonObject checks;
  if (delivery_) delivery_->AddHealthChecks(&checks, &failing);
  // Sources that read from a far side (Kafka) say whether they reach it.
  JsonObject sources;
  bool any_source = false;
  for (const auto& source : sources_) {
    const ComponentHealth h = source->Health();
    if (h.ok && h.detail_json.empty()) continue;
    any_source = true;
    if (!h.ok) failing.push_back("source:" + source->name());
    sources.AddRaw(source->name(), JsonObject()
                                       .AddString("status", h.ok ? "ok" : "failing")
                                       .AddRaw("far_side", h.detail_json.empty() ? "{}" : h.detail_json)
                                       .Take());
  }
  if (any_source) checks.AddRaw("sources", sources.Take());
  if (stopping_.load()) failing.push_back("agent:stopping");
  report.healthy = failing.empty();
  const double uptime = static_cast<double>(MonotonicNowNanos() - started_at_) / kNanosPerSecond;
  const double utilization =
      dispatcher_ ? static_cast<double>(dispatcher_->queued_events()) / static_cast<double>(dispatcher_->capacity()) : 0;
  report.json = JsonObject()
                    .AddRaw("status", report.healthy ? "\"healthy\"" : "\"degraded\"")
                    .AddRaw("version", "\"" LOGCAP_VERSION "\"")
                    .AddRaw("uptime_seconds", fmt::format("{:.3f}", uptime))
                    .AddRaw("queue_utilization", fmt::format("{:.4f}", utilization))
                    .AddRaw("checks", checks.Take())
                    .AddRaw("failing", JsonStringArray(failing))
                    .Take();
  return report;
}

std::string Agent::StatsJson() const {
  JsonObject sources;
  for (const auto& source : sources_) sources.AddRaw(source->name(), source->StatsJson());
  return JsonObject()
      .AddRaw("sources", sources.Take())
      .AddRaw("dispatcher", dispatcher_ ? dispatcher_->StatsJson() : "{}")
      .AddRaw("sinks", delivery_ ? delivery_->SinksStatsJson() : "{}")
      .AddRaw("buffers", delivery_ ? delivery_->BufferStatsJson() : "{}")
      .Take();
}

std::string Agent::DlqStatsJson() const { return delivery_ ? delivery_->DlqStatsJson() : "{}"; }

Status Agent::StartDlqReplay(const std::string& sink, const std::string& reason, uint64_t max_entries) {
  if (!delivery_ || stopping_.load()) return Status::Unavailable("the agent is not running");
  return delivery_->StartReplay(sink, reason, max_entries);
}

}  // namespace logcap
