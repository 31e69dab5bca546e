// Loading valid configurations: the full CONTRACT §3 example, env expansion, files on disk.
#include "config/loader.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/options.h"
#include "config_test_util.h"

namespace logcap {
namespace {

using ::testing::HasSubstr;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// CONTRACT §3, verbatim except that sinks.stdout is enabled (a valid config needs a sink).
constexpr std::string_view kContractVerbatim = R"(app:
  name: ssw-logs-capture
  environment: production
  log_level: info             # debug | info | warn | error
  log_format: json            # json | text (the agent's own log, on stderr)
  data_dir: /var/lib/log-capturer   # default parent of positions/, buffer/, dlq/
  shutdown_timeout: 30s

server:                       # HTTP API
  enabled: true
  host: 127.0.0.1
  port: 8401
  auth_token: ""              # when set, every POST and every /api/* call needs "Authorization: Bearer TOKEN"

metrics:
  enabled: true
  path: /metrics              # served by the API server

file_monitor:
  enabled: true
  include: ["/var/log/*.log"] # globs, ** is recursive; new matching files are picked up while running
  exclude: ["*.gz", "*.zip"]
  read_from: beginning        # beginning | end: only for files never seen before
  labels: {job: varlogs}      # static labels on every event of this source
  max_line_size: 1MiB         # longer lines are truncated and counted, never crash or stall

container_monitor:
  enabled: false
  docker_root: /var/lib/docker/containers      # Docker json-file logs
  docker_socket: unix:///var/run/docker.sock   # metadata (name, image, labels); optional
  cri_include: ["/var/log/pods/*/*/*.log"]     # Kubernetes CRI logs
  include_names: []
  exclude_names: []
  include_labels: {}
  exclude_labels: {}

dispatcher:
  queue_size: 50000           # events held in memory between sources and sinks
  batch_size: 1000
  batch_timeout: 1s
  worker_count: 0             # 0 = one per core
  backpressure: block         # block (pause sources, lose nothing) | drop_newest | drop_oldest

sinks:
  loki:
    enabled: false
    url: http://localhost:3100
    push_endpoint: /loki/api/v1/push
    format: protobuf          # protobuf (snappy) | json (gzip)
    tenant_id: ""             # X-Scope-OrgID
    labels: {}                # static stream labels
    auth: {type: none}        # none | basic {username,password} | bearer {token}
    tls: {ca_file: "", cert_file: "", key_file: "", insecure_skip_verify: false}
    headers: {}
    batch_size: 1000
    batch_timeout: 1s
    timeout: 30s
  kafka:
    enabled: false
    brokers: ["localhost:9092"]
    topic: logs
    compression: snappy       # none | gzip | snappy | lz4 | zstd
    required_acks: -1
    partitioning: {strategy: hash, key_field: ""}   # hash | round-robin | random
    auth: {enabled: false, mechanism: PLAIN, username: "", password: ""}  # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
    tls: {enabled: false, ca_file: "", cert_file: "", key_file: "", verify_certificate: true}
  local_file:
    enabled: false
    directory: /var/log/log-capturer/output
    filename_pattern: "{source_type}-{date}.log"
    output_format: json       # json | text
    rotation: {max_size_mb: 100, max_files: 10, compress: true}
  stdout:
    enabled: true               # changed from the contract: one sink must be enabled
    output_format: text       # text | json

positions:
  directory: ""               # default: <data_dir>/positions
  flush_interval: 1s

disk_buffer:
  enabled: true
  directory: ""               # default: <data_dir>/buffer
  max_total_size: 1GiB
  max_file_size: 64MiB
  when_full: block            # block | drop_oldest

dlq:
  enabled: true
  directory: ""               # default: <data_dir>/dlq
  max_total_size: 1GiB
  retention: 7d
)";

TEST(ConfigLoader, VerbatimContractExampleLoadsAndMatchesTheDefaults) {
  ConfigLoadResult result = LoadConfigString(kContractVerbatim, "contract.yaml");
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  const Config defaults;
  for (const Option& option : ConfigOptions()) {
    if (option.path == "sinks.stdout.enabled") continue;
    EXPECT_EQ(option.get(result.config), option.get(defaults)) << option.path << " differs from config.h";
  }
  EXPECT_TRUE(result.config.sinks.stdout_sink.enabled);
}

// CONTRACT §3's layout, with sinks.stdout enabled and every value changed from its default where
// the contract allows it, so the test proves the values land (not just the defaults).
constexpr std::string_view kContractExample = R"(app:
  name: ssw-logs-capture-test
  environment: staging
  log_level: warn             # debug | info | warn | error
  log_format: text            # json | text (the agent's own log, on stderr)
  data_dir: /srv/log-capturer # default parent of positions/, buffer/, dlq/
  shutdown_timeout: 45s

server:                       # HTTP API
  enabled: true
  host: 0.0.0.0
  port: 9401
  auth_token: "s3cret"        # when set, every POST and every /api/* call needs "Authorization: Bearer TOKEN"

metrics:
  enabled: false
  path: /prom

file_monitor:
  enabled: true
  include: ["/var/log/*.log", "/srv/**/*.log"] # globs, ** is recursive
  exclude: ["*.gz", "*.zip", "*.bz2"]
  read_from: end              # beginning | end: only for files never seen before
  labels: {job: varlogs, team: infra}
  max_line_size: 2MiB

container_monitor:
  enabled: false
  docker_root: /data/docker/containers         # Docker json-file logs
  docker_socket: unix:///run/docker.sock       # metadata (name, image, labels); optional
  cri_include: ["/var/log/pods/*/*/*.log"]     # Kubernetes CRI logs
  include_names: [web]
  exclude_names: [sidecar]
  include_labels: {app: shop}
  exclude_labels: {}

dispatcher:
  queue_size: 20000           # events held in memory between sources and sinks
  batch_size: 500
  batch_timeout: 250ms
  worker_count: 4             # 0 = one per core
  backpressure: drop_oldest   # block (pause sources, lose nothing) | drop_newest | drop_oldest

sinks:
  loki:
    enabled: false
    url: http://loki:3100
    push_endpoint: /loki/api/v1/push
    format: json              # protobuf (snappy) | json (gzip)
    tenant_id: "tenant-1"     # X-Scope-OrgID
    labels: {cluster: c1}     # static stream labels
    auth: {type: basic, username: u, password: p}  # none | basic {username,password} | bearer {token}
    tls: {ca_file: "/ca.pem", cert_file: "", key_file: "", insecure_skip_verify: true}
    headers: {X-Extra: "1"}
    batch_size: 2000
    batch_timeout: 2s
    timeout: 1m
  kafka:
    enabled: false
    brokers: ["k1:9092", "k2:9092"]
    topic: app-logs
    compression: zstd         # none | gzip | snappy | lz4 | zstd
    required_acks: 1
    partitioning: {strategy: round-robin, key_field: "host"}   # hash | round-robin | random
    auth: {enabled: true, mechanism: SCRAM-SHA-512, username: "ku", password: "kp"}
    tls: {enabled: true, ca_file: "/k.pem", cert_file: "", key_file: "", verify_certificate: false}
  local_file:
    enabled: true
    directory: /var/log/log-capturer/out
    filename_pattern: "{source_type}.log"
    output_format: text       # json | text
    rotation: {max_size_mb: 50, max_files: 3, compress: false}
  stdout:
    enabled: true
    output_format: json       # text | json

positions:
  directory: ""               # default: <data_dir>/positions
  flush_interval: 2s

disk_buffer:
  enabled: true
  directory: "/buf"           # default: <data_dir>/buffer
  max_total_size: 2GiB
  max_file_size: 32MiB
  when_full: drop_oldest      # block | drop_oldest

dlq:
  enabled: false
  directory: ""               # default: <data_dir>/dlq
  max_total_size: 512MiB
  retention: 3d
)";

