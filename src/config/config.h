// Config: the agent's whole configuration, as plain structs (CONTRACT §3).
//
// The default member initialisers below are the one place where defaults live: the options table
// (config/options.cpp) reads them to document defaults, and the loader starts from a
// default-constructed Config before applying the YAML. Sections mirror the original system's
// names so its users feel at home. Durations are std::chrono::milliseconds, sizes are bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config_tree.h"

namespace logcap {

using Duration = std::chrono::milliseconds;
using StringMap = std::map<std::string, std::string>;
using StringList = std::vector<std::string>;

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;

struct AppConfig {
  std::string name = "ssw-logs-capture";
  std::string environment = "production";
  std::string log_level = "info";   // debug | info | warn | error
  std::string log_format = "json";  // json | text
  std::string data_dir = "/var/lib/log-capturer";
  Duration shutdown_timeout = std::chrono::seconds(30);

  bool operator==(const AppConfig&) const = default;
};

struct ServerConfig {
  bool enabled = true;
  std::string host = "127.0.0.1";
  int port = 8401;
  std::string auth_token;

  bool operator==(const ServerConfig&) const = default;
};

struct MetricsConfig {
  bool enabled = true;
  std::string path = "/metrics";

  bool operator==(const MetricsConfig&) const = default;
};

struct FileMonitorConfig {
  bool enabled = true;
  StringList include = {"/var/log/*.log"};
  StringList exclude = {"*.gz", "*.zip"};
  std::string read_from = "beginning";  // beginning | end (only for files never seen before)
  StringMap labels = {{"job", "varlogs"}};
  uint64_t max_line_size = 1 * kMiB;
  // Beyond the contract's list:
  Duration poll_interval = std::chrono::milliseconds(250);   // stat fallback when inotify is silent
  Duration scan_interval = std::chrono::seconds(2);          // glob re-evaluation for new files
  Duration rotate_wait = std::chrono::seconds(5);            // keep reading a rotated file this long
  Duration partial_line_timeout = std::chrono::seconds(5);   // emit a line without newline after idle
  uint64_t read_buffer_size = 256 * kKiB;                    // bytes per read() and per byte block
  uint64_t max_open_files = 1024;                            // files held open at once
  uint64_t fingerprint_size = 256;                           // bytes hashed to identify a file
  std::string pipeline;  // the processing pipeline for every event of this source; "" = source_mapping

  bool operator==(const FileMonitorConfig&) const = default;
};

struct ContainerMonitorConfig {
  bool enabled = false;
  std::string docker_root = "/var/lib/docker/containers";
  std::string docker_socket = "unix:///var/run/docker.sock";
  StringList cri_include = {"/var/log/pods/*/*/*.log"};
  StringList include_names;
  StringList exclude_names;
  StringMap include_labels;
  StringMap exclude_labels;
  bool include_stdout = true;
  bool include_stderr = true;
  StringMap labels;                                          // static labels on every event
  std::string read_from = "beginning";                       // beginning | end: logs present at the first start
  uint64_t max_line_size = 1 * kMiB;                          // a joined line longer than this is truncated
  Duration partial_line_timeout = std::chrono::seconds(5);   // emit an unfinished joined line after idle
  Duration scan_interval = std::chrono::seconds(2);          // glob re-evaluation for new containers
  std::string pipeline;  // the processing pipeline for every event of this source; "" = source_mapping

  bool operator==(const ContainerMonitorConfig&) const = default;
};

struct DispatcherConfig {
  uint64_t queue_size = 50000;  // events held in memory between sources and sinks
  uint64_t batch_size = 1000;
  Duration batch_timeout = std::chrono::seconds(1);
  uint64_t worker_count = 0;  // 0 = one per core
  std::string backpressure = "block";  // block | drop_newest | drop_oldest
  // Beyond the contract's list: how every sink retries (exponential backoff with jitter) and when
  // its circuit breaker opens.
  Duration retry_base_delay = std::chrono::milliseconds(200);
  Duration retry_max_delay = std::chrono::seconds(30);
  uint64_t circuit_breaker_threshold = 5;  // consecutive failed attempts that open a sink's breaker

  bool operator==(const DispatcherConfig&) const = default;
};

struct TlsClientConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool insecure_skip_verify = false;

  bool operator==(const TlsClientConfig&) const = default;
};

struct HttpAuthConfig {
  std::string type = "none";  // none | basic | bearer
  std::string username;
  std::string password;
  std::string token;

