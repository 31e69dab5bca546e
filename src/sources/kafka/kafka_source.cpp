#include "sources/kafka/kafka_source.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "core/json_object.h"
#include "core/thread_name.h"
#include "kafka/kafka_client_properties.h"
#include "kafka/kafka_statistics.h"
#include "sources/kafka/kafka_consumer_config.h"
#include "telemetry/metrics.h"

namespace logcap {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kIdlePollMs = 100;       // poll timeout with nothing collected: how soon Stop is seen
constexpr int kLingerMs = 5;           // a collected batch waits at most this long for more messages
constexpr int kMaxBatchAgeMs = 100;    // ... and in all at most this long after its first message
constexpr int kRevokeCommitMs = 5000;  // bound of the synchronous commit in a rebalance
constexpr auto kLagInterval = std::chrono::seconds(1);

std::atomic<uint64_t> next_generation{1};

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

}  // namespace

// librdkafka's C callbacks: all served from rd_kafka_consumer_poll on the poll thread (the main
// queue is forwarded to the consumer queue), or from Finish once that thread has stopped.
struct KafkaSource::Callbacks {
  static void Rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                        void* opaque) {
    static_cast<KafkaSource*>(opaque)->OnRebalance(err, partitions);
  }
  static void Error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    static_cast<KafkaSource*>(opaque)->OnError(err, reason);
  }
  // librdkafka's statistics (every KafkaStatistics::kIntervalMs): broker states, round-trip
  // times, consumer lag, for /health and the log_capturer_kafka_* gauges.
  static int Statistics(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
    static_cast<KafkaSource*>(opaque)->statistics_->Update(std::string_view(json, json_len));
    return 0;  // librdkafka frees the JSON
  }
};

KafkaSource::KafkaSource(std::string name, KafkaInputConfig config, Duration close_timeout)
    : name_(std::move(name)), config_(std::move(config)), close_timeout_(close_timeout) {}

KafkaSource::~KafkaSource() {
  Stop();
  Close();
}

Status KafkaSource::Start(const SourceContext& context) {
  if (started_) return Status::Aborted("kafka source " + name_ + " already started");
  if (context.output == nullptr) return Status::InvalidArgument("kafka source needs an output");
  context_ = context;
  context_.max_batch_events = std::max<size_t>(context.max_batch_events, 1);
  Metrics* metrics = context.metrics;
  if (metrics == nullptr) {
    own_metrics_ = std::make_unique<Metrics>();
    metrics = own_metrics_.get();
  }
  bytes_metric_ = &metrics->BytesRead(name_);
  decode_errors_metric_ = &metrics->KafkaInputDecodeErrors(name_);
  rebalances_metric_ = &metrics->KafkaInputRebalances(name_);
  statistics_ = std::make_unique<KafkaStatistics>(name_, metrics);
  builder_ = std::make_unique<KafkaBatchBuilder>(
      name_, config_.format == "raw" ? KafkaBatchBuilder::Format::kRaw : KafkaBatchBuilder::Format::kEventJson,
      config_.labels);

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (Status s = ApplyKafkaProperties(conf, KafkaConsumerProperties(config_), config_.librdkafka_options, "kafka_input");
      !s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  SetKafkaLogger(conf);
  rd_kafka_conf_set_rebalance_cb(conf, Callbacks::Rebalance);
  rd_kafka_conf_set_error_cb(conf, Callbacks::Error);
  rd_kafka_conf_set_stats_cb(conf, Callbacks::Statistics);
  if (config_.librdkafka_options.count("statistics.interval.ms") == 0) {
    rd_kafka_conf_set(conf, "statistics.interval.ms", std::to_string(KafkaStatistics::kIntervalMs).c_str(), nullptr,
                      0);
  }
  rd_kafka_conf_set_opaque(conf, this);
  char error[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);  // owns conf on success
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka_input: cannot create the consumer: ") + error);
  }
  // Errors, statistics and rebalances are then served by rd_kafka_consumer_poll.
  rd_kafka_poll_set_consumer(rk_);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(static_cast<int>(config_.topics.size()));
  for (const std::string& topic : config_.topics) rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
    return Status::InvalidArgument(std::string("kafka_input.topics: cannot subscribe: ") + rd_kafka_err2str(err));
  }
  pending_.reserve(context_.max_batch_events);
  records_.reserve(context_.max_batch_events);
  started_ = true;
  spdlog::info("kafka source {}: consuming {} topic(s) in group {} ({})", name_, config_.topics.size(),
               config_.group_id, config_.format);
  thread_ = std::thread([this] {
    SetCurrentThreadName("kafka-input");
    Run();
  });
  return Status::Ok();
}

