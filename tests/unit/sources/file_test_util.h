// Helpers for the file source tests: a temp directory, file writers, a collecting BatchConsumer and
// a condition wait with a generous deadline (tests wait for facts, never assert on durations).
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/event_batch.h"
#include "pipeline/source.h"

namespace logcap::testing {

inline constexpr std::chrono::seconds kDeadline{30};

// Polls cond every few milliseconds until it holds or the deadline passes.
inline bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds deadline = kDeadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "logcap-src-XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    if (made == nullptr) std::abort();
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& data, bool append = false) {
  FILE* f = std::fopen(path.c_str(), append ? "ab" : "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!data.empty()) {
    ASSERT_EQ(std::fwrite(data.data(), 1, data.size(), f), data.size());
  }
  std::fclose(f);
}
inline void AppendFile(const std::string& path, const std::string& data) { WriteFile(path, data, true); }

inline std::string ReadFile(const std::string& path) {
  std::string out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

inline std::string NumberedLines(int from, int to, const std::string& prefix = "line-") {
  std::string out;
  for (int i = from; i <= to; ++i) out += prefix + std::to_string(i) + "\n";
  return out;
}

struct CapturedEvent {
  std::string message;
  std::string source_id;
  std::string source_name;
  std::string component;
  uint8_t flags = 0;
  uint64_t stream_id = 0;
  uint64_t offset = 0;
  int64_t read_time = 0;
  Labels labels;
  std::string source_type;
  int64_t source_time = 0;
};

// Records every event and finalises each batch's tokens by dropping the batch (kDelivered), unless
// told to hold batches (to finalise them later, possibly out of order, with any outcome).
class CollectingConsumer : public BatchConsumer {
 public:
  bool Push(EventBatch&& batch) override {
    EventBatch local = std::move(batch);
    std::unique_lock<std::mutex> lock(mu_);
    if (refuse_) {
      local.ReportOutcome(DeliveryOutcome::kFailed);
      lock.unlock();
      return false;
    }
    ++batches_;
    max_batch_ = std::max(max_batch_, local.size());
    acks_per_batch_ok_ = acks_per_batch_ok_ && local.ack_count() == 1;
    for (const Event& e : local.events()) {
      events_.push_back(CapturedEvent{std::string(e.message), e.source->id, e.source->name, e.source->component,
                                      e.flags, e.position.stream_id, e.position.offset, e.read_time,
                                      e.source->labels, e.source->type, e.source_time});
    }
    if (hold_) {
      held_.push_back(std::move(local));
      return true;
    }
    lock.unlock();
    return true;  // local dies here: its token reports kDelivered
  }

  std::vector<CapturedEvent> Events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<std::string> Messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& e : events_) out.push_back(e.message);
    return out;
  }
  size_t Count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }
  bool WaitForCount(size_t n) {
    return WaitFor([&] { return Count() >= n; });
  }
  bool HasMessage(const std::string& m) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : events_)
      if (e.message == m) return true;
    return false;
  }
  size_t max_batch() const {
    std::lock_guard<std::mutex> lock(mu_);
    return max_batch_;
  }
  bool one_ack_per_batch() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acks_per_batch_ok_;
  }

  void set_hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
  }
  void set_refuse(bool refuse) {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_ = refuse;
  }
  // Takes the held batches (the caller finalises them by reporting and dropping).
  std::vector<EventBatch> TakeHeld() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<EventBatch> out = std::move(held_);
    held_.clear();
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<CapturedEvent> events_;
  std::vector<EventBatch> held_;
  bool hold_ = false;
  bool refuse_ = false;
  size_t batches_ = 0;
  size_t max_batch_ = 0;
  bool acks_per_batch_ok_ = true;
};

}  // namespace logcap::testing
