// Helpers for the delivery tests: waiting for a condition, a temporary directory, reading a DLQ
// back, metric values and JSON parsing.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dlq/dead_letter_queue.h"
#include "pipeline/memory_feed.h"
#include "pipeline/sink_runner.h"
#include "telemetry/metrics.h"

namespace logcap::pipeline_test {

// Polls pred until it holds or the (generous: sanitizer builds are slow) limit passes.
template <typename Pred>
bool WaitFor(Pred pred, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/logcap-pipeline-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    if (p == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = p != nullptr ? p : "/tmp/logcap-pipeline-fallback";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Retries quick enough for tests; the breaker threshold high unless a test is about it.
inline SinkRunnerOptions FastRetries(uint64_t breaker_threshold = 1000) {
  SinkRunnerOptions options;
  options.retry_base_delay = 2 * kNanosPerMilli;
  options.retry_max_delay = 20 * kNanosPerMilli;
  options.breaker_threshold = breaker_threshold;
  return options;
}

// A runner fed from memory (disk buffer off); *feed is left pointing at its feed.
inline std::unique_ptr<SinkRunner> MemoryRunner(std::unique_ptr<Sink> sink, MemoryFeed** feed, DeadLetterQueue* dlq,
                                                const SinkRunnerOptions& options, Metrics* metrics) {
  auto owned = std::make_unique<MemoryFeed>();
  *feed = owned.get();
  return std::make_unique<SinkRunner>(std::move(sink), std::move(owned), dlq, options, metrics);
}

inline std::unique_ptr<DeadLetterQueue> OpenDlq(const std::string& dir) {
  DlqOptions options;
  options.directory = dir;
  std::unique_ptr<DeadLetterQueue> dlq;
  Status s = DeadLetterQueue::Open(options, &dlq);
  if (!s.ok()) ADD_FAILURE() << s.ToString();
  return dlq;
}

// The live entries of a DLQ, in file order; leaves them in place (a replay that delivers none).
inline std::vector<DlqEntry> ReadDlq(DeadLetterQueue& dlq) {
  std::vector<DlqEntry> out;
  Status s = dlq.Replay(DlqReplayFilter{}, 100, [&](std::span<const DlqStoredEntry> entries) {
    for (const DlqStoredEntry& e : entries) out.push_back(e.entry);
    return std::vector<bool>(entries.size(), false);
  }, nullptr, nullptr);
  if (!s.ok()) ADD_FAILURE() << s.ToString();
  return out;
}

// The value of one time series in the Prometheus text, e.g.
// `log_capturer_logs_dropped_total{reason="rejected",stage="sink"}`; -1 when absent.
inline double MetricValue(const Metrics& metrics, const std::string& series) {
  const std::string text = metrics.Serialize();
  const std::string key = series + " ";
  size_t at = 0;
  while ((at = text.find(key, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::strtod(text.c_str() + at + key.size(), nullptr);
    at += key.size();
  }
  return -1;
}

// Parses JSON text; fails the test (and returns an empty object) when it is not a JSON object.
inline rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    ADD_FAILURE() << "not a JSON object: " << text;
    doc.SetObject();
  }
  return doc;
}

// The message of an event's JSON form (what the DLQ stores), "" when it has none.
inline std::string MessageOf(const std::string& event_json) {
  rapidjson::Document doc;
  doc.Parse(event_json.c_str(), event_json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("message") || !doc["message"].IsString()) return "";
  return doc["message"].GetString();
}

}  // namespace logcap::pipeline_test
