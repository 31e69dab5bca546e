// ScriptedSink: a test Sink whose verdict for each batch comes from a script, and which records
// what it was given (messages delivered, attempts per batch, when each attempt was made).
//
// A batch is known by its first message, so tests give every batch a distinct first line. The
// default WriteGroup (Write each, then Flush once) is kept, so group commit is what is tested.
// Thread-safety: the runner thread calls the Sink methods, the test thread the accessors; one
// mutex covers both. The script runs under that mutex and must not call back into the sink.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "pipeline/sink.h"

namespace logcap::pipeline_test {

class ScriptedSink : public Sink {
 public:
  // attempt: 1 for the first Write of this batch (by first message), 2 for its first retry, ...
  using Script = std::function<SinkResult(const EventBatch& batch, int attempt)>;

  explicit ScriptedSink(std::string name = "scripted", Script script = nullptr)
      : name_(std::move(name)), script_(std::move(script)) {}

  const std::string& name() const override { return name_; }
  Status Start() override { return Status::Ok(); }
  void Stop() override {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }

  SinkResult Write(const EventBatch& batch) override {
    std::lock_guard lock(mu_);
    const std::string key = KeyOf(batch);
    const int attempt = ++attempts_[key];
    write_times_[key].push_back(MonotonicNowNanos());
    SinkResult result = script_ ? script_(batch, attempt) : SinkResult::Ok();
    if (result.ok()) {
      ++accepted_[key];
      std::vector<bool> refused(batch.size(), false);
      for (const RejectedEvent& r : result.rejected) {
        if (r.index < refused.size()) refused[r.index] = true;
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!refused[i]) delivered_.emplace_back(batch.events()[i].message);
      }
    }
    return result;
  }
  void WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results) override {
    bool look_ahead = false;
    {
      std::lock_guard lock(mu_);
      group_sizes_.push_back(group.size());
      std::vector<std::string> keys;
      for (const EventBatch* b : group) keys.push_back(KeyOf(*b));
      groups_.push_back(std::move(keys));
      look_ahead = look_ahead_;
    }
    if (look_ahead) {
      std::vector<std::string> keys;
      for (const EventBatch* b : LookAhead()) keys.push_back(KeyOf(*b));
      std::lock_guard lock(mu_);
      looked_ahead_.push_back(std::move(keys));
    }
    Sink::WriteGroup(group, results);
  }
  // The runner reads it once, at Start.
  size_t max_group_batches() const override { return max_group_batches_; }
  void set_max_group_batches(size_t n) { max_group_batches_ = n; }
  // When set, every WriteGroup asks for the next group (Sink::LookAhead) and records its keys.
  void set_look_ahead(bool on) {
    std::lock_guard lock(mu_);
    look_ahead_ = on;
  }
  // The first message of each batch of each WriteGroup call, and of each look-ahead answer.
  std::vector<std::vector<std::string>> groups() const {
    std::lock_guard lock(mu_);
    return groups_;
  }
  std::vector<std::vector<std::string>> looked_ahead() const {
    std::lock_guard lock(mu_);
    return looked_ahead_;
  }
  SinkResult Flush() override { return SinkResult::Ok(); }
  GroupFill group_fill() const override {
    std::lock_guard lock(mu_);
    return fill_;
  }
  void set_group_fill(GroupFill fill) {
    std::lock_guard lock(mu_);
    fill_ = fill;
  }

  ComponentHealth Health() const override {
    std::lock_guard lock(mu_);
    return health_;
  }
  void set_health(ComponentHealth health) {
    std::lock_guard lock(mu_);
    health_ = std::move(health);
  }
  void Idle() override {
    std::lock_guard lock(mu_);
    ++idle_calls_;
  }
  int idle_calls() const {
    std::lock_guard lock(mu_);
    return idle_calls_;
  }

  void SetScript(Script script) {
    std::lock_guard lock(mu_);
    script_ = std::move(script);
  }
  // Every message of every batch accepted, in the order written (a retried batch appears again).
  std::vector<std::string> delivered() const {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  size_t delivered_count() const {
    std::lock_guard lock(mu_);
    return delivered_.size();
  }
  // Write calls for the batch whose first message is key (accepted or not).
  int attempts(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = attempts_.find(key);
    return it == attempts_.end() ? 0 : it->second;
  }
  // Write calls for that batch that were accepted.
  int accepted(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = accepted_.find(key);
    return it == accepted_.end() ? 0 : it->second;
  }
  // Monotonic times of the Write calls for that batch.
  std::vector<Nanos> write_times(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = write_times_.find(key);
    return it == write_times_.end() ? std::vector<Nanos>{} : it->second;
  }
  int total_writes() const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [key, count] : attempts_) n += count;
    return n;
  }
  // The size of every group handed to WriteGroup, in order.
  std::vector<size_t> group_sizes() const {
    std::lock_guard lock(mu_);
    return group_sizes_;
  }
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }

  static std::string KeyOf(const EventBatch& batch) {
    return batch.empty() ? std::string() : std::string(batch.events().front().message);
  }

 private:
  const std::string name_;
  mutable std::mutex mu_;
  Script script_;
  std::map<std::string, int> attempts_;
  std::map<std::string, int> accepted_;
  std::map<std::string, std::vector<Nanos>> write_times_;
  std::vector<std::string> delivered_;
  std::vector<size_t> group_sizes_;
  bool stopped_ = false;
  GroupFill fill_;
  ComponentHealth health_;
  int idle_calls_ = 0;
  size_t max_group_batches_ = 64;
  bool look_ahead_ = false;
  std::vector<std::vector<std::string>> groups_;
  std::vector<std::vector<std::string>> looked_ahead_;
};

// Scripts used by several tests.
inline SinkResult FailTransient(const char* why = "injected") { return SinkResult::Retry(Status::IoError(why)); }

}  // namespace logcap::pipeline_test