TEST(ConfigLoader, ContractExampleLoadsIntoTheStructs) {
  ConfigLoadResult result = LoadConfigString(kContractExample, "contract.yaml");
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  const Config& c = result.config;
  EXPECT_EQ(c.app.name, "ssw-logs-capture-test");
  EXPECT_EQ(c.app.environment, "staging");
  EXPECT_EQ(c.app.log_level, "warn");
  EXPECT_EQ(c.app.log_format, "text");
  EXPECT_EQ(c.app.data_dir, "/srv/log-capturer");
  EXPECT_EQ(c.app.shutdown_timeout, seconds(45));
  EXPECT_TRUE(c.server.enabled);
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9401);
  EXPECT_EQ(c.server.auth_token, "s3cret");
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.path, "/prom");
  EXPECT_EQ(c.file_monitor.include, (StringList{"/var/log/*.log", "/srv/**/*.log"}));
  EXPECT_EQ(c.file_monitor.exclude, (StringList{"*.gz", "*.zip", "*.bz2"}));
  EXPECT_EQ(c.file_monitor.read_from, "end");
  EXPECT_EQ(c.file_monitor.labels, (StringMap{{"job", "varlogs"}, {"team", "infra"}}));
  EXPECT_EQ(c.file_monitor.max_line_size, 2 * kMiB);
  EXPECT_EQ(c.container_monitor.docker_root, "/data/docker/containers");
  EXPECT_EQ(c.container_monitor.docker_socket, "unix:///run/docker.sock");
  EXPECT_EQ(c.container_monitor.include_names, (StringList{"web"}));
  EXPECT_EQ(c.container_monitor.exclude_names, (StringList{"sidecar"}));
  EXPECT_EQ(c.container_monitor.include_labels, (StringMap{{"app", "shop"}}));
  EXPECT_TRUE(c.container_monitor.exclude_labels.empty());
  EXPECT_EQ(c.dispatcher.queue_size, 20000u);
  EXPECT_EQ(c.dispatcher.batch_size, 500u);
  EXPECT_EQ(c.dispatcher.batch_timeout, milliseconds(250));
  EXPECT_EQ(c.dispatcher.worker_count, 4u);
  EXPECT_EQ(c.dispatcher.backpressure, "drop_oldest");
  const LokiSinkConfig& loki = c.sinks.loki;
  EXPECT_FALSE(loki.enabled);
  EXPECT_EQ(loki.url, "http://loki:3100");
  EXPECT_EQ(loki.format, "json");
  EXPECT_EQ(loki.tenant_id, "tenant-1");
  EXPECT_EQ(loki.labels, (StringMap{{"cluster", "c1"}}));
  EXPECT_EQ(loki.auth.type, "basic");
  EXPECT_EQ(loki.auth.username, "u");
  EXPECT_EQ(loki.auth.password, "p");
  EXPECT_EQ(loki.tls.ca_file, "/ca.pem");
  EXPECT_TRUE(loki.tls.insecure_skip_verify);
  EXPECT_EQ(loki.headers, (StringMap{{"X-Extra", "1"}}));
  EXPECT_EQ(loki.batch_size, 2000u);
  EXPECT_EQ(loki.batch_timeout, seconds(2));
  EXPECT_EQ(loki.timeout, seconds(60));
  const KafkaSinkConfig& kafka = c.sinks.kafka;
  EXPECT_EQ(kafka.brokers, (StringList{"k1:9092", "k2:9092"}));
  EXPECT_EQ(kafka.topic, "app-logs");
  EXPECT_EQ(kafka.compression, "zstd");
  EXPECT_EQ(kafka.required_acks, 1);
  EXPECT_EQ(kafka.partitioning.strategy, "round-robin");
  EXPECT_EQ(kafka.partitioning.key_field, "host");
  EXPECT_TRUE(kafka.auth.enabled);
  EXPECT_EQ(kafka.auth.mechanism, "SCRAM-SHA-512");
  EXPECT_EQ(kafka.auth.username, "ku");
  EXPECT_EQ(kafka.auth.password, "kp");
  EXPECT_TRUE(kafka.tls.enabled);
  EXPECT_EQ(kafka.tls.ca_file, "/k.pem");
  EXPECT_FALSE(kafka.tls.verify_certificate);
  const LocalFileSinkConfig& file = c.sinks.local_file;
  EXPECT_TRUE(file.enabled);
  EXPECT_EQ(file.directory, "/var/log/log-capturer/out");
  EXPECT_EQ(file.filename_pattern, "{source_type}.log");
  EXPECT_EQ(file.output_format, "text");
  EXPECT_EQ(file.rotation.max_size_mb, 50u);
  EXPECT_EQ(file.rotation.max_files, 3u);
  EXPECT_FALSE(file.rotation.compress);
  EXPECT_TRUE(c.sinks.stdout_sink.enabled);
  EXPECT_EQ(c.sinks.stdout_sink.output_format, "json");
  EXPECT_EQ(c.positions.directory, "");
  EXPECT_EQ(c.PositionsDirectory(), "/srv/log-capturer/positions");
  EXPECT_EQ(c.positions.flush_interval, seconds(2));
  EXPECT_EQ(c.disk_buffer.directory, "/buf");
  EXPECT_EQ(c.disk_buffer.max_total_size, 2 * kGiB);
  EXPECT_EQ(c.disk_buffer.max_file_size, 32 * kMiB);
  EXPECT_EQ(c.disk_buffer.when_full, "drop_oldest");
  EXPECT_FALSE(c.dlq.enabled);
  EXPECT_EQ(c.dlq.max_total_size, 512 * kMiB);
  EXPECT_EQ(c.dlq.retention, hours(72));
  EXPECT_EQ(c.source_path, "");
}

