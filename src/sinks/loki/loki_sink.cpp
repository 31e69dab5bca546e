#include "sinks/loki/loki_sink.h"

#include <algorithm>

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include "core/json_object.h"
#include "sinks/common/http_messages.h"
#include "sinks/common/http_status.h"
#include "sinks/loki/loki_error.h"
#include "sinks/loki/loki_json_encoder.h"
#include "sinks/loki/loki_labels.h"
#include "sinks/loki/loki_protobuf_encoder.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {

// Headers the sink sets itself from other settings or from the body.
constexpr std::string_view kReservedHeaders[] = {"Content-Type", "Content-Encoding", "Content-Length",
                                                 "Transfer-Encoding", "Expect", "Host"};
// A group never needs more rounds than this; past it something is wrong, and the rest is retried.
constexpr size_t kMaxRounds = 10000;
// Times a timestamp answer may make the sink send a stream's entries again within one group.
constexpr uint32_t kMaxResends = 2;

LokiStreamOptions StreamOptions(const LokiSinkConfig& config) {
  LokiStreamOptions o;
  o.static_labels = config.labels;
  o.label_keys = config.label_keys;
  o.metadata = config.structured_metadata == "always" ||
               (config.structured_metadata == "auto" && config.format == "protobuf");
  o.max_labels_per_stream = config.max_labels_per_stream;
  o.max_streams = config.max_streams_per_push;
  o.max_label_value_length = config.max_label_value_length;
  return o;
}

}  // namespace

std::vector<SinkConfigError> CheckLokiSinkConfig(const LokiSinkConfig& config) {
  std::vector<SinkConfigError> errors;
  if (Status s = ValidateHttpUrl(config.url); !s.ok()) errors.push_back({"sinks.loki.url", s.message()});
  if (config.push_endpoint.empty() || config.push_endpoint.front() != '/') {
    errors.push_back({"sinks.loki.push_endpoint", "must start with '/', e.g. /loki/api/v1/push"});
  }
  if (config.format != "protobuf" && config.format != "json") {
    errors.push_back({"sinks.loki.format", "must be protobuf or json, not \"" + config.format + "\""});
  } else if (config.compression == (config.format == "protobuf" ? "gzip" : "snappy")) {
    errors.push_back({"sinks.loki.compression", config.compression + " does not go with format " + config.format +
                                                    " (protobuf: snappy or none; json: gzip or none)"});
  }
  std::string value, field;
  if (Status s = AuthorizationHeader(config.auth, &value, &field); !s.ok()) {
    errors.push_back({"sinks.loki.auth." + field, s.message()});
  }
  if (config.tenant_id.find_first_of("\r\n") != std::string::npos) {
    errors.push_back({"sinks.loki.tenant_id", "must not contain a line break"});
  }
  std::vector<std::string_view> reserved(std::begin(kReservedHeaders), std::end(kReservedHeaders));
  if (!config.tenant_id.empty()) reserved.push_back("X-Scope-OrgID");
  CheckConfiguredHeaders(config.headers, "sinks.loki", reserved, "from sinks.loki.format, tenant_id and the body",
                         &errors);
  std::string sanitised;
  for (const auto& [name, label_value] : config.labels) {
    if (SanitizeLokiLabelName(name, &sanitised)) {
      errors.push_back({"sinks.loki.labels." + name,
                        "\"" + name + "\" is not a valid Loki label name (letters, digits and _, not starting with "
                        "a digit); use \"" + sanitised + "\""});
    }
  }
  if (config.labels.size() > config.max_labels_per_stream) {
    errors.push_back({"sinks.loki.labels", std::to_string(config.labels.size()) +
                                               " static labels are more than sinks.loki.max_labels_per_stream (" +
                                               std::to_string(config.max_labels_per_stream) + ")"});
  }
  return errors;
}

LokiSink::LokiSink(const LokiSinkConfig& config, Metrics* metrics)
    : config_(config), metrics_(metrics), builder_(StreamOptions(config)) {}

