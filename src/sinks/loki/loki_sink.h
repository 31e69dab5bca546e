// LokiSink ("loki"): pushes events to Grafana Loki's push API (POST url + push_endpoint).
//
// Streams: each group of batches the runner hands over is turned into streams by
// LokiStreamBuilder (loki_streams.h: which labels are stream labels, which are structured
// metadata, caps), each stream sorted by time.
//
// Requests: protobuf + snappy (Content-Type application/x-protobuf) or JSON + gzip level 1
// (application/json, Content-Encoding: gzip); with compression none, JSON as is or protobuf in a
// stored snappy block (Loki requires snappy framing for protobuf); X-Scope-OrgID from tenant_id; basic or bearer auth;
// configured headers; TLS; libcurl multi with up to max_in_flight requests over kept-alive
// connections (sinks/common/http_client.h). Each stream is cut into chunks of at most batch_size
// entries, and chunks of several streams are packed into pushes of at most batch_size entries.
// The pushes go out in rounds: a round holds at most one chunk of each stream, so a stream never
// has two requests in flight and Loki sees its entries in order; different streams go
// concurrently. A stream whose chunk failed is not sent further in this group (its later entries
// would overtake the failed ones).
//
// Answers, per push (sinks/common/http_status.h classifies the status):
//   2xx           its entries are delivered.
//   429, 5xx, no answer
//                 retry: every batch with an entry in it (or in a later chunk of its streams)
//                 gets kRetry with Retry-After; the runner backs off and sends those batches again.
//   401/403/407, 3xx
//                 misconfigured: kRetry + misconfigured; the data is kept, the breaker opens.
//   400 about timestamps only (out of order, too far behind, too old, too new; loki_error.h)
//                 Loki stored the rest of the push. The refused entries are found from the answer:
//                 the ingester's "total ignored: N ... for stream S" refuses the first N entries of
//                 S (entries are sorted, Loki refuses those older than what it holds); the
//                 distributor's "too old ... oldest acceptable timestamp is T" the entries before
//                 T, of every stream; "too new" the entries newer than now. The ingester names one
//                 stream per answer, so the other streams of such a push are sent again one stream
//                 per push (Loki drops exact duplicates of what it already stored). When the answer
//                 does not account for every refusal, the rest is sent again (twice at most).
//                 Refused entries follow out_of_order_action: dlq (rejected with the reason and
//                 Loki's text), drop (counted in logs_dropped_total{stage="sink"}),
//                 rewrite_timestamp (sent again, once, stamped now; refused again: DLQ).
//   other 400, 413
//                 the push is split: first one stream per push, then the stream's chunk in halves
//                 (in order, one at a time) until a single entry is refused: it goes to the DLQ
//                 (reason bad_request or too_large, Loki's text). The chunk size grows back after
//                 each success.
// A batch whose every entry is delivered, dropped or rejected gets kOk (rejected ones listed; all
// refused: kReject); any entry not delivered for a transient reason makes it kRetry, and the whole
// batch is sent again later (at-least-once: Loki drops the exact duplicates it still holds).
//
// Metrics: log_capturer_sink_requests_total{sink="loki", code}, sink_refused_entries_total,
// sink_labels_cut_total, logs_dropped_total{stage="sink", reason} for drops; the runner counts the
// rest (logs_sent_total, send duration, DLQ). StatsJson has the sink's own counters.
//
// Threads: Start/WriteGroup/Write/Flush/Stop from the runner's thread; StatsJson from any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "pipeline/sink.h"
#include "sinks/common/gzip_compressor.h"
#include "sinks/common/http_client.h"
#include "sinks/common/http_messages.h"
#include "sinks/common/snappy_compressor.h"
#include "sinks/loki/loki_error.h"
#include "sinks/loki/loki_streams.h"

namespace logcap {

class Metrics;

// What the options table cannot see: url, push_endpoint, auth, headers (valid, none of those the
// sink sets itself), static label names (valid Loki names, no more than max_labels_per_stream).
std::vector<SinkConfigError> CheckLokiSinkConfig(const LokiSinkConfig& config);

class LokiSink final : public Sink {
 public:
  static constexpr size_t kMaxErrorBytes = 300;  // of Loki's answer, in messages and rejects

  // metrics may be null (tests); it must outlive the sink.
  LokiSink(const LokiSinkConfig& config, Metrics* metrics);
  ~LokiSink() override;

  const std::string& name() const override { return name_; }
  Status Start() override;
  void WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results) override;
  SinkResult Write(const EventBatch& batch) override { return WriteAsGroupOfOne(batch); }
  SinkResult Flush() override { return SinkResult::Ok(); }
  size_t max_group_batches() const override { return 16; }
  GroupFill group_fill() const override;
  void Stop() override;
  std::string StatsJson() const override;