TEST(ConfigLoader, KeysNotWrittenKeepTheirDefaults) {
  ConfigLoadResult result = LoadWithStdoutSink("server:\n  port: 9000\n");
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  const Config defaults;
  EXPECT_EQ(result.config.server.port, 9000);
  EXPECT_EQ(result.config.server.host, defaults.server.host);
  EXPECT_EQ(result.config.file_monitor.include, defaults.file_monitor.include);
  EXPECT_EQ(result.config.dlq.retention, defaults.dlq.retention);
}

TEST(ConfigLoader, EnvVariablesExpandInEveryKindOfScalar) {
  ScopedEnv host("LOGCAP_TEST_HOST", "10.0.0.1");
  ScopedEnv port("LOGCAP_TEST_PORT", "9100");
  ScopedEnv glob("LOGCAP_TEST_GLOB", "/data/*.log");
  ScopedEnv team("LOGCAP_TEST_TEAM", "payments");
  ScopedEnv unset("LOGCAP_TEST_UNSET", std::nullopt);
  ConfigLoadResult result = LoadWithStdoutSink(
      "server:\n"
      "  host: ${LOGCAP_TEST_HOST}\n"
      "  port: ${LOGCAP_TEST_PORT}\n"
      "  auth_token: \"$${LOGCAP_TEST_HOST}\"\n"
      "app:\n"
      "  shutdown_timeout: ${LOGCAP_TEST_UNSET:-10s}\n"
      "  name: pre-${LOGCAP_TEST_UNSET:-}-post\n"
      "file_monitor:\n"
      "  include: [\"${LOGCAP_TEST_GLOB}\"]\n"
      "  labels: {team: \"${LOGCAP_TEST_TEAM}\"}\n");
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  EXPECT_EQ(result.config.server.host, "10.0.0.1");
  EXPECT_EQ(result.config.server.port, 9100);
  EXPECT_EQ(result.config.server.auth_token, "${LOGCAP_TEST_HOST}");
  EXPECT_EQ(result.config.app.shutdown_timeout, seconds(10));
  EXPECT_EQ(result.config.app.name, "pre--post");
  EXPECT_EQ(result.config.file_monitor.include, (StringList{"/data/*.log"}));
  EXPECT_EQ(result.config.file_monitor.labels, (StringMap{{"team", "payments"}}));
}

