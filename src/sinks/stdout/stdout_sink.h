// StdoutSink: writes events to standard output (fd 1), text by default, json optional.
//
// Write() encodes into one buffer; Flush() writes the group with as few write(2) calls as the
// kernel allows (one, normally). A buffer past kMaxBufferBytes is written out early by Write().
// Short writes, EINTR and a non-blocking stdout (EAGAIN: poll) are handled.
//
// Errors:
//   EPIPE (the reader of stdout went away) is permanent: stdout cannot come back, so the sink
//   answers kReject with a status saying so, the runner counts the events as dropped, and every
//   later call rejects at once. SIGPIPE is blocked in the calling thread around each write and a
//   pending one is consumed, so a closed pipe never kills the agent.
//   Any other error (ENOSPC, EIO when stdout is a file) is kRetry; like LocalFileSink, a failed
//   Write() takes back its own bytes (whole lines), and Flush() keeps the rest for the next try.
//
// Threads: Start/Write/Flush/Stop from the runner's thread; StatsJson from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "core/clock.h"
#include "pipeline/sink.h"
#include "codec/event_encoder.h"

namespace logcap {

class StdoutSink final : public Sink {
 public:
  static constexpr size_t kMaxBufferBytes = 4 << 20;

  // fd is 1 except in tests (a pipe). The sink does not own or close it.
  explicit StdoutSink(const StdoutSinkConfig& config, int fd = 1);

  const std::string& name() const override { return name_; }
  // Checks output_format: InvalidArgument.
  Status Start() override;
  SinkResult Write(const EventBatch& batch) override;
  SinkResult Flush() override;
  void Stop() override;
  std::string StatsJson() const override;

 private:
  // Writes buffer_[written_, end) and drops what was written. Returns 0 or errno.
  int WriteOut();
  SinkResult Failure(int err);

  const std::string name_ = "stdout";
  const StdoutSinkConfig config_;
  const int fd_;
  OutputFormat format_ = OutputFormat::kText;
  TimestampFormatter ts_;
  std::string buffer_;
  bool starts_mid_line_ = false;  // buffer_ begins with the rest of a line cut by a short write
  std::atomic<bool> closed_{false};  // EPIPE seen: stdout is gone for good

  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> bytes_written_{0};
  std::atomic<uint64_t> write_errors_{0};
};

}  // namespace logcap