void KafkaSource::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_release);
  thread_.join();  // the loop sees stop_ within kIdlePollMs, or when Push returns
}

Status KafkaSource::Finish() {
  Stop();
  if (!started_ || finished_) return Status::Ok();
  finished_ = true;
  Close();
  return Status::Ok();
}

std::string KafkaSource::StatsJson() const {
  auto v = [](const auto& a) { return a.load(std::memory_order_relaxed); };
  return JsonObject()
      .Add("messages", v(stats_.messages))
      .Add("bytes", v(stats_.bytes))
      .Add("events", v(stats_.events))
      .Add("batches", v(stats_.batches))
      .Add("decode_errors", v(stats_.decode_errors))
      .Add("empty_messages", v(stats_.empty_messages))
      .Add("consumer_errors", v(stats_.consumer_errors))
      .Add("offsets_stored", v(stats_.offsets_stored))
      .Add("commits", v(stats_.commits))
      .Add("commit_failures", v(stats_.commit_failures))
      .Add("rebalances", v(stats_.rebalances))
      .Add("partitions_assigned", v(stats_.partitions_assigned))
      .Add("lag", v(stats_.lag))
      .Add("all_brokers_down", v(stats_.all_brokers_down))
      .Add("fatal_error", v(stats_.fatal_error))
      .AddRaw("librdkafka", statistics_ ? statistics_->Json() : "{}")
      .Take();
}

ComponentHealth KafkaSource::Health() const {
  if (!statistics_) return {};
  ComponentHealth h = statistics_->Health();
  if (stats_.fatal_error.load(std::memory_order_relaxed)) h.ok = false;
  return h;
}

// ---------------------------------------------------------------- poll thread

void KafkaSource::Run() {
  Clock::time_point batch_start{};
  Clock::time_point next_lag = Clock::now() + kLagInterval;
  while (!stop_.load(std::memory_order_acquire) && !stats_.fatal_error.load(std::memory_order_relaxed)) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, pending_.empty() ? kIdlePollMs : kLingerMs);
    if (m != nullptr) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        stats_.consumer_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("kafka source {}: {}", name_, rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        m = nullptr;
      } else {
        if (pending_.empty()) batch_start = Clock::now();
        pending_.push_back(m);
      }
    }
    if (!pending_.empty() && (m == nullptr || pending_.size() >= context_.max_batch_events ||
                              Clock::now() - batch_start >= std::chrono::milliseconds(kMaxBatchAgeMs))) {
      if (!Flush()) {
        spdlog::info("kafka source {}: the pipeline is closed; consumption stops", name_);
        break;
      }
    }
    StoreAcknowledged(/*force=*/false);
    if (Clock::now() >= next_lag) {
      UpdateLag();
      next_lag = Clock::now() + kLagInterval;
    }
  }
  // Collected, never emitted: not committed either, so they are read again.
  DropPending(nullptr);
  StoreAcknowledged(/*force=*/false);
}

KafkaSource::Partition* KafkaSource::Find(const char* topic, int32_t partition) {
  if (last_partition_ != nullptr && last_partition_->partition == partition && last_partition_->topic == topic) {
    return last_partition_;
  }
  for (auto& p : partitions_) {
    if (p->partition == partition && p->topic == topic) return last_partition_ = p.get();
  }
  return nullptr;
}

