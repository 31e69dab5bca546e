// HttpIngestSource: POST /api/v1/logs (CONTRACT §5), Source "http".
//
// A request body is one JSON object {message, level?, timestamp?, labels?} (possibly spread over
// several lines) or NDJSON, one such object per line. Validation is all or nothing: if any object
// is invalid the answer is 400 listing the problems, and nothing of the request is taken, so a
// client can fix and resend without duplicating. A valid request becomes one batch, offered to the
// pipeline without waiting (the HTTP thread never blocks):
//   202 {"accepted":N}           taken; with wait_for_durable (the disk buffer is on) the answer
//                                comes only once the batch is durable in the buffer
//                                ("durable":true), so a 202 is a promise (CONTRACT §5)
//   429 + Retry-After: 1         the queue is full under `backpressure: block`
//   503                          the agent is stopping, or the batch could not be stored durably
//                                (nothing is promised: the client should send it again)
// Fields: message (string, required); level (string: trace..fatal and common aliases);
// timestamp (RFC 3339 string, or a number of seconds since the epoch), else the receive time;
// labels (an object of string values). Events carry source_type "http", source_id "http-ingest".
//
// Thread-safety: Ingest may be called from any thread (the HTTP server's); it takes no lock.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/source.h"

namespace logcap {

struct IngestResponse {
  int status = 202;
  std::string json;
};

class HttpIngestSource : public Source {
 public:
  static constexpr const char* kName = "http_ingest";
  static constexpr size_t kMaxErrorsReported = 20;

  HttpIngestSource();

  const std::string& name() const override { return name_; }
  Status Start(const SourceContext& context) override;
  void Stop() override { stopping_.store(true); }
  Status Finish() override { return Status::Ok(); }
  std::string StatsJson() const override;

  using Done = std::function<void(IngestResponse)>;
  // Answers through done: at once, or (wait_for_durable) once the batch is durable, from the
  // thread that made it so.
  void Ingest(std::string_view body, Done done);
  // The same, waiting for the answer (tests; only sensible without wait_for_durable).
  IngestResponse Ingest(std::string_view body);
  void set_wait_for_durable(bool wait) { wait_for_durable_ = wait; }

 private:
  std::string name_ = kName;
  std::shared_ptr<const SourceInfo> info_;
  BatchConsumer* output_ = nullptr;
  bool wait_for_durable_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> accepted_events_{0};
  std::atomic<uint64_t> invalid_requests_{0};
  std::atomic<uint64_t> refused_requests_{0};
};

}  // namespace logcap