  bool operator==(const HttpAuthConfig&) const = default;
};
using LokiAuthConfig = HttpAuthConfig;

struct LokiSinkConfig {
  bool enabled = false;
  std::string url = "http://localhost:3100";
  std::string push_endpoint = "/loki/api/v1/push";
  std::string format = "protobuf";  // protobuf | json
  // auto: snappy for protobuf, gzip for json. none: json as is; protobuf in a stored (literal
  // only) snappy block, since Loki requires snappy framing for protobuf.
  std::string compression = "auto";  // auto | snappy | gzip | none
  std::string tenant_id;
  StringMap labels;
  LokiAuthConfig auth;
  TlsClientConfig tls;
  StringMap headers;
  uint64_t batch_size = 1000;
  Duration batch_timeout = std::chrono::seconds(1);
  Duration timeout = std::chrono::seconds(30);
  // Event labels that become stream labels (when present); every other label goes to structured
  // metadata. Low-cardinality keys only: each distinct combination is a Loki stream.
  StringList label_keys = {"job", "source_type", "container_name", "namespace", "pod", "stream", "level", "host"};
  std::string structured_metadata = "auto";  // auto (protobuf only) | always | never
  std::string out_of_order_action = "dlq";   // dlq | drop | rewrite_timestamp
  uint64_t max_in_flight = 4;                // requests on the wire at once
  uint64_t max_labels_per_stream = 15;       // Loki's max_label_names_per_series default
  uint64_t max_streams_per_push = 1000;
  uint64_t max_label_value_length = 1024;    // Loki refuses > 2048 bytes by default

  bool operator==(const LokiSinkConfig&) const = default;
};

struct KafkaPartitioningConfig {
  std::string strategy = "hash";  // hash | round-robin | random
  std::string key_field;

  bool operator==(const KafkaPartitioningConfig&) const = default;
};

struct KafkaAuthConfig {
  bool enabled = false;
  std::string mechanism = "PLAIN";  // PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
  std::string username;
  std::string password;

  bool operator==(const KafkaAuthConfig&) const = default;
};

struct KafkaTlsConfig {
  bool enabled = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool verify_certificate = true;

  bool operator==(const KafkaTlsConfig&) const = default;
};

struct KafkaSinkConfig {
  bool enabled = false;
  StringList brokers = {"localhost:9092"};
  std::string topic = "logs";
  std::string compression = "snappy";  // none | gzip | snappy | lz4 | zstd
  int64_t required_acks = -1;
  KafkaPartitioningConfig partitioning;
  KafkaAuthConfig auth;
  KafkaTlsConfig tls;
  // Beyond the contract's list:
  std::string topic_label;               // an event label whose value names the topic
  StringMap level_topics;                // level name -> topic (routing by level, opt-in)
  std::string client_id = "log-capturer";
  Duration message_timeout = std::chrono::seconds(30);  // per message, before its report says it failed
  Duration linger = std::chrono::milliseconds(5);
  uint64_t max_queued_messages = 100000;  // librdkafka's local queue; full = backpressure
  uint64_t max_message_bytes = 1000000;   // larger messages go to the DLQ (too_large)
  StringMap librdkafka_options;           // passed through to librdkafka, after the keys above

  bool operator==(const KafkaSinkConfig&) const = default;
};

// The Kafka source: consumes events (the JSON of CONTRACT §4, or raw lines) from topics in a
// consumer group; offsets are committed only once the events are acknowledged downstream.
struct KafkaInputConfig {
  bool enabled = false;
  StringList brokers = {"localhost:9092"};
  StringList topics = {"logs"};
  std::string group_id = "log-capturer";
  std::string format = "event_json";  // event_json | raw
  std::string start_from = "earliest";  // earliest | latest: where a group with no committed offset starts
  StringMap labels;                   // static labels added to every event
  KafkaAuthConfig auth;
  KafkaTlsConfig tls;
  std::string client_id = "log-capturer";
  Duration commit_interval = std::chrono::seconds(1);
  StringMap librdkafka_options;
  std::string pipeline;  // the processing pipeline for every event of this source; "" = source_mapping

  bool operator==(const KafkaInputConfig&) const = default;
};

struct LocalFileRotationConfig {
  uint64_t max_size_mb = 100;
  uint64_t max_files = 10;
  bool compress = true;

  bool operator==(const LocalFileRotationConfig&) const = default;
};