 private:
  // Per-entry progress within a group.
  enum class EntryState : uint8_t { kPending, kDelivered, kRejected, kDropped, kFailed };
  // Per-stream progress within a group.
  struct StreamProgress {
    size_t next = 0;         // first entry not yet sent (or to send again)
    size_t chunk_limit = 0;  // entries per chunk now (halved on 400/413, doubled back on success)
    bool blocked = false;    // a transient failure: nothing more of this stream in this group
    bool solo = false;       // sent one stream per push from now on
    uint32_t resends = 0;    // times a timestamp answer made us send entries again
  };
  // A stream's share of one push: entries [begin, end) of stream `stream`.
  struct Chunk {
    uint32_t stream = 0;
    size_t begin = 0;
    size_t end = 0;
  };
  struct Push {
    std::vector<Chunk> chunks;
    size_t entries = 0;
  };

  // Request bodies of one round: two sets, so one round can be encoded while the other is on the
  // wire.
  struct RoundBuffers {
    std::vector<std::string> bodies;  // encoded, before compression
    std::vector<std::string> wire;    // compressed
    std::vector<HttpRequestSpec> specs;
    std::vector<const HttpRequestSpec*> ptrs;
    uint64_t raw_bytes = 0;
  };

  void ReportLabelsCut();
  // Sends every stream of the group, round after round, until each entry has a fate or the group
  // is given up (misconfigured, or a transient failure blocks every remaining stream).
  void RunRounds();
  // The next chunk of every stream that has one, packed into pushes (advances the streams).
  void BuildRound(std::vector<Push>& round);
  void EncodeRound(const std::vector<Push>& round, RoundBuffers& buffers);
  // Sends the encoded round and judges every answer; true when every push was delivered.
  bool SendRound(const std::vector<Push>& round, RoundBuffers& buffers, const std::function<void()>& while_waiting);
  void FailAll(const SinkResult& why);
  // Applies one answer; true when the push was delivered (2xx).
  bool Judge(const Push& push, const HttpAnswer& answer);
  // A timestamp 400 for a push of one stream (alone), or one chunk of a push whose answer applies
  // to every stream (the distributor's age limits).
  void JudgeTimestampRefusal(const Chunk& chunk, const LokiErrorSummary& summary, const HttpAnswer& answer,
                             bool alone);
  // A timestamp 400 for a push of several streams.
  void JudgeSharedTimestampRefusal(const Push& push, const LokiErrorSummary& summary, const HttpAnswer& answer);
  void Split(const Push& push, const HttpAnswer& answer, bool too_large);
  void Refuse(const Chunk& chunk, size_t index, std::string_view reason, const std::string& error);
  void FailStream(uint32_t stream, const SinkResult& why);
  void MarkDelivered(const Chunk& chunk);
  void CountAnswer(const HttpAnswer& answer);
  std::string Describe(const HttpAnswer& answer) const;
  EntryState& StateOf(const LokiEntryOrigin& origin) { return states_[origin.batch][origin.event]; }

  const std::string name_ = "loki";
  const LokiSinkConfig config_;
  Metrics* metrics_;
  std::string push_url_;  // url + push_endpoint
  std::string url_;       // redacted, for messages
  bool protobuf_ = true;
  bool compress_ = true;  // false: json as is, protobuf in a stored snappy block
  bool with_metadata_ = true;
  std::unique_ptr<HttpClient> client_;
  SnappyCompressor snappy_;
  GzipCompressor gzip_;
  LokiStreamBuilder builder_;

  // The group being delivered (valid during WriteGroup).
  std::span<const EventBatch* const> group_;
  std::span<SinkResult> results_;
  std::vector<std::vector<EntryState>> states_;  // [batch][event]
  std::vector<std::vector<RejectedEvent>> rejected_;
  std::vector<StreamProgress> progress_;
  std::vector<size_t> original_counts_;           // entries per stream before any rewrite
  std::vector<std::vector<bool>> superseded_;     // [stream][entry]: replaced by a rewritten copy
  std::vector<Push> round_;       // on the wire (or about to be)
  std::vector<Push> next_round_;  // prepared while round_ is on the wire
  bool abort_group_ = false;  // misconfigured: send nothing more
  SinkResult group_failure_;  // the first transient failure's result (message, retry_after)
  bool have_failure_ = false;

  // Request scratch, reused from round to round.
  std::vector<LokiStreamView> views_;
  RoundBuffers buffers_[2];
  std::vector<HttpAnswer> answers_;

  std::atomic<uint64_t> labels_cut_[3] = {0, 0, 0};  // per stream, stream cap, value length
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> responses_2xx_{0};
  std::atomic<uint64_t> responses_4xx_{0};
  std::atomic<uint64_t> responses_5xx_{0};
  std::atomic<uint64_t> responses_other_{0};
  std::atomic<uint64_t> transport_errors_{0};
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> bytes_raw_{0};
  std::atomic<uint64_t> entries_sent_{0};
  std::atomic<uint64_t> streams_sent_{0};
  std::atomic<uint64_t> splits_{0};
  std::atomic<uint64_t> refused_timestamp_{0};
  std::atomic<uint64_t> rewritten_{0};
  std::atomic<uint64_t> dropped_entries_{0};
  std::atomic<uint64_t> rejected_entries_{0};
};

}  // namespace logcap
