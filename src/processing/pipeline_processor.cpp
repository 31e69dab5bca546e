#include "processing/pipeline_processor.h"

#include <cstring>
#include <deque>
#include <vector>

namespace logcap {
namespace {

constexpr size_t kRecordStringLimit = 64 * 1024;

// One worker's reusable state: records keep their strings' capacity from batch to batch.
struct ProcessingScratch {
  std::deque<EventRecord> records;  // stable addresses as it grows
  std::vector<const Pipeline*> pipeline_of;  // per event; nullptr = none
  std::vector<EventRecord*> run;
  std::vector<uint8_t> dropped;
};

ProcessingScratch& Scratch() {
  thread_local ProcessingScratch scratch;
  return scratch;
}

void LoadRecord(EventRecord& record, Event& event, EventBatch& batch) {
  record.Reset(&event);
  if (const EventAttributes* attributes = batch.AttributesOf(event)) {
    record.labels = attributes->labels;
    if (!attributes->fields_json.empty()) record.fields.LoadJson(attributes->fields_json);
  }
}

void StoreAttributes(EventRecord& record, EventBatch& batch) {
  EventAttributes attributes;
  attributes.labels = std::move(record.labels);
  if (!record.fields.empty()) record.fields.AppendJson(attributes.fields_json);
  if (EventAttributes* existing = batch.MutableAttributesOf(*record.event)) {
    *existing = std::move(attributes);
  } else {
    record.event->attributes = batch.AddAttributes(std::move(attributes));
  }
}

}  // namespace

void RunPipelines(const PipelineSet& set, EventBatch& batch) {
  if (set.empty() || batch.empty()) return;
  ProcessingScratch& scratch = Scratch();
  std::vector<Event>& events = batch.mutable_events();
  const size_t n = events.size();

  // Which pipeline each event takes; a run of events from one source selects once.
  scratch.pipeline_of.assign(n, nullptr);
  const SourceInfo* last_source = nullptr;
  const Pipeline* last_pipeline = nullptr;
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    const SourceInfo* source = events[i].source;
    if (source != last_source) {
      last_source = source;
      last_pipeline = source != nullptr ? set.Select(*source) : nullptr;
    }
    scratch.pipeline_of[i] = last_pipeline;
    any |= last_pipeline != nullptr;
  }
  if (!any) return;

  while (scratch.records.size() < n) scratch.records.emplace_back();
  const Nanos now = WallNowNanos();
  size_t new_message_bytes = 0;
  bool any_dropped = false;
  for (const auto& pipeline : set.pipelines()) {
    scratch.run.clear();
    for (size_t i = 0; i < n; ++i) {
      if (scratch.pipeline_of[i] != pipeline.get()) continue;
      EventRecord& record = scratch.records[i];
      LoadRecord(record, events[i], batch);
      scratch.run.push_back(&record);
    }
    if (scratch.run.empty()) continue;
    pipeline->Run(scratch.run, now);
  }
  for (size_t i = 0; i < n; ++i) {
    if (scratch.pipeline_of[i] == nullptr) continue;
    EventRecord& record = scratch.records[i];
    if (record.dropped) {
      any_dropped = true;
      continue;
    }
    if (record.message_changed) new_message_bytes += record.message.size();
  }

  // New messages go into one block the batch keeps alive; events point into it.
  ByteBlockPtr block;
  size_t used = 0;
  if (new_message_bytes != 0) block = ByteBlock::Create(new_message_bytes);
  if (any_dropped) scratch.dropped.assign(n, 0);
  batch.ReserveAttributes(n);
  for (size_t i = 0; i < n; ++i) {
    if (scratch.pipeline_of[i] == nullptr) continue;
    EventRecord& record = scratch.records[i];
    if (record.dropped) {
      scratch.dropped[i] = 1;
      continue;
    }
    if (record.message_changed) {
      char* dst = block->data() + used;
      if (!record.message.empty()) std::memcpy(dst, record.message.data(), record.message.size());
      events[i].message = std::string_view(dst, record.message.size());
      used += record.message.size();
    }
    if (record.attributes_changed) StoreAttributes(record, batch);
  }
  if (block) {
    block->set_size(used);
    batch.RetainBlock(std::move(block));
    batch.RecountMessageBytes();
  }
  // A huge message or field must not stay reserved by this worker's records until it exits.
  for (size_t i = 0; i < n; ++i)
    if (scratch.pipeline_of[i] != nullptr) scratch.records[i].TrimCapacity(kRecordStringLimit);
  if (any_dropped) {
    size_t index = 0;
    const uint8_t* dropped = scratch.dropped.data();
    batch.RemoveIf([&](const Event&) { return dropped[index++] != 0; });
  }
}

void PipelineProcessor::Process(EventBatch& batch) {
  std::shared_ptr<const PipelineSet> set = set_.load();
  if (set) RunPipelines(*set, batch);
}

}  // namespace logcap
