// KafkaSource: consumes events from Kafka topics in a consumer group (Source "kafka_input"), at
// least once: an offset is committed only once every batch up to it was acknowledged.
//
// Consumption: librdkafka's high-level consumer (rd_kafka_subscribe), polled by the source's own
// thread "kafka-input". Messages are collected into a batch of at most max_batch_events; a batch
// is emitted as soon as a poll returns nothing within kLingerMs (a few ms), or it is full, or its
// first message waited kMaxBatchAgeMs. The batch is built by KafkaBatchBuilder (formats, labels,
// decode failures), then the librdkafka messages are destroyed.
//
// Offsets (at least once): every assigned partition has an AckTracker (sources/common). A batch
// carries one AckToken per partition it holds events of, registered with the end offset (Kafka
// offset + 1 of its last message of that partition). Acks arrive on any thread: the callback only
// records in the tracker and raises a flag; the poll thread then hands the trackers' committed
// offsets to rd_kafka_offsets_store, and librdkafka's auto-commit (enable.auto.offset.store=false,
// auto.commit.interval.ms = commit_interval) commits what was stored. Why this rather than manual
// commits: the commit timer, retries and the final commit on close are librdkafka's, and a commit
// never runs in an ack callback (which would call into librdkafka from a pipeline thread). An
// offset never passes a batch in flight or a kFailed batch (that batch is read again after a
// restart or by the partition's next owner).
//
// Rebalances (rd_kafka_conf_set_rebalance_cb, on the poll thread): on assign, each partition gets
// a new tracker generation; on revoke, the not-yet-emitted messages of those partitions are
// dropped (they were never emitted: the next owner reads them), the acknowledged offsets are
// stored and committed synchronously (bounded wait), then the trackers are dropped: acks that
// arrive later for those partitions touch only the orphaned tracker and are ignored. Events in
// flight for a revoked partition are read again by the new owner: duplicates, never loss. Both the
// eager (default assignors) and the cooperative protocol (incremental assign/unassign) work.
//
// Errors: librdkafka's log goes to the agent's log (SetKafkaLogger); errors (error_cb) are logged
// and "all brokers down" is shown in StatsJson until a message or a successful commit arrives. A
// fatal error (rd_kafka_fatal_error) is logged and consumption stops (stats: fatal_error); the rest
// of the agent keeps running.
//
// Lifecycle: Start creates the consumer and subscribes; a bad librdkafka property fails Start.
// Stop joins the poll thread (messages collected but not emitted are dropped: they were not
// committed) and keeps the consumer handle, because batches may still be acknowledged after Stop.
// Finish stores what was acknowledged, commits it (bounded), closes the consumer (leaves the group,
// bounded by close_timeout; after that the handle is destroyed without waiting further). The
// destructor does Stop and Finish if they were not called. Start, Stop and Finish are called by one
// thread; StatsJson from any thread; ack callbacks from any thread at any time, also after this
// object is gone (they hold only shared state).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "pipeline/source.h"
#include "sources/common/ack_tracker.h"
#include "sources/kafka/kafka_batch_builder.h"

typedef struct rd_kafka_s rd_kafka_t;  // librdkafka's own declarations (no librdkafka header here)
typedef struct rd_kafka_message_s rd_kafka_message_t;
typedef struct rd_kafka_topic_partition_list_s rd_kafka_topic_partition_list_t;

namespace prometheus {
class Counter;
}  // namespace prometheus

namespace logcap {

class KafkaSource : public Source {
 public:
  // name: the configured component ("kafka_input"): SourceInfo::component and the metrics label.
  // close_timeout bounds Finish (final commit and leaving the group).
  KafkaSource(std::string name, KafkaInputConfig config, Duration close_timeout = std::chrono::seconds(10));
  ~KafkaSource() override;
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  const std::string& name() const override { return name_; }
  Status Start(const SourceContext& context) override;
  void Stop() override;
  Status Finish() override;
  std::string StatsJson() const override;
  // Not ok while librdkafka's statistics say no broker is reachable, or after a fatal error.
  ComponentHealth Health() const override;

 private:
  struct Callbacks;  // librdkafka's C callbacks (kafka_source.cpp)
  // One assigned partition. Owned by the poll thread (or by Finish once it has stopped).
  struct Partition {
    std::string topic;
    int32_t partition = 0;
    std::shared_ptr<AckTracker> tracker;  // created at the first message of this assignment
    int64_t stored = -1;                  // last offset handed to rd_kafka_offsets_store
    int64_t next = -1;                    // offset after the last message consumed (for lag)
  };
  // Set by any ack callback; shared with the tokens, which may outlive the source.
  struct AckSignal {
    std::atomic<bool> pending{false};
  };
  struct Stats {
    std::atomic<uint64_t> messages{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> events{0};
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> decode_errors{0};
    std::atomic<uint64_t> empty_messages{0};
    std::atomic<uint64_t> consumer_errors{0};
    std::atomic<uint64_t> offsets_stored{0};
    std::atomic<uint64_t> commits{0};
    std::atomic<uint64_t> commit_failures{0};
    std::atomic<uint64_t> rebalances{0};
    std::atomic<uint64_t> partitions_assigned{0};
    std::atomic<int64_t> lag{-1};  // sum over assigned partitions; -1 until known
    std::atomic<bool> all_brokers_down{false};
    std::atomic<bool> fatal_error{false};
  };

  void Run();
  // Emits the collected messages as one batch. False when the pipeline is closed.
  bool Flush();
  void DropPending(const rd_kafka_topic_partition_list_t* only);  // nullptr: all
  Partition* Find(const char* topic, int32_t partition);
  Partition* FindOrAdd(const char* topic, int32_t partition);
  // Hands the acknowledged offsets to librdkafka (when an ack arrived, or always with force).
  void StoreAcknowledged(bool force);
  // Commits the stored offsets and waits for the result, at most timeout_ms.
  void CommitStored(int timeout_ms);
  void OnRebalance(int err, rd_kafka_topic_partition_list_t* partitions);
  void OnError(int err, const char* reason);
  void UpdateLag();
  void Close();

  const std::string name_;
  const KafkaInputConfig config_;
  const Duration close_timeout_;
  SourceContext context_;
  std::unique_ptr<KafkaBatchBuilder> builder_;
  rd_kafka_t* rk_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  bool started_ = false;
  bool finished_ = false;
  bool closing_ = false;
  std::chrono::steady_clock::time_point close_deadline_{};

  // Poll-thread state.
  std::vector<std::unique_ptr<Partition>> partitions_;
  Partition* last_partition_ = nullptr;
  std::vector<rd_kafka_message_t*> pending_;
  std::vector<KafkaRecord> records_;
  std::vector<std::pair<Partition*, int64_t>> batch_ends_;  // partition -> last offset in the batch
  std::shared_ptr<AckSignal> acked_ = std::make_shared<AckSignal>();

  prometheus::Counter* bytes_metric_ = nullptr;
  prometheus::Counter* decode_errors_metric_ = nullptr;
  prometheus::Counter* rebalances_metric_ = nullptr;
  std::unique_ptr<class Metrics> own_metrics_;
  std::unique_ptr<class KafkaStatistics> statistics_;
  Stats stats_;
};

}  // namespace logcap
