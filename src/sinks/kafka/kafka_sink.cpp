#include "sinks/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "core/json_object.h"

namespace logcap {

namespace {

constexpr int kPollSliceMs = 100;

// Lets the topic map be searched with a string_view (no std::string per lookup).
struct TransparentStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// The opaque of a message: its slot's generation (16 bits), the slot (16 bits) and its event index
// in the batch (32 bits). A report for a slot since reused (a batch given up on) is recognised by
// the generation and ignored.
uint64_t OpaqueOf(uint16_t generation, uint32_t slot, uint32_t event) {
  return (static_cast<uint64_t>(generation) << 48) | (static_cast<uint64_t>(slot & 0xFFFF) << 32) | event;
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
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:  // an invalid topic name (from topic_label)
      return "invalid_topic";
    default:
      return nullptr;
  }
}

int Statistics(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
  static_cast<KafkaSink*>(opaque)->OnStatistics(std::string_view(json, json_len));
  return 0;  // librdkafka frees the JSON
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

// W3C traceparent: 00-<trace id>-<span id>-<flags>, 55 characters (no allocation per traced line).
using TraceparentText = std::array<char, 55>;
TraceparentText Traceparent(const TraceContext& t) {
  static constexpr char kHex[] = "0123456789abcdef";
  TraceparentText out;
  char* p = out.data();
  auto hex = [&p](uint8_t b) {
    *p++ = kHex[b >> 4];
    *p++ = kHex[b & 0xF];
  };
  *p++ = '0';
  *p++ = '0';
  *p++ = '-';
  for (uint8_t b : t.trace_id) hex(b);
  *p++ = '-';
  for (uint8_t b : t.span_id) hex(b);
  *p++ = '-';
  *p++ = '0';
  *p++ = t.sampled ? '1' : '0';
  return out;
}

}  // namespace

// A topic's librdkafka handle, with the round-robin partitioner's counter (the topic's opaque).
struct KafkaTopic {
  rd_kafka_topic_t* handle = nullptr;  // nullptr: the name is not a valid topic name
  std::atomic<uint32_t> round_robin{0};
};

// Messages of one topic encoded back to back, produced with one rd_kafka_produce_batch call.
struct KafkaSink::Chunk {
  static constexpr size_t kMaxMessages = 512;
  KafkaTopic* topic = nullptr;
  std::string values;                  // the event JSONs, one after the other
  std::vector<size_t> ends;            // where each ends in values
  std::vector<std::string_view> keys;  // into the batch (labels, source id)
  std::vector<uint64_t> opaques;
  std::vector<rd_kafka_message_t> messages;

  void Clear() {
    values.clear();
    ends.clear();
    keys.clear();
    opaques.clear();
  }
};

struct KafkaSink::Producer {
  rd_kafka_t* rk = nullptr;
  // Every topic produced to, by name: the configured one, and those named by topic_label or
  // level_topics. Node-based, so a KafkaTopic never moves (its counter is the partitioner's opaque).
  std::unordered_map<std::string, std::unique_ptr<KafkaTopic>, TransparentStringHash, std::equal_to<>> topics;
  KafkaTopic* default_topic = nullptr;
  KafkaTopic* last_routed = nullptr;  // memo: a run of events to one routed topic skips the lookup
  std::string_view last_routed_name;

