// KafkaBatchBuilder: turns the Kafka messages of one poll round into one EventBatch.
//
// Input: KafkaRecord views of consumed messages (topic, partition, offset, Kafka timestamp, value),
// in the order they were polled. Every byte is copied into the batch (one ByteBlock per Build), so
// the caller may destroy the librdkafka messages as soon as Build returns.
//
// Formats:
//   event_json  all values are decoded with ONE EventJsonDecoder::DecodeLines call (one block for all
//               messages): timestamp, source_type/source_id, labels, level, fields and trace context
//               are kept. A decoded event without a timestamp gets the message's Kafka timestamp.
//               A value that fails to decode is not lost: it becomes a raw event (below), in its
//               place in the order, and is counted in Counts::decode_errors.
//   raw         message = the value; source_type "kafka", source_id "<topic>/<partition>";
//               source_time = the Kafka timestamp when the message has one, else 0 (read time).
// Empty and null values (tombstones) carry no log line: they produce no event and are counted in
// Counts::empty. Their offsets are still covered by the batch's acknowledgement (the source
// commits past them).
// Event::position is {partition, Kafka offset + 1}.
//
// Labels: the configured static labels are on every event. Raw events: they are the labels of the
// per-partition SourceInfo. Decoded events: each decoded SourceInfo is replaced by a copy with the
// static labels merged over its own (the configured value wins), made once per distinct source and
// cached across batches: no allocation per event.
//
// Threading: one builder per thread (it owns the decoder and its caches).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/event_json_decoder.h"
#include "config/config.h"
#include "core/event_batch.h"

namespace logcap {

// A consumed message, as far as the builder needs it. Views stay valid for the Build call only.
struct KafkaRecord {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1: the message has no timestamp
  std::string_view value;     // empty for empty and null values
};

class KafkaBatchBuilder {
 public:
  enum class Format { kEventJson, kRaw };
  struct Counts {
    size_t events = 0;
    size_t bytes = 0;          // value bytes of the messages
    size_t decode_errors = 0;  // event_json values passed on raw
    size_t empty = 0;          // empty or null values skipped
  };

  // component: SourceInfo::component of every event (the configured source name).
  KafkaBatchBuilder(std::string component, Format format, const StringMap& labels);
  KafkaBatchBuilder(const KafkaBatchBuilder&) = delete;
  KafkaBatchBuilder& operator=(const KafkaBatchBuilder&) = delete;

  // Appends the events of records to *batch (normally empty) and adds to *counts.
  void Build(std::span<const KafkaRecord> records, EventBatch* batch, Counts* counts);

 private:
  const SourceInfo* RawSource(const KafkaRecord& record, EventBatch* batch);
  const SourceInfo* Merged(const SourceInfo* decoded, EventBatch* batch);
  void AddRaw(const KafkaRecord& record, char* dst, Nanos now, EventBatch* batch);
  void LogDecodeError(const KafkaRecord& record, const Status& status);

  struct RawSourceEntry {
    std::string topic;
    int32_t partition;
    std::shared_ptr<const SourceInfo> info;
  };

  const std::string component_;
  const Format format_;
  Labels labels_;
  EventJsonDecoder decoder_;

  // Caches, bounded (cleared when full; rebuilt on demand).
  std::vector<RawSourceEntry> raw_sources_;
  size_t last_raw_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const SourceInfo>> merged_;

  // Per-Build scratch, kept to reuse its capacity.
  std::vector<std::string_view> lines_;
  std::vector<uint32_t> line_record_;  // lines_[i] is the value of records[line_record_[i]]
  std::vector<EventJsonDecoder::LineError> errors_;
  std::vector<std::pair<const SourceInfo*, const SourceInfo*>> remap_;  // decoded -> merged, this batch
  std::vector<Event> ordered_;
  std::string key_;
  uint64_t decode_errors_logged_ = 0;
};

}  // namespace logcap
