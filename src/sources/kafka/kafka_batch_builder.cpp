#include "sources/kafka/kafka_batch_builder.h"

#include <cstring>

#include <spdlog/spdlog.h>

namespace logcap {

namespace {

constexpr size_t kMaxRawSources = 1024;    // (topic, partition) pairs remembered
constexpr size_t kMaxMergedSources = 256;  // decoded sources remembered with the static labels
constexpr uint64_t kDecodeErrorsLoggedInFull = 10;  // then one in every 1000

Nanos KafkaTime(const KafkaRecord& record) {
  return record.timestamp_ms > 0 ? static_cast<Nanos>(record.timestamp_ms) * kNanosPerMilli : 0;
}

}  // namespace

KafkaBatchBuilder::KafkaBatchBuilder(std::string component, Format format, const StringMap& labels)
    : component_(std::move(component)), format_(format), decoder_(component_, "kafka") {
  for (const auto& [key, value] : labels) labels_.Set(key, value);
}

const SourceInfo* KafkaBatchBuilder::RawSource(const KafkaRecord& record, EventBatch* batch) {
  auto matches = [&](const RawSourceEntry& e) { return e.partition == record.partition && e.topic == record.topic; };
  if (last_raw_ >= raw_sources_.size() || !matches(raw_sources_[last_raw_])) {
    size_t i = 0;
    while (i < raw_sources_.size() && !matches(raw_sources_[i])) ++i;
    if (i == raw_sources_.size()) {
      if (raw_sources_.size() >= kMaxRawSources) raw_sources_.clear();
      auto info = std::make_shared<SourceInfo>();
      info->type = "kafka";
      info->id = std::string(record.topic) + "/" + std::to_string(record.partition);
      info->name = info->id;
      info->component = component_;
      info->labels = labels_;
      raw_sources_.push_back(RawSourceEntry{std::string(record.topic), record.partition, std::move(info)});
      i = raw_sources_.size() - 1;
    }
    last_raw_ = i;
  }
  return batch->RetainSource(raw_sources_[last_raw_].info);
}

const SourceInfo* KafkaBatchBuilder::Merged(const SourceInfo* decoded, EventBatch* batch) {
  // Consecutive events mostly share their source; the batch keeps `decoded` alive, so its address
  // identifies it for this batch.
  for (const auto& [from, to] : remap_)
    if (from == decoded) return to;
  // Across batches the decoded SourceInfo may be another object with the same content: key by it.
  key_.clear();
  key_.append(decoded->type).push_back('\0');
  key_.append(decoded->id).push_back('\0');
  for (const auto& [k, v] : decoded->labels) key_.append(k).append(1, '\0').append(v).push_back('\0');
  auto it = merged_.find(key_);
  if (it == merged_.end()) {
    if (merged_.size() >= kMaxMergedSources) merged_.clear();
    auto info = std::make_shared<SourceInfo>(*decoded);
    info->labels.Merge(labels_);
    it = merged_.emplace(key_, std::move(info)).first;
  }
  const SourceInfo* merged = batch->RetainSource(it->second);
  remap_.emplace_back(decoded, merged);
  return merged;
}

void KafkaBatchBuilder::AddRaw(const KafkaRecord& record, char* dst, Nanos now, EventBatch* batch) {
  std::memcpy(dst, record.value.data(), record.value.size());
  Event e;
  e.message = std::string_view(dst, record.value.size());
  e.source_time = KafkaTime(record);
  e.read_time = now;
  e.source = RawSource(record, batch);
  e.position = SourcePosition{static_cast<uint64_t>(record.partition), static_cast<uint64_t>(record.offset + 1)};
  batch->Add(e);
}

void KafkaBatchBuilder::LogDecodeError(const KafkaRecord& record, const Status& status) {
  const uint64_t n = ++decode_errors_logged_;
  if (n <= kDecodeErrorsLoggedInFull || n % 1000 == 0) {
    spdlog::warn("kafka source {}: {}/{} offset {}: not an event JSON ({}); passed on as a raw line ({} so far)",
                 component_, record.topic, record.partition, record.offset, status.message(), n);
  }
}

void KafkaBatchBuilder::Build(std::span<const KafkaRecord> records, EventBatch* batch, Counts* counts) {
  lines_.clear();
  line_record_.clear();
  size_t total = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const std::string_view value = records[i].value;
    if (value.empty()) {
      ++counts->empty;
      continue;
    }
    total += value.size();
    lines_.push_back(value);
    line_record_.push_back(static_cast<uint32_t>(i));
  }
  counts->bytes += total;
  if (lines_.empty()) return;
  batch->Reserve(batch->size() + lines_.size());
  const Nanos now = WallNowNanos();

  if (format_ == Format::kRaw) {
    ByteBlockPtr block = ByteBlock::Create(total);
    size_t used = 0;
    for (uint32_t r : line_record_) {
      AddRaw(records[r], block->data() + used, now, batch);
      used += records[r].value.size();
    }
    block->set_size(used);
    batch->RetainBlock(std::move(block));
    counts->events += lines_.size();
    return;
  }

  const size_t base = batch->size();
  errors_.clear();
  remap_.clear();
  (void)decoder_.DecodeLines(lines_, batch, &errors_);  // failures are in errors_, handled below
  const size_t decoded = batch->size() - base;

  // Fix the decoded events up: position, Kafka time when the JSON had none, static labels. They are
  // in line order, without the failed lines.
  {
    std::vector<Event>& events = batch->mutable_events();
    size_t error = 0;
    for (size_t line = 0, d = 0; line < lines_.size(); ++line) {
      if (error < errors_.size() && errors_[error].index == line) {
        ++error;
        continue;
      }
      Event& e = events[base + d++];
      const KafkaRecord& record = records[line_record_[line]];
      e.position = SourcePosition{static_cast<uint64_t>(record.partition), static_cast<uint64_t>(record.offset + 1)};
      if (e.source_time == 0) e.source_time = KafkaTime(record);
      if (!labels_.empty()) e.source = Merged(e.source, batch);
    }
  }
  counts->events += lines_.size();
  if (errors_.empty()) return;

  // Failed values go on as raw lines (appended, then put back in their place in the order).
  counts->decode_errors += errors_.size();
  size_t failed_bytes = 0;
  for (const auto& err : errors_) failed_bytes += lines_[err.index].size();
  ByteBlockPtr block = ByteBlock::Create(failed_bytes);
  size_t used = 0;
  for (const auto& err : errors_) {
    const KafkaRecord& record = records[line_record_[err.index]];
    LogDecodeError(record, err.status);
    AddRaw(record, block->data() + used, now, batch);
    used += record.value.size();
  }
  block->set_size(used);
  batch->RetainBlock(std::move(block));

  std::vector<Event>& events = batch->mutable_events();
  ordered_.clear();
  ordered_.reserve(lines_.size());
  size_t d = base, f = base + decoded, error = 0;
  for (size_t line = 0; line < lines_.size(); ++line) {
    if (error < errors_.size() && errors_[error].index == line) {
      ordered_.push_back(events[f++]);
      ++error;
    } else {
      ordered_.push_back(events[d++]);
    }
  }
  std::copy(ordered_.begin(), ordered_.end(), events.begin() + static_cast<std::ptrdiff_t>(base));
}

}  // namespace logcap