KafkaSource::Partition* KafkaSource::FindOrAdd(const char* topic, int32_t partition) {
  if (Partition* p = Find(topic, partition)) return p;
  auto p = std::make_unique<Partition>();
  p->topic = topic;
  p->partition = partition;
  partitions_.push_back(std::move(p));
  return last_partition_ = partitions_.back().get();
}

bool KafkaSource::Flush() {
  records_.clear();
  batch_ends_.clear();
  size_t bytes = 0;
  for (rd_kafka_message_t* m : pending_) {
    const char* topic = rd_kafka_topic_name(m->rkt);
    Partition* p = FindOrAdd(topic, m->partition);
    if (p->tracker == nullptr) {
      // A new tracker generation starts at the first message consumed after the assignment.
      p->tracker = std::make_shared<AckTracker>(next_generation.fetch_add(1), static_cast<uint64_t>(m->offset));
      p->stored = m->offset;
    }
    p->next = m->offset + 1;
    if (batch_ends_.empty() || batch_ends_.back().first != p) {
      auto it = std::find_if(batch_ends_.begin(), batch_ends_.end(), [p](const auto& e) { return e.first == p; });
      if (it == batch_ends_.end()) {
        batch_ends_.emplace_back(p, m->offset);
      } else {
        it->second = m->offset;
      }
    } else {
      batch_ends_.back().second = m->offset;
    }
    rd_kafka_timestamp_type_t type;
    const int64_t ts = rd_kafka_message_timestamp(m, &type);
    const std::string_view value =
        m->payload == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(m->payload), m->len);
    bytes += value.size();
    records_.push_back(KafkaRecord{topic, m->partition, m->offset, ts, value});
  }

  EventBatch batch;
  KafkaBatchBuilder::Counts counts;
  builder_->Build(records_, &batch, &counts);
  const size_t messages = pending_.size();
  records_.clear();
  for (rd_kafka_message_t* m : pending_) rd_kafka_message_destroy(m);  // every byte was copied
  pending_.clear();

  stats_.messages.fetch_add(messages, std::memory_order_relaxed);
  stats_.bytes.fetch_add(bytes, std::memory_order_relaxed);
  stats_.empty_messages.fetch_add(counts.empty, std::memory_order_relaxed);
  stats_.all_brokers_down.store(false, std::memory_order_relaxed);
  bytes_metric_->Increment(static_cast<double>(bytes));
  if (counts.decode_errors > 0) {
    stats_.decode_errors.fetch_add(counts.decode_errors, std::memory_order_relaxed);
    decode_errors_metric_->Increment(static_cast<double>(counts.decode_errors));
  }

  // One token per partition in the batch. The callback runs on whatever thread releases the batch:
  // it only records in the tracker and raises the flag the poll thread checks.
  for (const auto& [p, last] : batch_ends_) {
    std::shared_ptr<AckTracker> tracker = p->tracker;
    const uint64_t ticket = tracker->Register(static_cast<uint64_t>(last + 1));
    auto token = std::make_shared<AckToken>([tracker, ticket, signal = acked_](DeliveryOutcome outcome) {
      tracker->Finalize(ticket, outcome);
      signal->pending.store(true, std::memory_order_release);
    });
    // A batch without events (only empty values) is done: its token, dropped here, reports
    // kDelivered and the offset moves past those messages.
    if (!batch.empty()) batch.AddAck(std::move(token));
  }
  batch_ends_.clear();
  if (batch.empty()) return true;
  const size_t events = batch.size();
  if (!context_.output->Push(std::move(batch))) return false;  // the tokens were told kFailed
  stats_.events.fetch_add(events, std::memory_order_relaxed);
  stats_.batches.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void KafkaSource::DropPending(const rd_kafka_topic_partition_list_t* only) {
  size_t kept = 0;
  for (rd_kafka_message_t* m : pending_) {
    const bool drop = only == nullptr ||
                      rd_kafka_topic_partition_list_find(only, rd_kafka_topic_name(m->rkt), m->partition) != nullptr;
    if (drop) {
      rd_kafka_message_destroy(m);
    } else {
      pending_[kept++] = m;
    }
  }
  pending_.resize(kept);
}

