#include "sinks/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/json_object.h"

namespace logcap {

namespace {

constexpr int kPollSliceMs = 100;

// The opaque of a message: the group's generation (16 bits), its batch (16 bits) and its event
// index in the batch (32 bits). A report for an earlier group (one given up on) is recognised and
// ignored.
uint64_t OpaqueOf(uint16_t generation, uint32_t batch, uint32_t event) {
  return (static_cast<uint64_t>(generation) << 48) | (static_cast<uint64_t>(batch & 0xFFFF) << 32) | event;
}

// Errors that no retry can fix: the event goes to the DLQ with this reason.
const char* PermanentReason(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
      return "too_large";
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return "invalid";
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return "not_authorized";
    default:
      return nullptr;
  }
}

void DeliveryReport(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* sink = static_cast<KafkaSink*>(opaque);
  sink->OnDelivery(reinterpret_cast<uint64_t>(message->_private), message->err,
                   message->err ? rd_kafka_err2str(message->err) : "");
}

// Round-robin partitioner: the partitions in turn. (Skipping partitions without a known leader
// would send everything to whichever leader answered first while the producer starts.)
int32_t RoundRobin(const rd_kafka_topic_t*, const void*, size_t, int32_t partitions, void* topic_opaque, void*) {
  auto* next = static_cast<std::atomic<uint32_t>*>(topic_opaque);
  return static_cast<int32_t>(next->fetch_add(1, std::memory_order_relaxed) % static_cast<uint32_t>(partitions));
}

// W3C traceparent: 00-<trace id>-<span id>-<flags>.
std::string Traceparent(const TraceContext& t) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "00-";
  for (uint8_t b : t.trace_id) out += {kHex[b >> 4], kHex[b & 0xF]};
  out += '-';
  for (uint8_t b : t.span_id) out += {kHex[b >> 4], kHex[b & 0xF]};
  out += t.sampled ? "-01" : "-00";
  return out;
}

}  // namespace

struct KafkaSink::Producer {
  rd_kafka_t* rk = nullptr;
  rd_kafka_topic_t* topic = nullptr;
  std::atomic<uint32_t> round_robin{0};

  ~Producer() {
    if (topic != nullptr) rd_kafka_topic_destroy(topic);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

KafkaSink::KafkaSink(const KafkaSinkConfig& config, Metrics* metrics) : config_(config), metrics_(metrics) {}

KafkaSink::~KafkaSink() { Stop(); }

Status KafkaSink::Start() {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (Status s = ApplyKafkaProperties(conf, KafkaProducerProperties(config_), config_.librdkafka_options, "sinks.kafka");
      !s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, DeliveryReport);
  SetKafkaLogger(conf);
  rd_kafka_conf_set_opaque(conf, this);
  auto producer = std::make_unique<Producer>();
  producer->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);  // owns conf on success
  if (producer->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("sinks.kafka: cannot create the producer: ") + error);
  }
  // A copy of the default topic configuration, which holds the topic-level properties set above
  // (message.timeout.ms, partitioner); a fresh one would silently drop them.
  rd_kafka_topic_conf_t* topic_conf = rd_kafka_default_topic_conf_dup(producer->rk);
  if (config_.partitioning.strategy == "round-robin") {
    rd_kafka_topic_conf_set_partitioner_cb(topic_conf, RoundRobin);
    rd_kafka_topic_conf_set_opaque(topic_conf, &producer->round_robin);
  }
  producer->topic = rd_kafka_topic_new(producer->rk, config_.topic.c_str(), topic_conf);  // owns topic_conf
  if (producer->topic == nullptr) {
    return Status::InvalidArgument("sinks.kafka.topic: " + std::string(rd_kafka_err2str(rd_kafka_last_error())));
  }
  producer_ = std::move(producer);
  return Status::Ok();
}

void KafkaSink::Stop() {
  if (producer_ == nullptr) return;
  rd_kafka_flush(producer_->rk, static_cast<int>(config_.message_timeout.count()));
  producer_.reset();
}

std::string_view KafkaSink::KeyOf(const EventBatch& batch, const Event& event) const {
  if (config_.partitioning.strategy != "hash") return {};
  const std::string& field = config_.partitioning.key_field;
  if (!field.empty()) {
    if (const EventAttributes* a = batch.AttributesOf(event)) {
      if (const std::string* v = a->labels.Find(field)) return *v;
    }
    if (event.source != nullptr) {
      if (const std::string* v = event.source->labels.Find(field)) return *v;
    }
  }
  return event.source != nullptr ? std::string_view(event.source->id) : std::string_view();
}