  ~Producer() {
    for (auto& [name, topic] : topics) {
      if (topic->handle != nullptr) rd_kafka_topic_destroy(topic->handle);
    }
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

// Kafka's rule for topic names: 1 to 249 of [a-zA-Z0-9._-], and not "." or "..".
bool IsValidTopicName(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

KafkaTopic* KafkaSink::TopicHandle(std::string_view name) {
  Producer& p = *producer_;
  if (auto it = p.topics.find(name); it != p.topics.end()) return it->second.get();
  auto topic = std::make_unique<KafkaTopic>();
  if (IsValidTopicName(name)) {
    // A copy of the default topic configuration, which holds the topic-level properties set in
    // Start (message.timeout.ms, partitioner); a fresh one would silently drop them.
    rd_kafka_topic_conf_t* topic_conf = rd_kafka_default_topic_conf_dup(p.rk);
    if (config_.partitioning.strategy == "round-robin") {
      rd_kafka_topic_conf_set_partitioner_cb(topic_conf, RoundRobin);
      rd_kafka_topic_conf_set_opaque(topic_conf, &topic->round_robin);
    }
    const std::string n(name);
    topic->handle = rd_kafka_topic_new(p.rk, n.c_str(), topic_conf);  // owns topic_conf
    if (topic->handle == nullptr) {
      spdlog::warn("sink kafka: cannot use topic '{}': {}", n, rd_kafka_err2str(rd_kafka_last_error()));
    }
  }
  KafkaTopic* raw = topic.get();
  p.topics.emplace(std::string(name), std::move(topic));
  return raw;
}

KafkaSink::KafkaSink(const KafkaSinkConfig& config, Metrics* metrics)
    : config_(config), metrics_(metrics), statistics_(name_, metrics), chunk_(std::make_unique<Chunk>()) {}

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
  rd_kafka_conf_set_stats_cb(conf, Statistics);
  if (config_.librdkafka_options.count("statistics.interval.ms") == 0) {
    rd_kafka_conf_set(conf, "statistics.interval.ms", std::to_string(KafkaStatistics::kIntervalMs).c_str(), error,
                      sizeof error);
  }
  SetKafkaLogger(conf);
  rd_kafka_conf_set_opaque(conf, this);
  auto producer = std::make_unique<Producer>();
  producer->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);  // owns conf on success
  if (producer->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("sinks.kafka: cannot create the producer: ") + error);
  }
  producer_ = std::move(producer);
  producer_->default_topic = TopicHandle(config_.topic);
  if (producer_->default_topic->handle == nullptr) {
    producer_.reset();
    return Status::InvalidArgument("sinks.kafka.topic: '" + config_.topic +
                                   "' is not a valid topic name (1 to 249 of a-z A-Z 0-9 . _ -)");
  }
  return Status::Ok();
}

void KafkaSink::Idle() {
  // Serves the statistics callback (broker state for /health) and reports of a group given up on.
  if (producer_ != nullptr) rd_kafka_poll(producer_->rk, 0);
}

void KafkaSink::OnStatistics(std::string_view json) { statistics_.Update(json); }

void KafkaSink::Stop() {
  if (producer_ == nullptr) return;
  rd_kafka_flush(producer_->rk, static_cast<int>(config_.message_timeout.count()));
  producer_.reset();
}

std::string_view KafkaSink::KeyOf(const EventBatch& batch, const Event& event) const {
  if (config_.partitioning.strategy != "hash") return {};
  if (!config_.partitioning.key_field.empty()) {
    if (std::string_view v = LabelOf(batch, event, config_.partitioning.key_field); !v.empty()) return v;
  }
  return event.source != nullptr ? std::string_view(event.source->id) : std::string_view();
}

std::string_view KafkaSink::LabelOf(const EventBatch& batch, const Event& event, const std::string& name) const {
  if (const EventAttributes* a = batch.AttributesOf(event)) {
    if (const std::string* v = a->labels.Find(name)) return *v;
  }
  if (event.source != nullptr) {
    if (const std::string* v = event.source->labels.Find(name)) return *v;
  }
  return {};
}

KafkaTopic* KafkaSink::TopicOf(const EventBatch& batch, const Event& event) {
  std::string_view name;
  if (!config_.topic_label.empty()) name = LabelOf(batch, event, config_.topic_label);
  if (name.empty() && !config_.level_topics.empty()) {
    if (auto it = config_.level_topics.find(std::string(LevelName(event.level))); it != config_.level_topics.end()) {
      name = it->second;
    }
  }
  if (name.empty() || name == config_.topic) return producer_->default_topic;
  Producer& p = *producer_;
  if (p.last_routed == nullptr || name != p.last_routed_name) {
    p.last_routed = TopicHandle(name);
    p.last_routed_name = p.topics.find(name)->first;  // the map's key outlives this event
  }
  return p.last_routed;
}

// One message with headers (a trace context): rd_kafka_produce_batch cannot carry headers.
bool KafkaSink::ProduceWithHeaders(KafkaTopic* topic, uint64_t opaque, const EventBatch& b, const Event& e,
                                   JsonSourceCache* cache, int* error) {
  value_.clear();
  AppendEventJson(b, e, ts_, value_, cache);
  if (!value_.empty() && value_.back() == '\n') value_.pop_back();  // a message is one JSON object, no line end
  const std::string_view key = KeyOf(b, e);
  const TraceparentText traceparent = Traceparent(e.trace);
  for (;;) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(1);
    rd_kafka_header_add(headers, "traceparent", -1, traceparent.data(), static_cast<ssize_t>(traceparent.size()));
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_->rk, RD_KAFKA_V_RKT(topic->handle), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(value_.data(), value_.size()),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(opaque)), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;  // the message owns the headers now
    rd_kafka_headers_destroy(headers);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      *error = err;
      return false;
    }
    // Backpressure: serve delivery reports until librdkafka's queue has room again.
    queue_full_waits_.fetch_add(1, std::memory_order_relaxed);
    rd_kafka_poll(producer_->rk, kPollSliceMs);
  }
}