TEST(ConfigLoader, NullValuesMeanEmptyForStringsListsAndMaps) {
  ConfigLoadResult result = LoadWithStdoutSink(
      "server:\n  auth_token:\nfile_monitor:\n  exclude:\n  labels: ~\n");
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  EXPECT_EQ(result.config.server.auth_token, "");
  EXPECT_TRUE(result.config.file_monitor.exclude.empty());
  EXPECT_TRUE(result.config.file_monitor.labels.empty());
}

TEST(ConfigLoader, NumbersAreValidStrings) {
  ConfigLoadResult result = LoadWithStdoutSink("app:\n  name: 12345\n  environment: 1.5\n");
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  EXPECT_EQ(result.config.app.name, "12345");
  EXPECT_EQ(result.config.app.environment, "1.5");
}

TEST(ConfigLoader, LeadingDocumentMarkerIsAccepted) {
  ConfigLoadResult result = LoadWithStdoutSink("---\nserver:\n  port: 1234\n");
  ASSERT_TRUE(result.ok()) << AllErrors(result);
  EXPECT_EQ(result.config.server.port, 1234);
}

TEST(ConfigLoader, FileIsReadAndSourcePathSet) {
  char path[] = "/tmp/logcap_config_testXXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    std::ofstream out(path);
    out << "server:\n  port: 7777\n  nope: 1\nsinks:\n  null:\n    enabled: true\n";
  }
  ConfigLoadResult result = LoadConfigFile(path);
  std::remove(path);
  ASSERT_EQ(result.errors.size(), 1u) << AllErrors(result);
  EXPECT_EQ(result.errors[0].file, path);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.config.server.port, 7777);
  EXPECT_EQ(result.config.source_path, path);
}

TEST(ConfigLoader, UnreadableFileGivesOneErrorNamingIt) {
  ConfigLoadResult result = LoadConfigFile("/nonexistent/logcap/config.yaml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].ToString(),
            "/nonexistent/logcap/config.yaml: error: cannot open config file '/nonexistent/logcap/config.yaml': No "
            "such file or directory");
}

TEST(ConfigLoader, DirectoryIsNotAConfigFile) {
  ConfigLoadResult result = LoadConfigFile("/tmp");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(result.errors[0].message, HasSubstr("Is a directory"));
}

}  // namespace
}  // namespace logcap