bool KafkaSink::Produce(uint32_t batch, uint32_t event, const EventBatch& b, const Event& e, JsonSourceCache* cache,
                        int* error) {
  value_.clear();
  AppendEventJson(b, e, ts_, value_, cache);
  if (!value_.empty() && value_.back() == '\n') value_.pop_back();  // a message is one JSON object, no line end
  const std::string_view key = KeyOf(b, e);
  for (;;) {
    rd_kafka_headers_t* headers = nullptr;
    if (e.trace.valid()) {
      headers = rd_kafka_headers_new(1);
      const std::string traceparent = Traceparent(e.trace);
      rd_kafka_header_add(headers, "traceparent", -1, traceparent.data(), static_cast<ssize_t>(traceparent.size()));
    }
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_->rk, RD_KAFKA_V_RKT(producer_->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(value_.data(), value_.size()),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(OpaqueOf(generation_, batch, event))), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;  // the message owns the headers now
    if (headers != nullptr) rd_kafka_headers_destroy(headers);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      *error = err;
      return false;
    }
    // Backpressure: serve delivery reports until librdkafka's queue has room again.
    queue_full_waits_.fetch_add(1, std::memory_order_relaxed);
    rd_kafka_poll(producer_->rk, kPollSliceMs);
  }
}

void KafkaSink::OnDelivery(uint64_t opaque, int error, const char* error_text) {
  const auto generation = static_cast<uint16_t>(opaque >> 48);
  const auto batch = static_cast<uint32_t>((opaque >> 32) & 0xFFFF);
  const auto event = static_cast<uint32_t>(opaque & 0xFFFFFFFFu);
  if (generation != generation_ || batch >= progress_.size()) return;  // a group given up on
  BatchProgress& p = progress_[batch];
  if (p.outstanding > 0) --p.outstanding;
  if (outstanding_ > 0) --outstanding_;
  const auto err = static_cast<rd_kafka_resp_err_t>(error);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    delivered_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (const char* reason = PermanentReason(err)) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    p.rejected.push_back({event, reason, std::string("Kafka: ") + error_text});
    return;
  }
  failed_.fetch_add(1, std::memory_order_relaxed);
  if (!p.transient) {
    p.transient = true;
    p.transient_error = std::string("Kafka delivery failed: ") + error_text;
  }
}

void KafkaSink::WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results) {
  if (producer_ == nullptr) {
    for (SinkResult& r : results) r = SinkResult::Retry(Status::Unavailable("kafka sink is not started"));
    return;
  }
  progress_.assign(group.size(), BatchProgress{});
  outstanding_ = 0;
  ++generation_;
  for (size_t b = 0; b < group.size(); ++b) {
    const auto& events = group[b]->events();
    JsonSourceCache cache;  // the source part of the JSON, encoded once per source of this batch
    for (size_t i = 0; i < events.size(); ++i) {
      int error = 0;
      if (Produce(static_cast<uint32_t>(b), static_cast<uint32_t>(i), *group[b], events[i], &cache, &error)) {
        ++progress_[b].outstanding;
        ++outstanding_;
        produced_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      // Refused before it was queued: reported like a delivery failure.
      ++progress_[b].outstanding;
      ++outstanding_;
      OnDelivery(OpaqueOf(generation_, static_cast<uint32_t>(b), static_cast<uint32_t>(i)), error,
                 rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(error)));
    }
  }
  // Every queued message gets a report within message.timeout.ms (delivered, or failed). The
  // bound is a safety net: past it, what has no report is retried with the next group (a late
  // report of this generation is then ignored; a late success is a duplicate, never a loss).
  const Nanos give_up = MonotonicNowNanos() + (static_cast<Nanos>(config_.message_timeout.count()) + 10'000) * kNanosPerMilli;
  while (outstanding_ > 0 && MonotonicNowNanos() < give_up) rd_kafka_poll(producer_->rk, kPollSliceMs);
  for (BatchProgress& p : progress_) {
    if (p.outstanding > 0 && !p.transient) {
      p.transient = true;
      p.transient_error = "Kafka: no delivery report within message.timeout.ms + 10 s";
    }
  }

  for (size_t b = 0; b < group.size(); ++b) {
    BatchProgress& p = progress_[b];
    if (p.transient) {
      results[b] = SinkResult::Retry(Status::Unavailable(p.transient_error));
      continue;
    }
    std::sort(p.rejected.begin(), p.rejected.end(),
              [](const RejectedEvent& x, const RejectedEvent& y) { return x.index < y.index; });
    if (!p.rejected.empty() && p.rejected.size() == group[b]->size()) {
      results[b] = SinkResult::Reject(Status::InvalidArgument("every event of the batch was refused: " +
                                                              p.rejected.front().error),
                                      p.rejected.front().reason);
      continue;
    }
    results[b] = SinkResult::Ok();
    results[b].rejected = std::move(p.rejected);
  }
}

std::string KafkaSink::StatsJson() const {
  auto get = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  return JsonObject()
      .Add("produced", get(produced_))
      .Add("delivered", get(delivered_))
      .Add("failed", get(failed_))
      .Add("rejected", get(rejected_))
      .Add("queue_full_waits", get(queue_full_waits_))
      .Take();
}

}  // namespace logcap