void KafkaSource::StoreAcknowledged(bool force) {
  if (rk_ == nullptr) return;
  if (!acked_->pending.exchange(false, std::memory_order_acq_rel) && !force) return;
  rd_kafka_topic_partition_list_t* list = nullptr;
  for (auto& p : partitions_) {
    if (p->tracker == nullptr) continue;
    const auto committed = static_cast<int64_t>(p->tracker->committed_offset());
    if (committed <= p->stored) continue;
    if (list == nullptr) list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions_.size()));
    rd_kafka_topic_partition_list_add(list, p->topic.c_str(), p->partition)->offset = committed;
  }
  if (list == nullptr) return;
  rd_kafka_offsets_store(rk_, list);  // per-partition results below
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& e = list->elems[i];
    Partition* p = Find(e.topic, e.partition);
    if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (p != nullptr) p->stored = e.offset;
      stats_.offsets_stored.fetch_add(1, std::memory_order_relaxed);
    } else {
      spdlog::debug("kafka source {}: cannot store offset {} of {}/{}: {}", name_, e.offset, e.topic, e.partition,
                    rd_kafka_err2str(e.err));
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
}

void KafkaSource::CommitStored(int timeout_ms) {
  // rd_kafka_commit(async=0) may wait for a coordinator without bound; a result queue lets us stop
  // waiting at a deadline (the commit itself may still complete later).
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  rd_kafka_resp_err_t err = rd_kafka_commit_queue(rk_, nullptr, queue, nullptr, nullptr);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, std::min(RemainingMs(deadline), 100));
      if (ev != nullptr) {
        const bool done = rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT;
        if (done) err = rd_kafka_event_error(ev);
        rd_kafka_event_destroy(ev);
        if (done) break;
      }
      if (RemainingMs(deadline) == 0) break;
    }
  }
  rd_kafka_queue_destroy(queue);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    stats_.commits.fetch_add(1, std::memory_order_relaxed);
    stats_.all_brokers_down.store(false, std::memory_order_relaxed);
  } else if (err != RD_KAFKA_RESP_ERR__NO_OFFSET) {  // _NO_OFFSET: nothing new to commit
    stats_.commit_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("kafka source {}: commit of the acknowledged offsets failed: {}", name_, rd_kafka_err2str(err));
  }
}

void KafkaSource::OnRebalance(int err, rd_kafka_topic_partition_list_t* partitions) {
  stats_.rebalances.fetch_add(1, std::memory_order_relaxed);
  if (rebalances_metric_ != nullptr) rebalances_metric_->Increment();
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    for (int i = 0; i < partitions->cnt; ++i) {
      Partition* p = FindOrAdd(partitions->elems[i].topic, partitions->elems[i].partition);
      p->tracker.reset();  // a new generation: acks of an earlier assignment no longer count
      p->stored = -1;
      p->next = -1;
    }
    spdlog::info("kafka source {}: {} partition(s) assigned", name_, partitions->cnt);
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, partitions)) {
        spdlog::error("kafka source {}: incremental assign failed: {}", name_, rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk_, partitions);
    }
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    DropPending(partitions);  // never emitted: the next owner reads them
    if (!rd_kafka_assignment_lost(rk_)) {
      StoreAcknowledged(/*force=*/true);
      // While closing, the close deadline bounds this commit too.
      const int timeout = closing_ ? std::min(kRevokeCommitMs, RemainingMs(close_deadline_)) : kRevokeCommitMs;
      if (timeout > 0) CommitStored(timeout);
    }
    partitions_.erase(std::remove_if(partitions_.begin(), partitions_.end(),
                                     [&](const std::unique_ptr<Partition>& p) {
                                       return rd_kafka_topic_partition_list_find(partitions, p->topic.c_str(),
                                                                                  p->partition) != nullptr;
                                     }),
                      partitions_.end());
    last_partition_ = nullptr;
    spdlog::info("kafka source {}: {} partition(s) revoked", name_, partitions->cnt);
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, partitions)) {
        spdlog::error("kafka source {}: incremental unassign failed: {}", name_, rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk_, nullptr);
    }
  } else {
    spdlog::error("kafka source {}: rebalance error: {}", name_, rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
    DropPending(nullptr);
    partitions_.clear();
    last_partition_ = nullptr;
    rd_kafka_assign(rk_, nullptr);
  }
  stats_.partitions_assigned.store(partitions_.size(), std::memory_order_relaxed);
}

