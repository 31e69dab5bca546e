#include "sinks/stdout/stdout_sink.h"
#include "core/json_object.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "sinks/common/fd_io.h"

namespace logcap {

namespace {

// Blocks SIGPIPE in this thread for its lifetime. When told that a write failed with EPIPE, it
// consumes the SIGPIPE that write raised (unless one was already pending before), then restores
// the mask, so a closed pipe never kills the process.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  }
  ~ScopedSigpipeBlock() {
    if (!blocked_) return;
    if (saw_epipe_ && !was_pending_) {
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

  void SawEpipe() { saw_epipe_ = true; }

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
  bool blocked_ = false;
  bool saw_epipe_ = false;
};

Status ClosedStatus() {
  return Status::Unavailable("stdout is closed (EPIPE: its reader went away); events for the stdout sink are dropped");
}

}  // namespace

StdoutSink::StdoutSink(const StdoutSinkConfig& config, int fd) : config_(config), fd_(fd) {}

Status StdoutSink::Start() {
  const auto format = ParseOutputFormat(config_.output_format);
  if (!format) {
    return Status::InvalidArgument("sinks.stdout.output_format must be text or json, not \"" +
                                   config_.output_format + "\"");
  }
  format_ = *format;
  return Status::Ok();
}

int StdoutSink::WriteOut() {
  if (buffer_.empty()) return 0;
  size_t n = 0;
  int err;
  {
    ScopedSigpipeBlock guard;
    err = WriteFully(fd_, buffer_.data(), buffer_.size(), &n);
    if (err == EPIPE) guard.SawEpipe();
  }
  bytes_written_.fetch_add(n, std::memory_order_relaxed);
  // Keep the rest of a line cut by a short write, so it is completed by the next attempt.
  if (n > 0) starts_mid_line_ = buffer_[n - 1] != '\n';
  buffer_.erase(0, n);
  return err;
}

SinkResult StdoutSink::Failure(int err) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  if (err == EPIPE) {
    closed_.store(true, std::memory_order_relaxed);
    buffer_.clear();
    return SinkResult::Reject(ClosedStatus());
  }
  return SinkResult::Retry(Status::IoErrorFromErrno("write to stdout", err));
}

SinkResult StdoutSink::Write(const EventBatch& batch) {
  if (closed_.load(std::memory_order_relaxed)) return SinkResult::Reject(ClosedStatus());
  const size_t mark = buffer_.size();
  JsonSourceCache sources;  // for this batch only
  for (const Event& e : batch.events()) AppendEvent(format_, batch, e, ts_, buffer_, &sources);
  if (buffer_.size() >= kMaxBufferBytes) {
    const size_t before = buffer_.size();
    const int err = WriteOut();
    if (err != 0) {
      // Take back this batch's unwritten bytes: the runner will Write it again.
      const size_t written = before - buffer_.size();
      const size_t own_start = mark > written ? mark - written : 0;
      size_t keep = own_start;
      if (starts_mid_line_) keep = std::max(keep, std::min(buffer_.size(), buffer_.find('\n') + 1));
      if (keep < buffer_.size()) buffer_.resize(keep);
      return Failure(err);
    }
  }
  events_.fetch_add(batch.size(), std::memory_order_relaxed);
  return SinkResult::Ok();
}

SinkResult StdoutSink::Flush() {
  if (closed_.load(std::memory_order_relaxed)) return SinkResult::Reject(ClosedStatus());
  const int err = WriteOut();
  if (err != 0) return Failure(err);
  return SinkResult::Ok();
}

void StdoutSink::Stop() {
  if (!closed_.load(std::memory_order_relaxed)) (void)WriteOut();
  buffer_.clear();
}

std::string StdoutSink::StatsJson() const {
  return JsonObject()
      .Add("events", events_.load())
      .Add("bytes_written", bytes_written_.load())
      .Add("write_errors", write_errors_.load())
      .Add("closed", closed_.load())
      .Take();
}

}  // namespace logcap
