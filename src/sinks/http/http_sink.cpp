#include "sinks/http/http_sink.h"

#include <algorithm>

#include "codec/event_encoder.h"
#include "core/json_object.h"
#include "sinks/common/http_messages.h"
#include "sinks/common/http_status.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {

// Headers that follow from other settings (or from the body): a configured value would contradict
// what is actually sent.
constexpr std::string_view kReservedHeaders[] = {"Content-Encoding", "Content-Length", "Transfer-Encoding", "Expect",
                                                 "Host"};

}  // namespace

std::vector<SinkConfigError> CheckHttpSinkConfig(const HttpSinkConfig& config) {
  std::vector<SinkConfigError> errors;
  if (Status s = ValidateHttpUrl(config.url); !s.ok()) errors.push_back({"sinks.http.url", s.message()});
  if (config.compression != "gzip" && config.compression != "none") {
    errors.push_back({"sinks.http.compression", "must be gzip or none, not \"" + config.compression + "\""});
  }
  std::string value, field;
  if (Status s = AuthorizationHeader(config.auth, &value, &field); !s.ok()) {
    errors.push_back({"sinks.http.auth." + field, s.message()});
  }
  CheckConfiguredHeaders(config.headers, "sinks.http", kReservedHeaders, "from sinks.http.compression and the body",
                         &errors);
  return errors;
}

HttpSink::HttpSink(const HttpSinkConfig& config, Metrics* metrics) : config_(config), metrics_(metrics) {}

HttpSink::~HttpSink() { Stop(); }

Status HttpSink::Start() {
  const std::vector<SinkConfigError> errors = CheckHttpSinkConfig(config_);
  if (!errors.empty()) return Status::InvalidArgument(errors.front().key + ": " + errors.front().message);
  url_ = RedactUrl(config_.url);
  gzip_ = config_.compression == "gzip";
  if (gzip_) {
    Status s = compressor_.Init(GzipCompressor::kDefaultLevel);
    if (!s.ok()) return s;
  }

  HttpClientOptions options;
  options.timeout = static_cast<Nanos>(config_.timeout.count()) * kNanosPerMilli;
  options.max_in_flight = std::max<uint64_t>(1, config_.max_in_flight);
  options.tls = config_.tls;
  options.headers.emplace_back("Content-Type", "application/x-ndjson");
  if (gzip_) options.headers.emplace_back("Content-Encoding", "gzip");
  if (Status s = AppendAuthAndConfiguredHeaders(config_.auth, config_.headers, &options.headers); !s.ok()) {
    return s;  // checked above
  }
  Status s = HttpClient::Create(std::move(options), &client_);
  if (!s.ok()) return Status::InvalidArgument("sinks.http: " + s.message());
  return Status::Ok();
}

void HttpSink::Stop() { client_.reset(); }

void HttpSink::Encode(const EventBatch& batch, Encoded& out) {
  out.ndjson.clear();
  out.line_end.clear();
  out.line_end.reserve(batch.size());
  JsonSourceCache cache;  // valid for this batch only
  for (const Event& e : batch.events()) {
    AppendEventJson(batch, e, ts_, out.ndjson, &cache);
    out.line_end.push_back(out.ndjson.size());
  }
}

void HttpSink::WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results) {
  if (client_ == nullptr) {
    for (SinkResult& r : results) r = SinkResult::Retry(Status::Unavailable("http sink is not started"));
    return;
  }
  if (encoded_.size() < group.size()) encoded_.resize(group.size());
  pieces_.clear();
  for (size_t i = 0; i < group.size(); ++i) {
    Encoded& enc = encoded_[i];
    enc.batch = group[i];
    enc.result = &results[i];
    enc.failed = false;
    results[i] = SinkResult::Ok();
    if (group[i]->empty()) continue;
    Encode(*group[i], enc);
    pieces_.push_back({static_cast<uint32_t>(i), 0, static_cast<uint32_t>(group[i]->size())});
  }

  // Breadth-first: every round sends all pending pieces of all batches together, and the halves
  // of refused pieces form the next round.
  while (!pieces_.empty()) {
    Send(pieces_);
    next_pieces_.clear();
    for (size_t k = 0; k < pieces_.size(); ++k) Judge(pieces_[k], answers_[k], &next_pieces_);
    // A batch that failed in this round is retried whole: its pending halves are moot.
    std::erase_if(next_pieces_, [&](const Piece& p) { return encoded_[p.batch].failed; });
    std::swap(pieces_, next_pieces_);
  }

  for (size_t i = 0; i < group.size(); ++i) {
    Encoded& enc = encoded_[i];
    SinkResult& result = results[i];
    enc.batch = nullptr;
    enc.result = nullptr;
    if (enc.failed) continue;
    const size_t refused = result.rejected.size();
    rejected_events_.fetch_add(refused, std::memory_order_relaxed);
    delivered_events_.fetch_add(group[i]->size() - refused, std::memory_order_relaxed);
    if (refused == 0) continue;
    // Halves come back in no particular order across rounds.
    std::sort(result.rejected.begin(), result.rejected.end(),
              [](const RejectedEvent& a, const RejectedEvent& b) { return a.index < b.index; });
    if (refused == group[i]->size()) {
      const RejectedEvent& first = result.rejected.front();
      std::string why = "every event of the batch was refused by " + url_ + "; the first: " + first.error;
      result = SinkResult::Reject(Status::InvalidArgument(why), first.reason);
    }
  }
}

