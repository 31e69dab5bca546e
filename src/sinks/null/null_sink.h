// NullSink: accepts every batch and discards it, counting events and message bytes. For
// benchmarks and for testing the pipeline without I/O. Never fails.
//
// Threads: Write/Flush from the runner's thread; StatsJson and the accessors from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "pipeline/sink.h"

namespace logcap {

class NullSink final : public Sink {
 public:
  const std::string& name() const override { return name_; }
  Status Start() override { return Status::Ok(); }
  SinkResult Write(const EventBatch& batch) override;
  SinkResult Flush() override;
  void Stop() override {}
  // {"events":N,"bytes":N,"batches":N,"flushes":N}; bytes counts message bytes.
  std::string StatsJson() const override;

  uint64_t events() const { return events_.load(std::memory_order_relaxed); }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  const std::string name_ = "null";
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> flushes_{0};
};

}  // namespace logcap