LokiSink::~LokiSink() { Stop(); }

Sink::GroupFill LokiSink::group_fill() const {
  return {static_cast<size_t>(config_.batch_size), static_cast<Nanos>(config_.batch_timeout.count()) * kNanosPerMilli};
}

Status LokiSink::Start() {
  const std::vector<SinkConfigError> errors = CheckLokiSinkConfig(config_);
  if (!errors.empty()) return Status::InvalidArgument(errors.front().key + ": " + errors.front().message);
  std::string base = config_.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  push_url_ = base + config_.push_endpoint;
  url_ = RedactUrl(push_url_);
  protobuf_ = config_.format == "protobuf";
  compress_ = config_.compression != "none";
  with_metadata_ = StreamOptions(config_).metadata;
  if (!protobuf_ && compress_) {
    if (Status s = gzip_.Init(GzipCompressor::kDefaultLevel); !s.ok()) return s;
  }

  HttpClientOptions options;
  options.timeout = static_cast<Nanos>(config_.timeout.count()) * kNanosPerMilli;
  options.max_in_flight = std::max<uint64_t>(1, config_.max_in_flight);
  options.tls = config_.tls;
  if (protobuf_) {
    options.headers.emplace_back("Content-Type", "application/x-protobuf");
  } else {
    options.headers.emplace_back("Content-Type", "application/json");
    if (compress_) options.headers.emplace_back("Content-Encoding", "gzip");
  }
  if (!config_.tenant_id.empty()) options.headers.emplace_back("X-Scope-OrgID", config_.tenant_id);
  if (Status s = AppendAuthAndConfiguredHeaders(config_.auth, config_.headers, &options.headers); !s.ok()) {
    return s;  // checked above
  }
  Status s = HttpClient::Create(std::move(options), &client_);
  if (!s.ok()) return Status::InvalidArgument("sinks.loki: " + s.message());
  return Status::Ok();
}

void LokiSink::Stop() { client_.reset(); }

void LokiSink::WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results) {
  if (client_ == nullptr) {
    for (SinkResult& r : results) r = SinkResult::Retry(Status::Unavailable("loki sink is not started"));
    return;
  }
  group_ = group;
  results_ = results;
  abort_group_ = false;
  have_failure_ = false;
  group_failure_ = SinkResult::Ok();
  if (states_.size() < group.size()) states_.resize(group.size());
  if (rejected_.size() < group.size()) rejected_.resize(group.size());

  builder_.Reset();
  for (size_t b = 0; b < group.size(); ++b) {
    states_[b].assign(group[b]->size(), EntryState::kPending);
    rejected_[b].clear();
    builder_.Add(static_cast<uint32_t>(b), *group[b]);
  }
  builder_.Finish();
  const auto streams = builder_.streams();
  progress_.assign(streams.size(), StreamProgress{});
  if (superseded_.size() < streams.size()) superseded_.resize(streams.size());
  original_counts_.resize(streams.size());
  for (size_t s = 0; s < streams.size(); ++s) {
    original_counts_[s] = streams[s].entries.size();
    progress_[s].chunk_limit = static_cast<size_t>(config_.batch_size);
    superseded_[s].assign(streams[s].entries.size(), false);
    superseded_[s].reserve(streams[s].entries.size() * 2);
  }
  ReportLabelsCut();

  RunRounds();

  // Verdicts.
  for (size_t b = 0; b < group.size(); ++b) {
    SinkResult& result = results[b];
    const auto& states = states_[b];
    const bool unfinished = std::any_of(states.begin(), states.end(), [](EntryState s) {
      return s == EntryState::kPending || s == EntryState::kFailed;
    });
    if (unfinished) {
      result = have_failure_ ? group_failure_
                             : SinkResult::Retry(Status::Unavailable("loki: entries left unsent in this round"));
      continue;
    }
    auto& refused = rejected_[b];
    rejected_entries_.fetch_add(refused.size(), std::memory_order_relaxed);
    std::sort(refused.begin(), refused.end(),
              [](const RejectedEvent& x, const RejectedEvent& y) { return x.index < y.index; });
    if (!refused.empty() && refused.size() == group[b]->size()) {
      const RejectedEvent& first = refused.front();
      result = SinkResult::Reject(
          Status::InvalidArgument("every event of the batch was refused by " + url_ + "; the first: " + first.error),
          first.reason);
      continue;
    }
    result = SinkResult::Ok();
    result.rejected = std::move(refused);
    refused.clear();
  }
  group_ = {};
  results_ = {};
}