void KafkaSink::FlushChunk() {
  Chunk& c = *chunk_;
  const size_t n = c.opaques.size();
  if (n == 0) return;
  c.messages.assign(n, rd_kafka_message_t{});
  size_t start = 0;
  for (size_t k = 0; k < n; ++k) {
    rd_kafka_message_t& m = c.messages[k];
    m.payload = c.values.data() + start;
    m.len = c.ends[k] - start;
    start = c.ends[k];
    if (!c.keys[k].empty()) {
      m.key = const_cast<char*>(c.keys[k].data());
      m.key_len = c.keys[k].size();
    }
    m._private = reinterpret_cast<void*>(c.opaques[k]);
  }
  // One call (one lock of the partition queues) for the whole chunk; the configured partitioner
  // still runs per message (RD_KAFKA_PARTITION_UA), so keys keep their partitions.
  rd_kafka_message_t* pending = c.messages.data();
  size_t count = n;
  for (;;) {
    const int queued = rd_kafka_produce_batch(c.topic->handle, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, pending,
                                              static_cast<int>(count));
    produced_.fetch_add(static_cast<uint64_t>(queued), std::memory_order_relaxed);
    if (static_cast<size_t>(queued) == count) break;
    // Keep the messages refused for a full queue (in order) to send again; report the others.
    size_t full = 0;
    for (size_t k = 0; k < count; ++k) {
      const rd_kafka_resp_err_t err = pending[k].err;
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        pending[full] = pending[k];
        pending[full++].err = RD_KAFKA_RESP_ERR_NO_ERROR;
        continue;
      }
      OnDelivery(reinterpret_cast<uint64_t>(pending[k]._private), err, rd_kafka_err2str(err));
    }
    if (full == 0) break;
    // Backpressure: serve delivery reports until librdkafka's queue has room again.
    queue_full_waits_.fetch_add(1, std::memory_order_relaxed);
    rd_kafka_poll(producer_->rk, kPollSliceMs);
    count = full;
  }
  c.Clear();
  // Serve the reports that came meanwhile: librdkafka's queue stays short (memory) and the wait
  // after the last message is only for what is still on the wire.
  rd_kafka_poll(producer_->rk, 0);
}

