// HttpSink ("http"): POSTs each batch as NDJSON to sinks.http.url.
//
// Request: one POST per batch; the body is one JSON line per event (codec/event_encoder.h, the
// form of CONTRACT §4), gzip-compressed when compression is gzip (level 1). Headers:
// Content-Type: application/x-ndjson, Content-Encoding: gzip (when compressing), Authorization
// (basic or bearer), User-Agent: log-capturer/<version>, then sinks.http.headers (a configured
// Content-Type, Authorization or User-Agent replaces ours).
//
// Concurrency: WriteGroup sends all batches of the group at once, at most max_in_flight requests
// on the wire, over kept-alive connections (sinks/common/http_client.h). Write() is a group of one;
// Flush() has nothing to do (a batch is delivered when its request is answered 2xx).
//
// Verdicts, per batch (sinks/common/http_status.h has the status table):
//   2xx                         kOk.
//   no answer, 408/425/429/5xx  kRetry with the error or the server's text; retry_after from
//                               Retry-After.
//   401/403/407, 3xx            kRetry + misconfigured: the data is kept; the message names the
//                               status, the url and what the server said.
//   400 and other 4xx, 413      the request is split in halves, and each half sent again
//                               (recursively, breadth-first, all batches concurrently) until only
//                               the events the server really refuses are left: each goes into
//                               results[i].rejected (reason "bad_request" or "too_large", error =
//                               the server's answer, trimmed to kMaxErrorBytes), every other event
//                               is delivered and the verdict is kOk. When every event of the batch
//                               is refused, the verdict is kReject instead (the reason of the first
//                               event). A retryable answer at any point of a split makes the whole
//                               batch kRetry: it is sent again in full later (at-least-once:
//                               events already accepted may arrive twice). Splitting a batch whose
//                               every event is refused costs 2N-1 requests.
//
// Metrics: log_capturer_sink_requests_total{sink="http", code} per request; the runner counts the
// rest. Stats (StatsJson): requests, responses_2xx/3xx/4xx/5xx, transport_errors, timeouts,
// bytes_sent (on the wire), bytes_raw (NDJSON before compression), bisections (requests split),
// rejected_events, delivered_events, connections_opened.
//
// Threads: Start/WriteGroup/Write/Flush/Stop from the runner's thread; StatsJson from any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "pipeline/sink.h"
#include "sinks/common/http_client.h"
#include "sinks/common/http_messages.h"
#include "sinks/common/gzip_compressor.h"

namespace logcap {

class Metrics;

// Every problem the options table cannot see: the url (scheme http/https, a host), auth (a
// username for basic, a token for bearer) and headers (valid names, no line breaks, none of the
// headers the sink sets itself from other settings: Content-Encoding, Content-Length,
// Transfer-Encoding, Expect, Host). Empty when all is well.
std::vector<SinkConfigError> CheckHttpSinkConfig(const HttpSinkConfig& config);

class HttpSink final : public Sink {
 public:
  static constexpr size_t kMaxErrorBytes = 300;  // of the server's answer, in messages and rejects

  // metrics may be null (tests); it must outlive the sink.
  explicit HttpSink(const HttpSinkConfig& config, Metrics* metrics = nullptr);
  ~HttpSink() override;

  const std::string& name() const override { return name_; }
  // Checks the settings (CheckHttpSinkConfig, compression) and creates the client: InvalidArgument
  // naming the key, or Unavailable when libcurl/zlib cannot start.
  Status Start() override;
  void WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results) override;
  SinkResult Write(const EventBatch& batch) override { return WriteAsGroupOfOne(batch); }
  SinkResult Flush() override { return SinkResult::Ok(); }
  // Every batch of a group is encoded (and compressed) before the first request goes out: a
  // couple of rounds of requests in flight keep the connections busy without holding 64 bodies.
  size_t max_group_batches() const override { return 2 * std::max<size_t>(1, config_.max_in_flight); }
  // Closes the connections. Idempotent.
  void Stop() override;
  std::string StatsJson() const override;

 private:
  // One batch of the group: its NDJSON and where each event's line ends.
  struct Encoded {
    const EventBatch* batch = nullptr;
    std::string ndjson;
    std::vector<size_t> line_end;  // line i is ndjson[i ? line_end[i-1] : 0, line_end[i])
    SinkResult* result = nullptr;
    bool failed = false;  // got a retryable answer: stop splitting, the batch is retried in full
  };
  // A request in flight: events [begin, end) of group batch `batch`.
  struct Piece {
    uint32_t batch = 0;
    uint32_t begin = 0;
    uint32_t end = 0;
  };

  void Encode(const EventBatch& batch, Encoded& out);
  // Builds the requests of `pieces` and sends them; answers_[k] belongs to pieces[k].
  void Send(const std::vector<Piece>& pieces);
  // Applies the answer to the piece's batch; appends the halves to split into *next.
  void Judge(const Piece& piece, const HttpAnswer& answer, std::vector<Piece>* next);
  void CountAnswer(const HttpAnswer& answer);
  std::string Describe(const HttpAnswer& answer) const;

  const std::string name_ = "http";
  const HttpSinkConfig config_;
  Metrics* metrics_;
  std::string url_;       // redacted, for messages
  bool gzip_ = false;
  std::unique_ptr<HttpClient> client_;
  GzipCompressor compressor_;
  TimestampFormatter ts_;

  // Reused from group to group so that steady state allocates nothing.
  std::vector<Encoded> encoded_;
  std::vector<Piece> pieces_;
  std::vector<Piece> next_pieces_;
  std::vector<std::string> gzip_buffers_;
  std::vector<HttpRequestSpec> specs_;
  std::vector<const HttpRequestSpec*> spec_ptrs_;
  std::vector<HttpAnswer> answers_;

  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> responses_2xx_{0};
  std::atomic<uint64_t> responses_3xx_{0};
  std::atomic<uint64_t> responses_4xx_{0};
  std::atomic<uint64_t> responses_5xx_{0};
  std::atomic<uint64_t> transport_errors_{0};
  std::atomic<uint64_t> timeouts_{0};
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> bytes_raw_{0};
  std::atomic<uint64_t> bisections_{0};
  std::atomic<uint64_t> rejected_events_{0};
  std::atomic<uint64_t> delivered_events_{0};
  std::atomic<uint64_t> connections_opened_{0};
};

}  // namespace logcap