void LokiSink::ReportLabelsCut() {
  const LokiLabelsCut& cut = builder_.labels_cut();
  const uint64_t now[3] = {cut.labels_per_stream, cut.streams_per_push, cut.value_too_long};
  static constexpr std::string_view kReasons[3] = {"labels_per_stream", "streams_per_push", "label_value_too_long"};
  for (int i = 0; i < 3; ++i) {
    const uint64_t before = labels_cut_[i].exchange(now[i], std::memory_order_relaxed);
    if (now[i] != before && metrics_ != nullptr) {
      metrics_->SinkLabelsCut(name_, kReasons[i]).Increment(static_cast<double>(now[i] - before));
    }
  }
}

void LokiSink::BuildRound(std::vector<Push>& round) {
  round.clear();
  const auto streams = builder_.streams();
  const size_t batch_size = static_cast<size_t>(config_.batch_size);
  size_t open = SIZE_MAX;  // the push that small chunks are packed into
  for (size_t s = 0; s < streams.size(); ++s) {
    StreamProgress& p = progress_[s];
    const size_t size = streams[s].entries.size();
    if (p.blocked || p.next >= size) continue;
    const Chunk chunk{static_cast<uint32_t>(s), p.next, std::min(size, p.next + std::max<size_t>(1, p.chunk_limit))};
    p.next = chunk.end;
    const size_t n = chunk.end - chunk.begin;
    if (!p.solo && open != SIZE_MAX && round[open].entries + n <= batch_size) {
      round[open].chunks.push_back(chunk);
      round[open].entries += n;
      continue;
    }
    Push& push = round.emplace_back();
    push.chunks.push_back(chunk);
    push.entries = n;
    if (!p.solo) open = round.size() - 1;
  }
}

void LokiSink::RunRounds() {
  BuildRound(round_);
  EncodeRound(round_, buffers_[0]);
  int current = 0;
  for (size_t rounds = 0; !round_.empty() && !abort_group_; ++rounds) {
    if (rounds == kMaxRounds) {
      FailAll(SinkResult::Retry(Status::Unavailable("loki: a group needed more than " + std::to_string(kMaxRounds) +
                                                 " rounds of pushes; the rest is retried")));
      break;
    }
    // While this round is on the wire, prepare the next one as if it all succeeds (the common
    // case): encoding then overlaps Loki's work instead of following it.
    bool prepared = false;
    const auto prepare_next = [&] {
      BuildRound(next_round_);
      EncodeRound(next_round_, buffers_[1 - current]);
      prepared = true;
    };
    const bool all_ok = SendRound(round_, buffers_[current], prepare_next);
    if (prepared && all_ok) {
      std::swap(round_, next_round_);
      current = 1 - current;
      continue;
    }
    if (prepared) {
      // Judging moved some streams back (or blocked them): forget the prepared chunks.
      for (const Push& push : next_round_) {
        for (const Chunk& c : push.chunks) {
          if (progress_[c.stream].next == c.end) progress_[c.stream].next = c.begin;
        }
      }
    }
    BuildRound(round_);
    EncodeRound(round_, buffers_[current]);
  }
}

void LokiSink::FailAll(const SinkResult& why) {
  for (size_t s = 0; s < progress_.size(); ++s) FailStream(static_cast<uint32_t>(s), why);
}

