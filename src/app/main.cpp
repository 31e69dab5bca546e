// log-capturer: the command line (CONTRACT §2).
//
//   log-capturer [--config FILE]   run the agent
//   log-capturer validate FILE     check a configuration: exit 0, or 2 with FILE:LINE:COL errors
//   log-capturer test PIPELINES CASES  run test cases through pipelines: exit 0 pass, 1 fail, 2 invalid
//   log-capturer buffer check DIR  report a disk buffer's problems offline (exit 0 clean, 1 problems)
//   log-capturer buffer repair DIR cut torn tails, drop corrupt records, fix cursors (exit 0 / 1)
//   log-capturer --version
//
// Exit codes: 0 clean stop, 1 runtime failure, 2 configuration error.
// Signals are handled synchronously: the main thread blocks SIGTERM, SIGINT and SIGHUP before any
// other thread exists (so they inherit the mask) and waits for them with sigwait.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "app/agent.h"
#include "buffer/wal_check.h"
#include "app/logging.h"
#include "app/load_config.h"
#include "app/pipeline_test_command.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;
constexpr const char* kDefaultConfigPath = "/etc/log-capturer/config.yaml";

int Validate(const std::string& path) {
  logcap::ConfigLoadResult result = logcap::LoadConfig(path);
  for (const auto& e : result.errors) std::cerr << e.ToString() << "\n";
  if (!result.ok()) return kExitConfig;  // CONTRACT §2: only the problem lines on stderr
  std::cout << path << ": OK\n";
  return kExitOk;
}

// `buffer check DIR` / `buffer repair DIR`: for an operator, with the agent stopped.
int BufferTool(const std::string& action, const std::string& directory) {
  logcap::WalCheckReport report;
  logcap::Status s = action == "repair" ? logcap::RepairWal(directory, &report) : logcap::CheckWal(directory, &report);
  std::cout << report.ToText();
  if (!s.ok()) {
    std::cerr << "log-capturer buffer " << action << " " << directory << ": " << s.ToString() << "\n";
    return kExitRuntime;
  }
  if (action == "check") return report.ok() ? kExitOk : kExitRuntime;
  return kExitOk;
}

std::string ResolveConfigPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("SSW_CONFIG_FILE"); env != nullptr && *env != '\0') return env;
  return kDefaultConfigPath;
}

int Run(const std::string& config_flag) {
  const std::string path = ResolveConfigPath(config_flag);
  logcap::ConfigLoadResult loaded = logcap::LoadConfig(path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::cerr << e.ToString() << "\n";
    std::cerr << "log-capturer: configuration " << path << " has " << loaded.errors.size()
              << " problem(s); not starting\n";
    return kExitConfig;
  }
  logcap::SetupLogging(loaded.config.app.log_level, loaded.config.app.log_format);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  logcap::Agent agent(std::move(loaded.config));
  logcap::Status started = agent.Start();
  if (!started.ok()) {
    spdlog::error("start-up failed: {}", started.ToString());
    agent.Stop();
    return kExitRuntime;
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reloading the configuration");
      agent.Reload();
      continue;
    }
    spdlog::info("{}: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  // A second SIGTERM/SIGINT during the drain ends the process at once.
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  return agent.Stop() ? kExitOk : kExitRuntime;
}

}  // namespace

int main(int argc, char** argv) {
  // Sources allocate read blocks of read_buffer_size (256 KiB by default), above glibc's initial
  // mmap threshold: every block would be a fresh mmap, page-faulted in and unmapped again (7% of
  // the pipeline's CPU, measured). Keep such blocks on the heap, where freed ones are reused.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  // A file source keeps up to file_monitor.max_open_files descriptors open; Debian's soft limit is
  // 1024. Raise the soft limit to the hard one (no privilege needed).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  CLI::App app{"log-capturer: a log capture agent (files -> local files, stdout, Loki, Kafka)", "log-capturer"};
  app.set_version_flag("--version", std::string("log-capturer ") + LOGCAP_VERSION);
  std::string config_path;
  app.add_option("-c,--config", config_path, "configuration file (default: $SSW_CONFIG_FILE, else /etc/log-capturer/config.yaml)");

  std::string validate_path;
  CLI::App* validate = app.add_subcommand("validate", "check a configuration file and exit (0 valid, 2 invalid)");
  validate->add_option("file", validate_path, "the configuration file")->required();

  std::string test_pipelines, test_cases;
  CLI::App* test = app.add_subcommand(
      "test", "run the cases of a cases file through pipelines and compare the events (0 pass, 1 fail, 2 invalid)");
  test->add_option("pipelines", test_pipelines, "the pipelines file (or an agent config with a processing section)")
      ->required();
  test->add_option("cases", test_cases, "the cases file (docs/processing.md, \"Testing pipelines\")")->required();

  std::string buffer_action, buffer_dir;
  CLI::App* buffer = app.add_subcommand("buffer", "inspect or repair a disk buffer directory (stop the agent first)");
  buffer->add_option("action", buffer_action, "check (report problems; exit 1 if any) or repair (fix them)")
      ->required()
      ->check(CLI::IsMember({"check", "repair"}));
  buffer->add_option("dir", buffer_dir, "the buffer directory (disk_buffer.directory, default <data_dir>/buffer)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitConfig;
  }
  if (*validate) return Validate(validate_path);
  if (*test) return logcap::RunPipelineTests(test_pipelines, test_cases, std::cout, std::cerr);
  if (*buffer) return BufferTool(buffer_action, buffer_dir);
  return Run(config_path);
}