void KafkaSink::OnDelivery(uint64_t opaque, int error, const char* error_text) {
  const auto generation = static_cast<uint16_t>(opaque >> 48);
  const auto slot = static_cast<uint32_t>((opaque >> 32) & 0xFFFF);
  const auto event = static_cast<uint32_t>(opaque & 0xFFFFFFFFu);
  if (slot >= slots_.size() || !slots_[slot].active || slots_[slot].generation != generation) return;
  InFlight& p = slots_[slot];
  if (p.outstanding > 0) --p.outstanding;
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

uint32_t KafkaSink::StartBatch(const EventBatch& batch) {
  uint32_t slot = 0;
  while (slot < slots_.size() && slots_[slot].active) ++slot;
  if (slot == slots_.size()) slots_.emplace_back();
  InFlight& p = slots_[slot];
  const uint16_t generation = static_cast<uint16_t>(p.generation + 1);
  p = InFlight{};
  p.generation = generation;
  p.active = true;
  p.batch = &batch;
  p.outstanding = batch.size();  // every event gets a report: from librdkafka, or here when refused
  const auto& events = batch.events();
  JsonSourceCache cache;  // the source part of the JSON, encoded once per source of this batch
  Chunk& c = *chunk_;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const uint64_t opaque = OpaqueOf(generation, slot, static_cast<uint32_t>(i));
    KafkaTopic* topic = routed_ ? TopicOf(batch, e) : producer_->default_topic;
    if (topic->handle == nullptr) {  // an invalid name (from topic_label): a permanent error
      OnDelivery(opaque, RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, "invalid topic name");
      continue;
    }
    if (e.trace.valid()) {
      FlushChunk();  // keeps the order of messages
      int error = 0;
      if (ProduceWithHeaders(topic, opaque, batch, e, &cache, &error)) {
        produced_.fetch_add(1, std::memory_order_relaxed);
      } else {
        OnDelivery(opaque, error, rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(error)));
      }
      continue;
    }
    if (c.topic != topic || c.opaques.size() == Chunk::kMaxMessages) {
      FlushChunk();
      c.topic = topic;
    }
    AppendEventJson(batch, e, ts_, c.values, &cache);
    if (!c.values.empty() && c.values.back() == '\n') c.values.pop_back();  // one JSON object, no line end
    c.ends.push_back(c.values.size());
    c.keys.push_back(KeyOf(batch, e));
    c.opaques.push_back(opaque);
  }
  FlushChunk();  // the keys point into this batch, and its cache ends here
  return slot;
}

void KafkaSink::WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results) {
  if (producer_ == nullptr) {
    for (SinkResult& r : results) r = SinkResult::Retry(Status::Unavailable("kafka sink is not started"));
    return;
  }
  // Batches already started by a look-ahead are waited for, not produced again.
  std::vector<uint32_t>& group_slots = group_slots_;
  group_slots.clear();
  for (const EventBatch* batch : group) {
    uint32_t slot = 0;
    while (slot < slots_.size() && !(slots_[slot].active && slots_[slot].batch == batch)) ++slot;
    group_slots.push_back(slot < slots_.size() ? slot : StartBatch(*batch));
  }
  // Every queued message gets a report within message.timeout.ms (delivered, or failed). The
  // bound is a safety net: past it, what has no report is retried (a late report for a reused
  // slot is then ignored; a late success is a duplicate, never a loss).
  const Nanos give_up =
      MonotonicNowNanos() + (static_cast<Nanos>(config_.message_timeout.count()) + 10'000) * kNanosPerMilli;
  bool looked_ahead = false;
  auto outstanding = [&] {
    for (uint32_t slot : group_slots) {
      if (slots_[slot].outstanding > 0) return true;
    }
    return false;
  };
  while (outstanding() && MonotonicNowNanos() < give_up) {
    if (!looked_ahead) {
      // While this group's last messages are on the wire, start the next group: the producer never
      // idles between groups.
      looked_ahead = true;
      for (const EventBatch* next : LookAhead()) StartBatch(*next);
      continue;
    }
    rd_kafka_poll(producer_->rk, kPollSliceMs);
  }

  for (size_t b = 0; b < group.size(); ++b) {
    InFlight& p = slots_[group_slots[b]];
    p.active = false;  // the slot is free again; late reports for it are ignored
    if (p.outstanding > 0 && !p.transient) {
      p.transient = true;
      p.transient_error = "Kafka: no delivery report within message.timeout.ms + 10 s";
    }
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
      .AddRaw("librdkafka", statistics_.Json())
      .Take();
}

}  // namespace logcap