void LokiSink::EncodeRound(const std::vector<Push>& round, RoundBuffers& b) {
  const size_t n = round.size();
  if (b.bodies.size() < n) b.bodies.resize(n);
  if (b.wire.size() < n) b.wire.resize(n);
  if (b.specs.size() < n) {
    const size_t old = b.specs.size();
    b.specs.resize(n);
    for (size_t k = old; k < n; ++k) b.specs[k].url = push_url_;
  }
  b.ptrs.clear();
  b.raw_bytes = 0;
  const auto streams = builder_.streams();
  for (size_t k = 0; k < n; ++k) {
    views_.clear();
    for (const Chunk& c : round[k].chunks) {
      const LokiStream& stream = streams[c.stream];
      views_.push_back({stream.labels, stream.pairs,
                        std::span<const LokiEntry>(stream.entries.data() + c.begin, c.end - c.begin)});
    }
    const LokiPushView push{views_, builder_.metadata()};
    const std::string_view body = protobuf_ ? EncodeLokiProtobufInto(push, b.bodies[k])
                                            : EncodeLokiJsonInto(push, with_metadata_, b.bodies[k]);
    if (protobuf_) {
      b.specs[k].body = compress_ ? snappy_.Compress(body, b.wire[k]) : snappy_.Store(body, b.wire[k]);
    } else {
      b.specs[k].body = compress_ ? gzip_.Compress(body, b.wire[k]) : body;
    }
    b.raw_bytes += body.size();
    b.ptrs.push_back(&b.specs[k]);
  }
}

bool LokiSink::SendRound(const std::vector<Push>& round, RoundBuffers& b, const std::function<void()>& while_waiting) {
  const size_t n = round.size();
  if (answers_.size() < n) answers_.resize(n);
  client_->PerformAll(b.ptrs, std::span<HttpAnswer>(answers_.data(), n), while_waiting);
  uint64_t wire = 0, entries = 0, stream_count = 0;
  for (size_t k = 0; k < n; ++k) {
    wire += b.specs[k].body.size();
    entries += round[k].entries;
    stream_count += round[k].chunks.size();
  }
  requests_.fetch_add(n, std::memory_order_relaxed);
  bytes_raw_.fetch_add(b.raw_bytes, std::memory_order_relaxed);
  bytes_sent_.fetch_add(wire, std::memory_order_relaxed);
  entries_sent_.fetch_add(entries, std::memory_order_relaxed);
  streams_sent_.fetch_add(stream_count, std::memory_order_relaxed);
  bool all_ok = true;
  for (size_t k = 0; k < n; ++k) {
    CountAnswer(answers_[k]);
    all_ok = Judge(round[k], answers_[k]) && all_ok;
  }
  return all_ok;
}

void LokiSink::CountAnswer(const HttpAnswer& answer) {
  const long s = answer.status;
  std::atomic<uint64_t>* counter = s == 0                ? &transport_errors_
                                   : s >= 200 && s < 300 ? &responses_2xx_
                                   : s >= 400 && s < 500 ? &responses_4xx_
                                   : s >= 500 && s < 600 ? &responses_5xx_
                                                         : &responses_other_;
  counter->fetch_add(1, std::memory_order_relaxed);
  if (metrics_ != nullptr) metrics_->SinkRequests(name_, s == 0 ? "error" : std::to_string(s)).Increment();
}

std::string LokiSink::Describe(const HttpAnswer& answer) const {
  return DescribeHttpAnswer(answer, url_, "sinks.loki", static_cast<int64_t>(config_.timeout.count()), kMaxErrorBytes);
}

void LokiSink::MarkDelivered(const Chunk& chunk) {
  const LokiStream& stream = builder_.streams()[chunk.stream];
  const std::vector<bool>& superseded = superseded_[chunk.stream];
  for (size_t i = chunk.begin; i < chunk.end; ++i) {
    if (superseded[i]) continue;  // its rewritten copy decides
    EntryState& state = StateOf(stream.origins[i]);
    if (state == EntryState::kPending) state = EntryState::kDelivered;
  }
}

