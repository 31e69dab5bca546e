#include "config/options.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "config/units.h"

namespace logcap {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int64_t kKiBi = static_cast<int64_t>(kKiB);
constexpr int64_t kMiBi = static_cast<int64_t>(kMiB);
constexpr int64_t kGiBi = static_cast<int64_t>(kGiB);
constexpr int64_t kTiBi = 1024 * kGiBi;
constexpr std::optional<int64_t> kNoMax = std::nullopt;

// Conversions between a Config member and the neutral OptionValue.
OptionValue ToOptionValue(bool v) { return v; }
OptionValue ToOptionValue(int v) { return static_cast<int64_t>(v); }
OptionValue ToOptionValue(int64_t v) { return v; }
OptionValue ToOptionValue(uint64_t v) { return v; }
OptionValue ToOptionValue(const std::string& v) { return v; }
OptionValue ToOptionValue(Duration v) { return v; }
OptionValue ToOptionValue(const StringList& v) { return v; }
OptionValue ToOptionValue(const StringMap& v) { return v; }
OptionValue ToOptionValue(const ConfigTree& v) { return v; }

void Assign(const OptionValue& v, bool* out) { *out = std::get<bool>(v); }
void Assign(const OptionValue& v, int* out) { *out = static_cast<int>(std::get<int64_t>(v)); }
void Assign(const OptionValue& v, int64_t* out) { *out = std::get<int64_t>(v); }
void Assign(const OptionValue& v, uint64_t* out) { *out = std::get<uint64_t>(v); }
void Assign(const OptionValue& v, std::string* out) { *out = std::get<std::string>(v); }
void Assign(const OptionValue& v, Duration* out) { *out = std::get<Duration>(v); }
void Assign(const OptionValue& v, StringList* out) { *out = std::get<StringList>(v); }
void Assign(const OptionValue& v, StringMap* out) { *out = std::get<StringMap>(v); }
void Assign(const OptionValue& v, ConfigTree* out) { *out = std::get<ConfigTree>(v); }

// `field` is a generic lambda `[](auto& c) -> auto& { return c.section.member; }` that works on
// both Config& and const Config&.
template <typename Field>
using FieldType = std::remove_cvref_t<decltype(std::declval<Field>()(std::declval<Config&>()))>;

template <typename Field>
Option Bind(std::string_view path, OptionType type, std::string_view description, Field field) {
  Option option;
  option.path = path;
  option.type = type;
  option.description = description;
  option.get = [field](const Config& config) -> OptionValue { return ToOptionValue(field(config)); };
  option.set = [field](Config& config, const OptionValue& value) { Assign(value, &field(config)); };
  return option;
}

template <typename Field>
Option Bool(std::string_view path, std::string_view description, Field field) {
  static_assert(std::is_same_v<FieldType<Field>, bool>);
  return Bind(path, OptionType::kBool, description, field);
}

template <typename Field>
Option Int(std::string_view path, std::string_view description, int64_t min, int64_t max, Field field) {
  static_assert(std::is_same_v<FieldType<Field>, int> || std::is_same_v<FieldType<Field>, int64_t>);
  Option option = Bind(path, OptionType::kInt, description, field);
  option.min = min;
  option.max = max;
  return option;
}

template <typename Field>
Option Uint(std::string_view path, std::string_view description, int64_t min, std::optional<int64_t> max,
            Field field) {
  static_assert(std::is_same_v<FieldType<Field>, uint64_t>);
  Option option = Bind(path, OptionType::kUint, description, field);
  option.min = min;
  option.max = max;
  return option;
}

template <typename Field>
Option Size(std::string_view path, std::string_view description, int64_t min, int64_t max, Field field) {
  static_assert(std::is_same_v<FieldType<Field>, uint64_t>);
  Option option = Bind(path, OptionType::kSize, description, field);
  option.min = min;
  option.max = max;
  return option;
}

template <typename Field>
Option Dur(std::string_view path, std::string_view description, Duration min, Duration max, Field field) {
  static_assert(std::is_same_v<FieldType<Field>, Duration>);
  Option option = Bind(path, OptionType::kDuration, description, field);
  option.min = min.count();
  option.max = max.count();
  return option;
}

template <typename Field>
Option Str(std::string_view path, std::string_view description, Field field) {
  static_assert(std::is_same_v<FieldType<Field>, std::string>);
  return Bind(path, OptionType::kString, description, field);
}

// A string that may not be empty when it is set.
template <typename Field>
Option Required(std::string_view path, std::string_view description, Field field) {
  Option option = Str(path, description, field);
  option.non_empty = true;
  return option;
}

template <typename Field>
Option Enum(std::string_view path, std::string_view description, std::vector<std::string_view> values,
            Field field) {
  static_assert(std::is_same_v<FieldType<Field>, std::string>);
  Option option = Bind(path, OptionType::kEnum, description, field);
  option.enum_values = std::move(values);
  return option;
}

template <typename Field>
Option List(std::string_view path, std::string_view description, Field field) {
  static_assert(std::is_same_v<FieldType<Field>, StringList>);
  return Bind(path, OptionType::kStringList, description, field);
}

template <typename Field>
Option Map(std::string_view path, std::string_view description, Field field) {
  static_assert(std::is_same_v<FieldType<Field>, StringMap>);
  return Bind(path, OptionType::kStringMap, description, field);
}

// A structure its component reads and checks (ConfigTree): e.g. the processing pipelines.
template <typename Field>
Option Tree(std::string_view path, std::string_view description, Field field) {
  static_assert(std::is_same_v<FieldType<Field>, ConfigTree>);
  return Bind(path, OptionType::kTree, description, field);
}

std::vector<Option> BuildOptions() {
  // clang-format off
  return {
    // app
    Str("app.name", "Name of this agent, reported in its own logs and stats.",
        [](auto& c) -> auto& { return c.app.name; }),
    Str("app.environment", "Deployment environment, reported in its own logs and stats.",
        [](auto& c) -> auto& { return c.app.environment; }),
    Enum("app.log_level", "Minimum level of the agent's own log (on stderr).", {"debug", "info", "warn", "error"},
         [](auto& c) -> auto& { return c.app.log_level; }),
    Enum("app.log_format", "Format of the agent's own log (on stderr).", {"json", "text"},
         [](auto& c) -> auto& { return c.app.log_format; }),
    Required("app.data_dir", "Default parent of the `positions/`, `buffer/` and `dlq/` directories.",
             [](auto& c) -> auto& { return c.app.data_dir; }),
    Dur("app.shutdown_timeout", "On SIGTERM/SIGINT, time allowed to deliver or persist what is in flight.",
        seconds(1), hours(1), [](auto& c) -> auto& { return c.app.shutdown_timeout; }),

    // server
    Bool("server.enabled", "Serve the HTTP API (health, readiness, metrics, stats, ingest, reload).",
         [](auto& c) -> auto& { return c.server.enabled; }),
    Required("server.host", "Address the HTTP API listens on.",
             [](auto& c) -> auto& { return c.server.host; }),
    Int("server.port", "Port the HTTP API listens on; 0 picks a free port.", 0, 65535,
        [](auto& c) -> auto& { return c.server.port; }),
    Str("server.auth_token", "When set, every POST and every `/api/*` call needs `Authorization: Bearer TOKEN`.",
        [](auto& c) -> auto& { return c.server.auth_token; }),

    // metrics
    Bool("metrics.enabled", "Expose Prometheus metrics on the API server.",
         [](auto& c) -> auto& { return c.metrics.enabled; }),
    Required("metrics.path", "HTTP path of the metrics endpoint; starts with `/`.",
             [](auto& c) -> auto& { return c.metrics.path; }),

    // file_monitor
    Bool("file_monitor.enabled", "Tail log files matching `include`.",
         [](auto& c) -> auto& { return c.file_monitor.enabled; }),
    List("file_monitor.include", "Globs of files to tail (`**` is recursive); new matches are picked up while running.",
         [](auto& c) -> auto& { return c.file_monitor.include; }),
    List("file_monitor.exclude", "Globs of files never to tail, matched against the path and the file name.",
         [](auto& c) -> auto& { return c.file_monitor.exclude; }),
    Enum("file_monitor.read_from", "Where to start in a file never seen before.", {"beginning", "end"},
         [](auto& c) -> auto& { return c.file_monitor.read_from; }),
    Map("file_monitor.labels", "Static labels on every event of this source.",
        [](auto& c) -> auto& { return c.file_monitor.labels; }),
    Size("file_monitor.max_line_size", "Longer lines are truncated and counted.", kKiBi, kGiBi,
         [](auto& c) -> auto& { return c.file_monitor.max_line_size; }),
    Dur("file_monitor.poll_interval", "Stat fallback period when inotify is silent.", milliseconds(10), minutes(1),
        [](auto& c) -> auto& { return c.file_monitor.poll_interval; }),
    Dur("file_monitor.scan_interval", "How often the include globs are re-evaluated for new files.",
        milliseconds(100), hours(1), [](auto& c) -> auto& { return c.file_monitor.scan_interval; }),
    Dur("file_monitor.rotate_wait", "How long a rotated file keeps being read after rotation.",
        milliseconds(0), hours(1), [](auto& c) -> auto& { return c.file_monitor.rotate_wait; }),
    Dur("file_monitor.partial_line_timeout", "A last line without newline is emitted after this much idle time.",
        milliseconds(10), hours(1), [](auto& c) -> auto& { return c.file_monitor.partial_line_timeout; }),
    Size("file_monitor.read_buffer_size", "Bytes per `read()` and per byte block.", 4 * kKiBi, 64 * kMiBi,
         [](auto& c) -> auto& { return c.file_monitor.read_buffer_size; }),
    Uint("file_monitor.max_open_files", "Files held open at once.", 1, 1000000,
         [](auto& c) -> auto& { return c.file_monitor.max_open_files; }),
    Size("file_monitor.fingerprint_size", "Bytes at the start of a file hashed to recognise it after a rename.",
         16, 64 * kKiBi, [](auto& c) -> auto& { return c.file_monitor.fingerprint_size; }),
    Str("file_monitor.pipeline", "The processing pipeline (by name) for every event of this source; empty = chosen by `processing.source_mapping`.",
        [](auto& c) -> auto& { return c.file_monitor.pipeline; }),

    // container_monitor
    Bool("container_monitor.enabled", "Read Docker json-file and Kubernetes CRI container logs.",
         [](auto& c) -> auto& { return c.container_monitor.enabled; }),
    Required("container_monitor.docker_root", "Directory of Docker json-file logs.",
             [](auto& c) -> auto& { return c.container_monitor.docker_root; }),
    Str("container_monitor.docker_socket", "Docker Engine API socket for metadata (name, image, labels); optional.",
        [](auto& c) -> auto& { return c.container_monitor.docker_socket; }),
    List("container_monitor.cri_include", "Globs of Kubernetes CRI log files.",
         [](auto& c) -> auto& { return c.container_monitor.cri_include; }),
    List("container_monitor.include_names", "Only containers with these names (empty: all).",
         [](auto& c) -> auto& { return c.container_monitor.include_names; }),
    List("container_monitor.exclude_names", "Never containers with these names.",
         [](auto& c) -> auto& { return c.container_monitor.exclude_names; }),
    Map("container_monitor.include_labels", "Only containers carrying all these labels (empty: all).",
        [](auto& c) -> auto& { return c.container_monitor.include_labels; }),
    Map("container_monitor.exclude_labels", "Never containers carrying any of these labels.",
        [](auto& c) -> auto& { return c.container_monitor.exclude_labels; }),
    Bool("container_monitor.include_stdout", "Capture what containers write to stdout.",
         [](auto& c) -> auto& { return c.container_monitor.include_stdout; }),
    Bool("container_monitor.include_stderr", "Capture what containers write to stderr.",
         [](auto& c) -> auto& { return c.container_monitor.include_stderr; }),
    Map("container_monitor.labels", "Static labels on every event of this source.",
        [](auto& c) -> auto& { return c.container_monitor.labels; }),
    Enum("container_monitor.read_from", "Where to start in the logs present at the very first start (no container_positions.json yet); on later starts, logs never seen before are read whole.",
         {"beginning", "end"}, [](auto& c) -> auto& { return c.container_monitor.read_from; }),
    Size("container_monitor.max_line_size", "Longer lines (after joining the parts a runtime split) are truncated and counted.",
         kKiBi, kGiBi, [](auto& c) -> auto& { return c.container_monitor.max_line_size; }),
    Dur("container_monitor.partial_line_timeout", "A line whose last part never came is emitted, flagged partial, after this much idle time.",
        milliseconds(10), hours(1), [](auto& c) -> auto& { return c.container_monitor.partial_line_timeout; }),
    Dur("container_monitor.scan_interval", "How often the log directories are re-evaluated for new containers (inotify also reports them at once).",
        milliseconds(100), hours(1), [](auto& c) -> auto& { return c.container_monitor.scan_interval; }),
    Str("container_monitor.pipeline", "The processing pipeline (by name) for every event of this source; empty = chosen by `processing.source_mapping`.",
        [](auto& c) -> auto& { return c.container_monitor.pipeline; }),

    // kafka_input
    Bool("kafka_input.enabled", "Consume events from Apache Kafka in a consumer group (at least once).",
         [](auto& c) -> auto& { return c.kafka_input.enabled; }),
    List("kafka_input.brokers", "Bootstrap brokers, host:port.", [](auto& c) -> auto& { return c.kafka_input.brokers; }),
    List("kafka_input.topics", "Topics to consume.", [](auto& c) -> auto& { return c.kafka_input.topics; }),
    Required("kafka_input.group_id", "Consumer group: instances with the same group share the partitions.",
             [](auto& c) -> auto& { return c.kafka_input.group_id; }),
    Enum("kafka_input.format",
         "event_json: each message is the event JSON the kafka sink writes (timestamp, labels, fields and trace "
         "context kept); raw: each message is one line.",
         {"event_json", "raw"}, [](auto& c) -> auto& { return c.kafka_input.format; }),
    Enum("kafka_input.start_from", "Where a group without a committed offset starts.", {"earliest", "latest"},
         [](auto& c) -> auto& { return c.kafka_input.start_from; }),
    Map("kafka_input.labels", "Static labels added to every event of this source.",
        [](auto& c) -> auto& { return c.kafka_input.labels; }),
    Bool("kafka_input.auth.enabled", "Authenticate with SASL.", [](auto& c) -> auto& { return c.kafka_input.auth.enabled; }),
    Enum("kafka_input.auth.mechanism", "SASL mechanism.", {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"},
         [](auto& c) -> auto& { return c.kafka_input.auth.mechanism; }),
    Str("kafka_input.auth.username", "SASL user.", [](auto& c) -> auto& { return c.kafka_input.auth.username; }),
    Str("kafka_input.auth.password", "SASL password.", [](auto& c) -> auto& { return c.kafka_input.auth.password; }),
    Bool("kafka_input.tls.enabled", "Connect with TLS.", [](auto& c) -> auto& { return c.kafka_input.tls.enabled; }),
    Str("kafka_input.tls.ca_file", "CA bundle to verify the brokers; empty = system default.",
        [](auto& c) -> auto& { return c.kafka_input.tls.ca_file; }),
    Str("kafka_input.tls.cert_file", "Client certificate (mutual TLS).",
        [](auto& c) -> auto& { return c.kafka_input.tls.cert_file; }),
    Str("kafka_input.tls.key_file", "Client private key (mutual TLS).",
        [](auto& c) -> auto& { return c.kafka_input.tls.key_file; }),
    Bool("kafka_input.tls.verify_certificate", "Verify the brokers' certificates.",
         [](auto& c) -> auto& { return c.kafka_input.tls.verify_certificate; }),
    Str("kafka_input.client_id", "client.id the brokers see.", [](auto& c) -> auto& { return c.kafka_input.client_id; }),
    Dur("kafka_input.commit_interval", "How often acknowledged offsets are committed to the group.",
        milliseconds(100), minutes(10), [](auto& c) -> auto& { return c.kafka_input.commit_interval; }),
    Map("kafka_input.librdkafka_options",
        "Other librdkafka consumer properties, passed through as they are (they override the keys above).",
        [](auto& c) -> auto& { return c.kafka_input.librdkafka_options; }),
    Str("kafka_input.pipeline", "The processing pipeline (by name) for every event of this source; empty = chosen by `processing.source_mapping`.",
        [](auto& c) -> auto& { return c.kafka_input.pipeline; }),

    // dispatcher
    Uint("dispatcher.queue_size", "Events held in memory between sources and sinks.", 1, 100000000,
         [](auto& c) -> auto& { return c.dispatcher.queue_size; }),
    Uint("dispatcher.batch_size", "Most events per batch handed to the sinks.", 1, 1000000,
         [](auto& c) -> auto& { return c.dispatcher.batch_size; }),
    Dur("dispatcher.batch_timeout", "A partial batch is handed on after this long.", milliseconds(1), minutes(10),
        [](auto& c) -> auto& { return c.dispatcher.batch_timeout; }),
    Uint("dispatcher.worker_count", "Dispatcher threads; 0 = one per core.", 0, 256,
         [](auto& c) -> auto& { return c.dispatcher.worker_count; }),
    Enum("dispatcher.backpressure", "When the queue is full: block pauses sources and loses nothing.",
         {"block", "drop_newest", "drop_oldest"}, [](auto& c) -> auto& { return c.dispatcher.backpressure; }),
    Dur("dispatcher.retry_base_delay", "First retry delay of a failing sink; doubles per attempt, with jitter.",
        milliseconds(1), minutes(10), [](auto& c) -> auto& { return c.dispatcher.retry_base_delay; }),
    Dur("dispatcher.retry_max_delay", "Longest wait between two attempts of a failing sink (a server's Retry-After may ask for more, up to 10 min).",
        milliseconds(1), hours(1), [](auto& c) -> auto& { return c.dispatcher.retry_max_delay; }),
    Uint("dispatcher.circuit_breaker_threshold", "Consecutive failed attempts that open a sink's circuit breaker (shown in /health and log_capturer_sink_circuit_state).",
         1, 1000000, [](auto& c) -> auto& { return c.dispatcher.circuit_breaker_threshold; }),

    // sinks.loki
    Bool("sinks.loki.enabled", "Push to Grafana Loki.", [](auto& c) -> auto& { return c.sinks.loki.enabled; }),
    Required("sinks.loki.url", "Base URL of Loki.", [](auto& c) -> auto& { return c.sinks.loki.url; }),
    Required("sinks.loki.push_endpoint", "Path of the push API.",
             [](auto& c) -> auto& { return c.sinks.loki.push_endpoint; }),
    Enum("sinks.loki.format", "protobuf (snappy) or json (gzip).", {"protobuf", "json"},
         [](auto& c) -> auto& { return c.sinks.loki.format; }),
    Enum("sinks.loki.compression",
         "Body compression: auto (snappy for protobuf, gzip for json), snappy (protobuf), gzip (json), or none: json "
         "as is, protobuf in a stored snappy block (Loki requires snappy framing): no compression CPU, about three "
         "times the bytes on the wire.",
         {"auto", "snappy", "gzip", "none"}, [](auto& c) -> auto& { return c.sinks.loki.compression; }),
    Str("sinks.loki.tenant_id", "X-Scope-OrgID header; empty = none.",
        [](auto& c) -> auto& { return c.sinks.loki.tenant_id; }),
    Map("sinks.loki.labels", "Static stream labels.", [](auto& c) -> auto& { return c.sinks.loki.labels; }),
    Enum("sinks.loki.auth.type", "Authentication: none, basic (username, password) or bearer (token).",
         {"none", "basic", "bearer"}, [](auto& c) -> auto& { return c.sinks.loki.auth.type; }),
    Str("sinks.loki.auth.username", "Basic auth user.", [](auto& c) -> auto& { return c.sinks.loki.auth.username; }),
    Str("sinks.loki.auth.password", "Basic auth password.",
        [](auto& c) -> auto& { return c.sinks.loki.auth.password; }),
    Str("sinks.loki.auth.token", "Bearer token.", [](auto& c) -> auto& { return c.sinks.loki.auth.token; }),
    Str("sinks.loki.tls.ca_file", "CA bundle to verify the server; empty = system default.",
        [](auto& c) -> auto& { return c.sinks.loki.tls.ca_file; }),
    Str("sinks.loki.tls.cert_file", "Client certificate (mutual TLS).",
        [](auto& c) -> auto& { return c.sinks.loki.tls.cert_file; }),
    Str("sinks.loki.tls.key_file", "Client private key (mutual TLS).",
        [](auto& c) -> auto& { return c.sinks.loki.tls.key_file; }),
    Bool("sinks.loki.tls.insecure_skip_verify", "Skip server certificate verification (testing only).",
         [](auto& c) -> auto& { return c.sinks.loki.tls.insecure_skip_verify; }),
    Map("sinks.loki.headers", "Extra HTTP headers on every push.",
        [](auto& c) -> auto& { return c.sinks.loki.headers; }),
    Uint("sinks.loki.batch_size", "Most entries per push request; the sink waits up to batch_timeout to fill one.", 1, 1000000,
         [](auto& c) -> auto& { return c.sinks.loki.batch_size; }),
    Dur("sinks.loki.batch_timeout", "Longest wait for more events before a push that is not full.", milliseconds(1), minutes(10),
        [](auto& c) -> auto& { return c.sinks.loki.batch_timeout; }),
    Dur("sinks.loki.timeout", "HTTP request timeout.", milliseconds(100), hours(1),
        [](auto& c) -> auto& { return c.sinks.loki.timeout; }),
    List("sinks.loki.label_keys",
         "Event labels sent as stream labels when present (level is the event's level, source_type its source's type); "
         "every other label goes to structured metadata. Keep to low-cardinality keys: each combination is a stream.",
         [](auto& c) -> auto& { return c.sinks.loki.label_keys; }),
    Enum("sinks.loki.structured_metadata",
         "Labels that are not stream labels, and trace_id/span_id, as structured metadata (Loki 3): auto sends them "
         "with the protobuf format only, always with JSON too, never drops them.",
         {"auto", "always", "never"}, [](auto& c) -> auto& { return c.sinks.loki.structured_metadata; }),
    Enum("sinks.loki.out_of_order_action",
         "Entries Loki refuses for their timestamp (out of order, too far behind, too old, too new): dlq keeps them in "
         "the dead-letter queue, drop counts and discards them, rewrite_timestamp sends them again stamped now.",
         {"dlq", "drop", "rewrite_timestamp"}, [](auto& c) -> auto& { return c.sinks.loki.out_of_order_action; }),
    Uint("sinks.loki.max_in_flight", "Push requests on the wire at once; a stream is never in two of them.", 1, 64,
         [](auto& c) -> auto& { return c.sinks.loki.max_in_flight; }),
    Uint("sinks.loki.max_labels_per_stream", "Stream labels kept per stream; the rest go to structured metadata.", 1,
         100, [](auto& c) -> auto& { return c.sinks.loki.max_labels_per_stream; }),
    Uint("sinks.loki.max_streams_per_push",
         "Distinct streams in one push; events past it go to a stream of the static labels only, their labels as "
         "structured metadata.",
         1, 100000, [](auto& c) -> auto& { return c.sinks.loki.max_streams_per_push; }),
    Uint("sinks.loki.max_label_value_length", "Longer label values are cut to this many bytes (and counted).", 16,
         65536, [](auto& c) -> auto& { return c.sinks.loki.max_label_value_length; }),

    // sinks.kafka
    Bool("sinks.kafka.enabled", "Produce to Apache Kafka.", [](auto& c) -> auto& { return c.sinks.kafka.enabled; }),
    List("sinks.kafka.brokers", "Bootstrap brokers, host:port.",
         [](auto& c) -> auto& { return c.sinks.kafka.brokers; }),
    Required("sinks.kafka.topic", "Topic to produce to.", [](auto& c) -> auto& { return c.sinks.kafka.topic; }),
    Enum("sinks.kafka.compression", "Message compression codec.", {"none", "gzip", "snappy", "lz4", "zstd"},
         [](auto& c) -> auto& { return c.sinks.kafka.compression; }),
    Int("sinks.kafka.required_acks", "Broker acknowledgements: -1 = all in-sync replicas, 0 = none, N = N.", -1,
        1000, [](auto& c) -> auto& { return c.sinks.kafka.required_acks; }),
    Enum("sinks.kafka.partitioning.strategy", "How messages are spread over partitions.",
         {"hash", "round-robin", "random"}, [](auto& c) -> auto& { return c.sinks.kafka.partitioning.strategy; }),
    Str("sinks.kafka.partitioning.key_field", "Event field hashed by the hash strategy; empty = source_id.",
        [](auto& c) -> auto& { return c.sinks.kafka.partitioning.key_field; }),
    Bool("sinks.kafka.auth.enabled", "Authenticate with SASL.",
         [](auto& c) -> auto& { return c.sinks.kafka.auth.enabled; }),
    Enum("sinks.kafka.auth.mechanism", "SASL mechanism.", {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"},
         [](auto& c) -> auto& { return c.sinks.kafka.auth.mechanism; }),
    Str("sinks.kafka.auth.username", "SASL user.", [](auto& c) -> auto& { return c.sinks.kafka.auth.username; }),
    Str("sinks.kafka.auth.password", "SASL password.",
        [](auto& c) -> auto& { return c.sinks.kafka.auth.password; }),
    Bool("sinks.kafka.tls.enabled", "Connect with TLS.", [](auto& c) -> auto& { return c.sinks.kafka.tls.enabled; }),
    Str("sinks.kafka.tls.ca_file", "CA bundle to verify the brokers; empty = system default.",
        [](auto& c) -> auto& { return c.sinks.kafka.tls.ca_file; }),
    Str("sinks.kafka.tls.cert_file", "Client certificate (mutual TLS).",
        [](auto& c) -> auto& { return c.sinks.kafka.tls.cert_file; }),
    Str("sinks.kafka.tls.key_file", "Client private key (mutual TLS).",
        [](auto& c) -> auto& { return c.sinks.kafka.tls.key_file; }),
    Bool("sinks.kafka.tls.verify_certificate", "Verify the brokers' certificates.",
         [](auto& c) -> auto& { return c.sinks.kafka.tls.verify_certificate; }),
    Str("sinks.kafka.topic_label",
        "An event label whose value names the topic of that event (e.g. kafka_topic); events without it go to "
        "level_topics, then topic.",
        [](auto& c) -> auto& { return c.sinks.kafka.topic_label; }),
    Map("sinks.kafka.level_topics",
        "Routing by level (opt-in): level name -> topic, e.g. {error: logs-high-priority, debug: logs-low-priority}.",
        [](auto& c) -> auto& { return c.sinks.kafka.level_topics; }),
    Str("sinks.kafka.client_id", "client.id the brokers see.", [](auto& c) -> auto& { return c.sinks.kafka.client_id; }),
    Dur("sinks.kafka.message_timeout",
        "How long librdkafka retries one message before its delivery report says it failed (the batch is then "
        "retried by the agent).",
        milliseconds(100), hours(1), [](auto& c) -> auto& { return c.sinks.kafka.message_timeout; }),
    Dur("sinks.kafka.linger", "How long librdkafka waits to fill a produce request (linger.ms).", milliseconds(0),
        seconds(10), [](auto& c) -> auto& { return c.sinks.kafka.linger; }),
    Uint("sinks.kafka.max_queued_messages", "librdkafka's local queue; when full the sink waits (backpressure).", 1000,
         10000000, [](auto& c) -> auto& { return c.sinks.kafka.max_queued_messages; }),
    Uint("sinks.kafka.max_message_bytes", "Largest message produced (message.max.bytes); larger events go to the DLQ.",
         1000, 1000000000, [](auto& c) -> auto& { return c.sinks.kafka.max_message_bytes; }),
    Map("sinks.kafka.librdkafka_options",
        "Other librdkafka producer properties, passed through as they are (they override the keys above).",
        [](auto& c) -> auto& { return c.sinks.kafka.librdkafka_options; }),

    // sinks.http
    Bool("sinks.http.enabled", "POST events as NDJSON (one event JSON per line) to an HTTP endpoint.",
         [](auto& c) -> auto& { return c.sinks.http.enabled; }),
    Required("sinks.http.url", "Full URL of the endpoint (http:// or https://).",
             [](auto& c) -> auto& { return c.sinks.http.url; }),
    Enum("sinks.http.compression", "Request body compression: gzip (level 1, about 9x smaller, about 8 CPU-seconds per GiB of NDJSON) or none.", {"none", "gzip"},
         [](auto& c) -> auto& { return c.sinks.http.compression; }),
    Enum("sinks.http.auth.type", "Authentication: none, basic (username, password) or bearer (token).",
         {"none", "basic", "bearer"}, [](auto& c) -> auto& { return c.sinks.http.auth.type; }),
    Str("sinks.http.auth.username", "Basic auth user.", [](auto& c) -> auto& { return c.sinks.http.auth.username; }),
    Str("sinks.http.auth.password", "Basic auth password.",
        [](auto& c) -> auto& { return c.sinks.http.auth.password; }),
    Str("sinks.http.auth.token", "Bearer token.", [](auto& c) -> auto& { return c.sinks.http.auth.token; }),
    Str("sinks.http.tls.ca_file", "CA bundle to verify the server; empty = system default.",
        [](auto& c) -> auto& { return c.sinks.http.tls.ca_file; }),
    Str("sinks.http.tls.cert_file", "Client certificate (mutual TLS).",
        [](auto& c) -> auto& { return c.sinks.http.tls.cert_file; }),
    Str("sinks.http.tls.key_file", "Client private key (mutual TLS).",
        [](auto& c) -> auto& { return c.sinks.http.tls.key_file; }),
    Bool("sinks.http.tls.insecure_skip_verify", "Skip server certificate verification (testing only).",
         [](auto& c) -> auto& { return c.sinks.http.tls.insecure_skip_verify; }),
    Map("sinks.http.headers", "Extra HTTP headers on every request.",
        [](auto& c) -> auto& { return c.sinks.http.headers; }),
    Dur("sinks.http.timeout", "Whole-request timeout (connect, send, answer).", milliseconds(100), hours(1),
        [](auto& c) -> auto& { return c.sinks.http.timeout; }),
    Uint("sinks.http.max_in_flight", "Requests sent concurrently (each carries one batch).", 1, 64,
         [](auto& c) -> auto& { return c.sinks.http.max_in_flight; }),

    // sinks.local_file
    Bool("sinks.local_file.enabled", "Write events to local files.",
         [](auto& c) -> auto& { return c.sinks.local_file.enabled; }),
    Required("sinks.local_file.directory", "Directory of the output files.",
             [](auto& c) -> auto& { return c.sinks.local_file.directory; }),
    Required("sinks.local_file.filename_pattern", "File name under `directory`; `{date}` (UTC date of the event), `{source_type}`, `{source_name}` (file basename or container name) and `{container_name}` are replaced, with `/` and leading dots in values made safe.",
             [](auto& c) -> auto& { return c.sinks.local_file.filename_pattern; }),
    Enum("sinks.local_file.output_format", "`json`: one JSON object per line (docs/event-format.md); `text`: `<timestamp> <source_type>:<source_id> <message>`.", {"json", "text"},
         [](auto& c) -> auto& { return c.sinks.local_file.output_format; }),
    Uint("sinks.local_file.rotation.max_size_mb", "Rotate a file when it reaches this many MiB.", 1, 1048576,
         [](auto& c) -> auto& { return c.sinks.local_file.rotation.max_size_mb; }),
    Uint("sinks.local_file.rotation.max_files", "Rotated files kept per output file.", 1, 100000,
         [](auto& c) -> auto& { return c.sinks.local_file.rotation.max_files; }),
    Bool("sinks.local_file.rotation.compress", "Gzip rotated files.",
         [](auto& c) -> auto& { return c.sinks.local_file.rotation.compress; }),
    Bool("sinks.local_file.fsync", "fdatasync after each group of batches, before acknowledging them.",
         [](auto& c) -> auto& { return c.sinks.local_file.fsync; }),

    // sinks.stdout
    Bool("sinks.stdout.enabled", "Write events to standard output.",
         [](auto& c) -> auto& { return c.sinks.stdout_sink.enabled; }),
    Enum("sinks.stdout.output_format", "`text`: `<timestamp> <source_type>:<source_id> <message>`; `json`: one JSON object per line (docs/event-format.md).", {"text", "json"},
         [](auto& c) -> auto& { return c.sinks.stdout_sink.output_format; }),

    // sinks.null
    Bool("sinks.null.enabled", "Acknowledge and discard every event (benchmarks, tests). The YAML key is `null:`.",
         [](auto& c) -> auto& { return c.sinks.null_sink.enabled; }),

    // processing
    Bool("processing.enabled", "Run the processing pipelines (docs/processing.md); off = events pass unchanged.",
         [](auto& c) -> auto& { return c.processing.enabled; }),
    Str("processing.pipelines_file", "A YAML file holding `pipelines` and `source_mapping` (relative paths are from this config's folder). Not together with inline `pipelines`.",
        [](auto& c) -> auto& { return c.processing.pipelines_file; }),
    Tree("processing.pipelines", "Inline pipelines: `[{name, description, steps: [{name, type, config, condition}]}]` (docs/processing.md).",
         [](auto& c) -> auto& { return c.processing.pipelines; }),
    Tree("processing.source_mapping", "Which pipeline each source's events take: `{pipeline: [patterns]}`, first match in file order (docs/processing.md).",
         [](auto& c) -> auto& { return c.processing.source_mapping; }),

    // positions
    Str("positions.directory", "Where read positions are saved; empty = `<data_dir>/positions`.",
        [](auto& c) -> auto& { return c.positions.directory; }),
    Dur("positions.flush_interval", "How often positions are saved.", milliseconds(10), hours(1),
        [](auto& c) -> auto& { return c.positions.flush_interval; }),

    // disk_buffer
    Bool("disk_buffer.enabled", "Persist events on disk before acknowledging sources (at-least-once delivery).",
         [](auto& c) -> auto& { return c.disk_buffer.enabled; }),
    Str("disk_buffer.directory", "Buffer directory; empty = `<data_dir>/buffer`.",
        [](auto& c) -> auto& { return c.disk_buffer.directory; }),
    Size("disk_buffer.max_total_size", "Most bytes the buffer may hold on disk.", kMiBi, 64 * kTiBi,
         [](auto& c) -> auto& { return c.disk_buffer.max_total_size; }),
    Size("disk_buffer.max_file_size", "Size of one buffer segment file; at most max_total_size.", 64 * kKiBi,
         4 * kGiBi, [](auto& c) -> auto& { return c.disk_buffer.max_file_size; }),
    Enum("disk_buffer.when_full", "When the buffer is full: block pauses sources and loses nothing.",
         {"block", "drop_oldest"}, [](auto& c) -> auto& { return c.disk_buffer.when_full; }),
    Dur("disk_buffer.sync_interval", "Written records are fdatasync'ed at most this long after they are written, and sources are acknowledged only then; 0 = after every write.",
        milliseconds(0), minutes(1), [](auto& c) -> auto& { return c.disk_buffer.sync_interval; }),
    Enum("disk_buffer.compression", "Compression of each buffer record.", {"none", "zstd"},
         [](auto& c) -> auto& { return c.disk_buffer.compression; }),

    // dlq
    Bool("dlq.enabled", "Keep events a sink rejected for good, with the reason.",
         [](auto& c) -> auto& { return c.dlq.enabled; }),
    Str("dlq.directory", "Dead-letter directory; empty = `<data_dir>/dlq`.",
        [](auto& c) -> auto& { return c.dlq.directory; }),
    Size("dlq.max_total_size", "Most bytes the dead-letter queue may hold; the oldest go first.", kMiBi, 64 * kTiBi,
         [](auto& c) -> auto& { return c.dlq.max_total_size; }),
    Dur("dlq.retention", "Dead-letter entries older than this are removed.", minutes(1), hours(24 * 3650),
        [](auto& c) -> auto& { return c.dlq.retention; }),
    Size("dlq.max_file_size", "Size of one dead-letter file; whole files are removed by retention and size limits.",
         64 * kKiBi, 4 * kGiBi, [](auto& c) -> auto& { return c.dlq.max_file_size; }),
  };
  // clang-format on
}

bool StartsWithSection(std::string_view path, std::string_view section) {
  if (section.empty()) return true;
  return path.size() > section.size() && path.substr(0, section.size()) == section && path[section.size()] == '.';
}

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string_view Option::Section() const {
  size_t first = path.find('.');
  if (first == std::string_view::npos) return {};
  if (path.substr(0, first) == "sinks") {
    size_t second = path.find('.', first + 1);
    if (second != std::string_view::npos) return path.substr(0, second);
  }
  return path.substr(0, first);
}

std::string_view Option::KeyInSection() const {
  std::string_view section = Section();
  return section.empty() ? path : path.substr(section.size() + 1);
}

const std::vector<Option>& ConfigOptions() {
  static const std::vector<Option> options = BuildOptions();
  return options;
}

const Option* FindOption(std::string_view path) {
  for (const Option& option : ConfigOptions()) {
    if (option.path == path) return &option;
  }
  return nullptr;
}

bool IsSection(std::string_view path) {
  for (const Option& option : ConfigOptions()) {
    if (StartsWithSection(option.path, path)) return true;
  }
  return false;
}

std::vector<std::string> ChildKeys(std::string_view path) {
  std::vector<std::string> keys;
  for (const Option& option : ConfigOptions()) {
    if (!StartsWithSection(option.path, path)) continue;
    std::string_view rest = option.path.substr(path.empty() ? 0 : path.size() + 1);
    std::string name(rest.substr(0, rest.find('.')));
    if (std::find(keys.begin(), keys.end(), name) == keys.end()) keys.push_back(std::move(name));
  }
  return keys;
}

std::string_view OptionTypeName(OptionType type) {
  switch (type) {
    case OptionType::kBool: return "bool";
    case OptionType::kInt: return "int";
    case OptionType::kUint: return "uint";
    case OptionType::kString: return "string";
    case OptionType::kEnum: return "enum";
    case OptionType::kDuration: return "duration";
    case OptionType::kSize: return "size";
    case OptionType::kStringList: return "list of strings";
    case OptionType::kStringMap: return "map of strings";
    case OptionType::kTree: return "structure";
  }
  return "?";
}

std::string FormatOptionValue(const Option& option, const OptionValue& value) {
  switch (option.type) {
    case OptionType::kBool: return std::get<bool>(value) ? "true" : "false";
    case OptionType::kInt: return std::to_string(std::get<int64_t>(value));
    case OptionType::kUint: return std::to_string(std::get<uint64_t>(value));
    case OptionType::kSize: return FormatSize(std::get<uint64_t>(value));
    case OptionType::kDuration: return FormatDuration(std::get<Duration>(value));
    case OptionType::kEnum: return std::get<std::string>(value);
    case OptionType::kString: return Quoted(std::get<std::string>(value));
    case OptionType::kStringList: {
      std::string out = "[";
      for (const std::string& item : std::get<StringList>(value)) {
        if (out.size() > 1) out += ", ";
        out += Quoted(item);
      }
      return out + "]";
    }
    case OptionType::kTree: {
      const ConfigTree& tree = std::get<ConfigTree>(value);
      return tree.is_map() ? "{...}" : tree.is_list() ? "[...]" : tree.is_null() ? "~" : Quoted(tree.scalar);
    }
    case OptionType::kStringMap: {
      std::string out = "{";
      for (const auto& [key, item] : std::get<StringMap>(value)) {
        if (out.size() > 1) out += ", ";
        out += (IsPlainKey(key) ? key : Quoted(key)) + ": " + Quoted(item);
      }
      return out + "}";
    }
  }
  return "";
}

std::string FormatOptionBound(const Option& option, int64_t bound) {
  switch (option.type) {
    case OptionType::kSize: return FormatSize(static_cast<uint64_t>(bound));
    case OptionType::kDuration: return FormatDuration(Duration(bound));
    default: return std::to_string(bound);
  }
}

}  // namespace logcap
