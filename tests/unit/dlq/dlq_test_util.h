// Helpers for the dead-letter queue tests: a temporary directory, entries, and file access.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dlq/dead_letter_queue.h"

namespace logcap::dlq_test {

inline constexpr Nanos kDay = 24 * 3600 * kNanosPerSecond;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/logcap-dlq-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    path_ = p != nullptr ? p : "/tmp/logcap-dlq-fallback";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An event line as event_encoder writes it (without the newline), carrying an id.
inline std::string EventJson(int id) {
  return "{\"timestamp\":\"2026-11-23T10:00:00.123456789Z\",\"message\":\"event " + std::to_string(id) +
         " \\\"quoted\\\"\",\"source_type\":\"file\",\"source_id\":\"/var/log/app.log\",\"labels\":{\"job\":\"x\"}}";
}

inline DlqEntry Entry(int id, std::string sink = "http", std::string reason = "bad_request", Nanos time = 0) {
  DlqEntry e;
  e.sink = std::move(sink);
  e.reason = std::move(reason);
  e.error = "HTTP 400: bad thing #" + std::to_string(id);
  e.attempts = 1 + static_cast<uint32_t>(id % 5);
  e.last_attempt = time;
  e.first_attempt = time == 0 ? 0 : time - kNanosPerSecond;
  e.event_json = EventJson(id);
  return e;
}

// The id in "event <id> ..." of an entry's message.
inline int IdOf(const DlqEntry& e) {
  const std::string key = "\"message\":\"event ";
  const auto at = e.event_json.find(key);
  if (at == std::string::npos) return -1;
  return std::atoi(e.event_json.c_str() + at + key.size());
}

inline std::unique_ptr<DeadLetterQueue> OpenQueue(const DlqOptions& options) {
  std::unique_ptr<DeadLetterQueue> q;
  Status s = DeadLetterQueue::Open(options, &q);
  if (!s.ok()) ADD_FAILURE() << s.ToString();
  return q;
}

inline DlqOptions Options(const std::string& dir) {
  DlqOptions o;
  o.directory = dir;
  return o;
}

inline std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

inline std::vector<std::string> DataFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (auto& n : ListDir(dir))
    if (n.ends_with(".ndjson")) names.push_back(n);
  return names;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replays with a deliver that records every entry it is given and answers with answer(entry).
template <typename Answer>
std::vector<DlqStoredEntry> ReplayAll(DeadLetterQueue& q, const DlqReplayFilter& filter, Answer answer,
                                      size_t chunk = 100, uint64_t* delivered = nullptr, uint64_t* failed = nullptr) {
  std::vector<DlqStoredEntry> seen;
  uint64_t d = 0, f = 0;
  Status s = q.Replay(
      filter, chunk,
      [&](std::span<const DlqStoredEntry> entries) {
        std::vector<bool> out;
        for (const auto& e : entries) {
          seen.push_back(e);
          out.push_back(answer(e));
        }
        return out;
      },
      &d, &f);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (delivered != nullptr) *delivered = d;
  if (failed != nullptr) *failed = f;
  return seen;
}

inline std::vector<DlqStoredEntry> ReadBack(DeadLetterQueue& q, const DlqReplayFilter& filter = {}) {
  return ReplayAll(q, filter, [](const DlqStoredEntry&) { return false; });
}

}  // namespace logcap::dlq_test