void HttpSink::Send(const std::vector<Piece>& pieces) {
  const size_t n = pieces.size();
  if (specs_.size() < n) {
    const size_t old = specs_.size();
    specs_.resize(n);
    for (size_t k = old; k < n; ++k) specs_[k].url = config_.url;
  }
  if (answers_.size() < n) answers_.resize(n);
  if (gzip_ && gzip_buffers_.size() < n) gzip_buffers_.resize(n);
  spec_ptrs_.clear();
  uint64_t raw = 0, wire = 0;
  for (size_t k = 0; k < n; ++k) {
    const Piece& p = pieces[k];
    const Encoded& enc = encoded_[p.batch];
    const size_t from = p.begin == 0 ? 0 : enc.line_end[p.begin - 1];
    const std::string_view lines = std::string_view(enc.ndjson).substr(from, enc.line_end[p.end - 1] - from);
    specs_[k].body = gzip_ ? compressor_.Compress(lines, gzip_buffers_[k]) : lines;
    raw += lines.size();
    wire += specs_[k].body.size();
    spec_ptrs_.push_back(&specs_[k]);
  }
  client_->PerformAll(spec_ptrs_, std::span<HttpAnswer>(answers_.data(), n));
  requests_.fetch_add(n, std::memory_order_relaxed);
  bytes_raw_.fetch_add(raw, std::memory_order_relaxed);
  bytes_sent_.fetch_add(wire, std::memory_order_relaxed);
  for (size_t k = 0; k < n; ++k) CountAnswer(answers_[k]);
}

void HttpSink::CountAnswer(const HttpAnswer& answer) {
  if (answer.new_connection) connections_opened_.fetch_add(1, std::memory_order_relaxed);
  const long s = answer.status;
  std::atomic<uint64_t>* counter = s == 0 ? &transport_errors_
                                   : s < 300 ? &responses_2xx_
                                   : s < 400 ? &responses_3xx_
                                   : s < 500 ? &responses_4xx_
                                             : &responses_5xx_;
  counter->fetch_add(1, std::memory_order_relaxed);
  if (answer.timed_out) timeouts_.fetch_add(1, std::memory_order_relaxed);
  if (metrics_ != nullptr) metrics_->SinkRequests(name_, s == 0 ? "error" : std::to_string(s)).Increment();
}

std::string HttpSink::Describe(const HttpAnswer& answer) const {
  return DescribeHttpAnswer(answer, url_, "sinks.http", static_cast<int64_t>(config_.timeout.count()), kMaxErrorBytes);
}

void HttpSink::Judge(const Piece& piece, const HttpAnswer& answer, std::vector<Piece>* next) {
  Encoded& enc = encoded_[piece.batch];
  const HttpOutcome outcome = ClassifyHttpStatus(answer.status);
  switch (outcome) {
    case HttpOutcome::kOk:
      return;
    case HttpOutcome::kRetry:
    case HttpOutcome::kMisconfigured: {
      const Nanos hint =
          answer.retry_after.empty() ? 0 : ParseRetryAfter(answer.retry_after, WallNowNanos()).value_or(0);
      if (enc.failed) {
        // Several pieces of one batch failed: keep the first message, the longest wait.
        enc.result->retry_after = std::max(enc.result->retry_after, hint);
        return;
      }
      enc.failed = true;
      if (outcome == HttpOutcome::kMisconfigured) {
        *enc.result = SinkResult::Misconfigured(Status::InvalidArgument(Describe(answer)));
        enc.result->retry_after = hint;
      } else {
        *enc.result = SinkResult::Retry(Status::Unavailable(Describe(answer)), hint);
      }
      return;
    }
    case HttpOutcome::kTooLarge:
    case HttpOutcome::kBadData: {
      if (enc.failed) return;
      if (piece.end - piece.begin > 1) {
        const uint32_t mid = piece.begin + (piece.end - piece.begin) / 2;
        next->push_back({piece.batch, piece.begin, mid});
        next->push_back({piece.batch, mid, piece.end});
        bisections_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      std::string error = TrimServerAnswer(answer.body, kMaxErrorBytes);
      if (error.empty()) error = "HTTP " + std::to_string(answer.status) + " from " + url_;
      enc.result->rejected.push_back(
          {piece.begin, outcome == HttpOutcome::kTooLarge ? "too_large" : "bad_request", std::move(error)});
      return;
    }
  }
}

std::string HttpSink::StatsJson() const {
  auto get = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  return JsonObject()
      .Add("requests", get(requests_))
      .Add("responses_2xx", get(responses_2xx_))
      .Add("responses_3xx", get(responses_3xx_))
      .Add("responses_4xx", get(responses_4xx_))
      .Add("responses_5xx", get(responses_5xx_))
      .Add("transport_errors", get(transport_errors_))
      .Add("timeouts", get(timeouts_))
      .Add("bytes_sent", get(bytes_sent_))
      .Add("bytes_raw", get(bytes_raw_))
      .Add("bisections", get(bisections_))
      .Add("rejected_events", get(rejected_events_))
      .Add("delivered_events", get(delivered_events_))
      .Add("connections_opened", get(connections_opened_))
      .Take();
}

}  // namespace logcap