void LokiSink::FailStream(uint32_t stream, const SinkResult& why) {
  progress_[stream].blocked = true;
  if (!have_failure_) {
    group_failure_ = why;
    have_failure_ = true;
  } else {
    group_failure_.retry_after = std::max(group_failure_.retry_after, why.retry_after);
    if (why.misconfigured && !group_failure_.misconfigured) group_failure_ = why;
  }
}

void LokiSink::Refuse(const Chunk& chunk, size_t index, std::string_view reason, const std::string& error) {
  const LokiStream& stream = builder_.streams()[chunk.stream];
  const LokiEntryOrigin origin = stream.origins[index];
  EntryState& state = StateOf(origin);
  if (state != EntryState::kPending) return;
  state = EntryState::kRejected;
  rejected_[origin.batch].push_back({origin.event, std::string(reason), error});
}

bool LokiSink::Judge(const Push& push, const HttpAnswer& answer) {
  const HttpOutcome outcome = ClassifyHttpStatus(answer.status);
  switch (outcome) {
    case HttpOutcome::kOk:
      for (const Chunk& c : push.chunks) {
        MarkDelivered(c);
        StreamProgress& p = progress_[c.stream];
        p.chunk_limit = std::min<size_t>(static_cast<size_t>(config_.batch_size), p.chunk_limit * 2);
      }
      return true;
    case HttpOutcome::kRetry:
    case HttpOutcome::kMisconfigured: {
      const Nanos hint =
          answer.retry_after.empty() ? 0 : ParseRetryAfter(answer.retry_after, WallNowNanos()).value_or(0);
      SinkResult why = outcome == HttpOutcome::kMisconfigured
                           ? SinkResult::Misconfigured(Status::InvalidArgument(Describe(answer)))
                           : SinkResult::Retry(Status::Unavailable(Describe(answer)), hint);
      why.retry_after = hint;
      for (const Chunk& c : push.chunks) FailStream(c.stream, why);
      // Loki refuses everything while its configuration is wrong: stop sending this group.
      if (outcome == HttpOutcome::kMisconfigured) abort_group_ = true;
      return false;
    }
    case HttpOutcome::kTooLarge:
      Split(push, answer, /*too_large=*/true);
      return false;
    case HttpOutcome::kBadData:
    {
      const LokiErrorSummary summary = ParseLokiError(answer.body);
      if (!summary.timestamp_only()) {
        Split(push, answer, /*too_large=*/false);
      } else if (push.chunks.size() == 1) {
        JudgeTimestampRefusal(push.chunks.front(), summary, answer, /*alone=*/true);
      } else {
        JudgeSharedTimestampRefusal(push, summary, answer);
      }
      return false;
    }
  }
  return false;
}