struct LocalFileSinkConfig {
  bool enabled = false;
  std::string directory = "/var/log/log-capturer/output";
  std::string filename_pattern = "{source_type}-{date}.log";
  std::string output_format = "json";  // json | text
  LocalFileRotationConfig rotation;
  // Beyond the contract's list:
  bool fsync = true;  // fdatasync after each group of batches, before acknowledging them

  bool operator==(const LocalFileSinkConfig&) const = default;
};

// A generic HTTP sink: NDJSON (one event JSON per line, docs/event-format.md) in POST requests.
struct HttpSinkConfig {
  bool enabled = false;
  std::string url = "http://localhost:8080/logs";
  // none by default, as in Vector and Fluent Bit: gzip (level 1) costs ~8 CPU-s per GiB of
  // NDJSON on this project's reference machine, for ~9x less on the wire.
  std::string compression = "none";  // none | gzip
  HttpAuthConfig auth;
  TlsClientConfig tls;
  StringMap headers;
  Duration timeout = std::chrono::seconds(30);
  uint64_t max_in_flight = 4;  // concurrent requests per sink
  bool operator==(const HttpSinkConfig&) const = default;
};

struct StdoutSinkConfig {
  bool enabled = false;
  std::string output_format = "text";  // text | json

  bool operator==(const StdoutSinkConfig&) const = default;
};

struct NullSinkConfig {
  bool enabled = false;

  bool operator==(const NullSinkConfig&) const = default;
};

struct SinksConfig {
  LokiSinkConfig loki;
  KafkaSinkConfig kafka;
  LocalFileSinkConfig local_file;
  HttpSinkConfig http;
  StdoutSinkConfig stdout_sink;  // YAML key: stdout
  NullSinkConfig null_sink;      // YAML key: null

  bool operator==(const SinksConfig&) const = default;
};

// Processing pipelines (docs/processing.md): parse, enrich, filter, redact, sample, ... . The
// pipelines and the mapping are trees whose shape the processing module checks and compiles
// (processing/pipeline_set.h), inline here or in `pipelines_file` (not both).
struct ProcessingConfig {
  bool enabled = true;
  std::string pipelines_file;   // a YAML file with `pipelines` and `source_mapping`; relative to the config
  ConfigTree pipelines;         // inline: [{name, description, steps: [{name, type, config, condition}]}]
  ConfigTree source_mapping;    // inline: {pipeline: [patterns]}, first match in file order

  bool operator==(const ProcessingConfig&) const = default;
};

struct PositionsConfig {
  std::string directory;  // default: <data_dir>/positions
  Duration flush_interval = std::chrono::seconds(1);

  bool operator==(const PositionsConfig&) const = default;
};

struct DiskBufferConfig {
  bool enabled = true;
  std::string directory;  // default: <data_dir>/buffer
  uint64_t max_total_size = 1 * kGiB;
  uint64_t max_file_size = 64 * kMiB;
  std::string when_full = "block";  // block | drop_oldest
  // Beyond the contract's list:
  Duration sync_interval = std::chrono::milliseconds(100);  // fdatasync at most this often; 0 = every write
  std::string compression = "none";                          // none | zstd (per record)

  bool operator==(const DiskBufferConfig&) const = default;
};

struct DlqConfig {
  bool enabled = true;
  std::string directory;  // default: <data_dir>/dlq
  uint64_t max_total_size = 1 * kGiB;
  Duration retention = std::chrono::hours(24 * 7);
  // Beyond the contract's list:
  uint64_t max_file_size = 64 * kMiB;  // one dead-letter file; the oldest files are removed first

  bool operator==(const DlqConfig&) const = default;
};

struct Config {
  AppConfig app;
  ServerConfig server;
  MetricsConfig metrics;
  FileMonitorConfig file_monitor;
  ContainerMonitorConfig container_monitor;
  KafkaInputConfig kafka_input;
  DispatcherConfig dispatcher;
  ProcessingConfig processing;
  SinksConfig sinks;
  PositionsConfig positions;
  DiskBufferConfig disk_buffer;
  DlqConfig dlq;

  std::string source_path;  // the file this was loaded from ("" for built-in)

  // Resolved directories: the explicit setting, else <data_dir>/<name>.
  std::string PositionsDirectory() const { return positions.directory.empty() ? app.data_dir + "/positions" : positions.directory; }
  std::string BufferDirectory() const { return disk_buffer.directory.empty() ? app.data_dir + "/buffer" : disk_buffer.directory; }
  std::string DlqDirectory() const { return dlq.directory.empty() ? app.data_dir + "/dlq" : dlq.directory; }

  bool operator==(const Config&) const = default;
};

}  // namespace logcap