void KafkaSource::OnError(int err, const char* reason) {
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    if (!stats_.all_brokers_down.exchange(true)) spdlog::warn("kafka source {}: all brokers are down: {}", name_, reason);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk_, fatal, sizeof fatal);
    spdlog::error("kafka source {}: fatal consumer error ({}): {}; consumption stops", name_, rd_kafka_err2name(cause),
                  fatal);
    stats_.fatal_error.store(true);
    return;
  }
  // Connection errors are already in librdkafka's own log (SetKafkaLogger) and come and go.
  const auto level = err == RD_KAFKA_RESP_ERR__TRANSPORT ? spdlog::level::debug : spdlog::level::warn;
  spdlog::log(level, "kafka source {}: {}: {}", name_, rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

void KafkaSource::UpdateLag() {
  int64_t lag = 0;
  bool known = false;
  for (const auto& p : partitions_) {
    int64_t low = 0, high = 0;
    if (p->next < 0) continue;
    // The cached high watermark from the last fetch: no broker round trip.
    if (rd_kafka_get_watermark_offsets(rk_, p->topic.c_str(), p->partition, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;
    }
    lag += std::max<int64_t>(0, high - p->next);
    known = true;
  }
  stats_.lag.store(known ? lag : -1, std::memory_order_relaxed);
}

// ---------------------------------------------------------------- shutdown

void KafkaSource::Close() {
  if (rk_ == nullptr) return;
  const Clock::time_point deadline = Clock::now() + close_timeout_;
  closing_ = true;
  close_deadline_ = deadline;
  StoreAcknowledged(/*force=*/true);
  CommitStored(RemainingMs(deadline) / 2);
  // Leave the group (revokes the assignment through OnRebalance, which commits again), bounded.
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  if (rd_kafka_error_t* e = rd_kafka_consumer_close_queue(rk_, queue)) {
    spdlog::warn("kafka source {}: close: {}", name_, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  } else {
    while (!rd_kafka_consumer_closed(rk_) && RemainingMs(deadline) > 0) {
      rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, std::min(RemainingMs(deadline), 100));
      if (ev == nullptr) continue;
      if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
        OnRebalance(rd_kafka_event_error(ev), rd_kafka_event_topic_partition_list(ev));
      }
      rd_kafka_event_destroy(ev);
    }
  }
  const bool closed = rd_kafka_consumer_closed(rk_) != 0;
  rd_kafka_queue_destroy(queue);
  if (closed) {
    rd_kafka_destroy(rk_);
  } else {
    spdlog::warn("kafka source {}: the consumer did not close within {} ms; destroyed without leaving the group",
                 name_, close_timeout_.count());
    rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
  rk_ = nullptr;
  partitions_.clear();
  last_partition_ = nullptr;
  stats_.partitions_assigned.store(0, std::memory_order_relaxed);
  spdlog::info("kafka source {}: closed", name_);
}

}  // namespace logcap