void LokiSink::Split(const Push& push, const HttpAnswer& answer, bool too_large) {
  if (push.chunks.size() > 1) {
    // Several streams: send each again on its own, so that the answer names its stream.
    for (const Chunk& c : push.chunks) {
      progress_[c.stream].next = c.begin;
      progress_[c.stream].solo = true;
    }
    splits_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const Chunk& c = push.chunks.front();
  StreamProgress& p = progress_[c.stream];
  p.solo = true;
  const size_t n = c.end - c.begin;
  if (n > 1) {
    // Halves, in order, one round each: the stream stays in order.
    p.next = c.begin;
    p.chunk_limit = std::max<size_t>(1, n / 2);
    splits_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::string error = TrimServerAnswer(answer.body, kMaxErrorBytes);
  if (error.empty()) error = "HTTP " + std::to_string(answer.status) + " from " + url_;
  Refuse(c, c.begin, too_large ? "too_large" : "bad_request", error);
}

void LokiSink::JudgeSharedTimestampRefusal(const Push& push, const LokiErrorSummary& summary, const HttpAnswer& answer) {
  const bool ingester = std::any_of(summary.refusals.begin(), summary.refusals.end(), [](const LokiRefusal& r) {
    return r.kind == LokiRefusalKind::kOutOfOrder || r.kind == LokiRefusalKind::kTooFarBehind;
  });
  if (!ingester) {
    // The distributor's limits (too old, too new) are the same for every stream: its rule finds
    // the refused entries of each chunk.
    for (const Chunk& c : push.chunks) JudgeTimestampRefusal(c, summary, answer, /*alone=*/false);
    return;
  }
  // The ingester names one stream (the last one with refusals): that chunk is judged from the
  // answer; the others are sent again one stream per push so that their answers name them.
  const auto streams = builder_.streams();
  bool named = false;
  for (const Chunk& c : push.chunks) {
    if (!named && !summary.ignored_stream.empty() && streams[c.stream].labels == summary.ignored_stream) {
      named = true;
      JudgeTimestampRefusal(c, summary, answer, /*alone=*/true);
      continue;
    }
    progress_[c.stream].next = c.begin;
    progress_[c.stream].solo = true;
  }
  splits_.fetch_add(1, std::memory_order_relaxed);
}

void LokiSink::JudgeTimestampRefusal(const Chunk& chunk, const LokiErrorSummary& summary, const HttpAnswer& answer,
                                     bool alone) {
  const LokiStream& stream = builder_.streams()[chunk.stream];
  StreamProgress& p = progress_[chunk.stream];
  const auto first = stream.entries.begin() + static_cast<ptrdiff_t>(chunk.begin);
  const auto last = stream.entries.begin() + static_cast<ptrdiff_t>(chunk.end);
  auto at_time = [&](Nanos t) {  // first entry of the chunk at or after t (entries are sorted)
    return chunk.begin + static_cast<size_t>(std::lower_bound(first, last, t, [](const LokiEntry& e, Nanos v) {
                                                 return e.timestamp < v;
                                               }) - first);
  };

  // Which entries Loki refused, as ranges of the chunk, each with its reason.
  struct Refused {
    size_t begin;
    size_t end;
    LokiRefusalKind kind;
  };
  std::vector<Refused> refused;
  bool uncertain = false;  // Loki's answer may not account for every refused entry
  std::optional<Nanos> oldest_acceptable;
  bool too_new = false;
  std::optional<LokiRefusalKind> ingester_kind;
  Nanos newest_listed = INT64_MIN;
  for (const LokiRefusal& r : summary.refusals) {
    switch (r.kind) {
      case LokiRefusalKind::kTooOld:
        if (r.oldest_acceptable) oldest_acceptable = std::max(oldest_acceptable.value_or(INT64_MIN), *r.oldest_acceptable);
        else uncertain = true;
        break;
      case LokiRefusalKind::kTooNew:
        too_new = true;
        break;
      case LokiRefusalKind::kOutOfOrder:
      case LokiRefusalKind::kTooFarBehind:
        ingester_kind = r.kind;
        if (r.entry_time) newest_listed = std::max(newest_listed, *r.entry_time);
        break;
    }
  }
  const size_t n = chunk.end - chunk.begin;
  if (ingester_kind) {
    // The ingester refuses entries older than what it holds: with sorted entries, a prefix.
    size_t count;
    if (summary.total_ignored) {
      count = std::min<size_t>(n, *summary.total_ignored);
      // Entries that never reached the ingester were refused before it, silently behind this answer.
      if (summary.total_entries && *summary.total_entries != n) uncertain = true;
    } else {
      count = newest_listed != INT64_MIN ? at_time(newest_listed + 1) - chunk.begin : n;  // over, never under
      uncertain = true;
    }
    refused.push_back({chunk.begin, chunk.begin + count, *ingester_kind});
  }
  if (oldest_acceptable) refused.push_back({chunk.begin, at_time(*oldest_acceptable), LokiRefusalKind::kTooOld});
  if (too_new) {
    // Loki refuses entries past its creation grace period; any entry newer than now is a suspect.
    refused.push_back({at_time(WallNowNanos() + 1), chunk.end, LokiRefusalKind::kTooNew});
  }

  const std::string error = TrimServerAnswer(answer.body, kMaxErrorBytes);
  const Nanos now = WallNowNanos();
  size_t named = 0;                 // entries of this chunk the answer accounts for
  size_t prefix_end = chunk.begin;  // end of the refused prefix (ingester, too old)
  for (const Refused& r : refused) {
    named += r.end - r.begin;
    if (r.begin == chunk.begin) prefix_end = std::max(prefix_end, r.end);
    for (size_t i = r.begin; i < r.end; ++i) {
      if (superseded_[chunk.stream][i]) continue;
      const LokiEntryOrigin origin = stream.origins[i];
      if (StateOf(origin) != EntryState::kPending) continue;
      const std::string_view reason = LokiRefusalReason(r.kind);
      refused_timestamp_.fetch_add(1, std::memory_order_relaxed);
      std::string_view action = config_.out_of_order_action;
      const bool is_copy = i >= original_counts_[chunk.stream];
      if (action == "rewrite_timestamp" && !is_copy) {
        LokiEntry again = stream.entries[i];
        again.timestamp = std::max(now, stream.entries.back().timestamp);
        superseded_[chunk.stream][i] = true;
        builder_.AppendEntry(chunk.stream, again, origin);  // sent in a later round, after the rest
        superseded_[chunk.stream].push_back(false);
        rewritten_.fetch_add(1, std::memory_order_relaxed);
      } else if (action == "drop") {
        StateOf(origin) = EntryState::kDropped;
        dropped_entries_.fetch_add(1, std::memory_order_relaxed);
        if (metrics_ != nullptr) metrics_->LogsDropped("sink", reason).Increment();
      } else {
        action = "dlq";  // also a rewritten copy refused again
        Refuse(chunk, i, reason, error);
      }
      if (metrics_ != nullptr) metrics_->SinkRefusedEntries(name_, reason, action).Increment();
    }
  }
  if (named == 0 && !uncertain) {
    if (!alone) {
      MarkDelivered(chunk);  // the answer's rule holds for every stream and refuses none of these
      return;
    }
    // The answer names nothing in this chunk: treat it as any other 400.
    Split(Push{{chunk}, n}, answer, /*too_large=*/false);
    return;
  }
  if (uncertain && p.resends < kMaxResends) {
    // Send the rest again: what Loki stored it drops as exact duplicates, what it refused it names.
    ++p.resends;
    p.next = prefix_end;
    p.solo = true;
    return;
  }
  MarkDelivered(chunk);  // every entry of the chunk that was not refused was stored
}

std::string LokiSink::StatsJson() const {
  auto get = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  return JsonObject()
      .AddString("format", config_.format)
      .Add("requests", get(requests_))
      .Add("responses_2xx", get(responses_2xx_))
      .Add("responses_4xx", get(responses_4xx_))
      .Add("responses_5xx", get(responses_5xx_))
      .Add("responses_other", get(responses_other_))
      .Add("transport_errors", get(transport_errors_))
      .Add("bytes_sent", get(bytes_sent_))
      .Add("bytes_raw", get(bytes_raw_))
      .Add("entries_sent", get(entries_sent_))
      .Add("streams_sent", get(streams_sent_))
      .Add("splits", get(splits_))
      .Add("refused_for_timestamp", get(refused_timestamp_))
      .Add("timestamps_rewritten", get(rewritten_))
      .Add("dropped_entries", get(dropped_entries_))
      .Add("rejected_entries", get(rejected_entries_))
      .Add("labels_cut_per_stream", get(labels_cut_[0]))
      .Add("events_past_stream_cap", get(labels_cut_[1]))
      .Add("label_values_cut", get(labels_cut_[2]))
      .Take();
}

}  // namespace logcap
