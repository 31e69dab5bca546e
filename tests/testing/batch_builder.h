// Test helpers: build EventBatches the way a source does (one ByteBlock, one SourceInfo, one token).
#pragma once

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/event_batch.h"

namespace logcap::testing {

// Counts finalised tokens by outcome.
struct AckCounter {
  std::atomic<int> delivered{0};
  std::atomic<int> dropped{0};
  std::atomic<int> failed{0};
  int total() const { return delivered + dropped + failed; }
  AckTokenPtr NewToken() {
    return std::make_shared<AckToken>([this](DeliveryOutcome o) {
      if (o == DeliveryOutcome::kDelivered) ++delivered;
      if (o == DeliveryOutcome::kDropped) ++dropped;
      if (o == DeliveryOutcome::kFailed) ++failed;
    });
  }
};

inline std::shared_ptr<SourceInfo> MakeSource(const std::string& id, const std::string& type = "file",
                                              const std::string& component = "test_source") {
  auto source = std::make_shared<SourceInfo>();
  source->type = type;
  source->id = id;
  source->name = id;
  source->component = component;
  return source;
}

// One batch whose events are the given lines, all from source, with one ack token (if counter).
inline EventBatch MakeBatch(const std::vector<std::string>& lines, const std::shared_ptr<const SourceInfo>& source,
                            AckCounter* counter = nullptr, Nanos read_time = 1) {
  size_t total = 0;
  for (const auto& l : lines) total += l.size();
  auto block = ByteBlock::Create(total + 1);
  EventBatch batch;
  const SourceInfo* src = batch.RetainSource(source);
  size_t offset = 0;
  for (const auto& l : lines) {
    std::memcpy(block->data() + offset, l.data(), l.size());
    Event e;
    e.message = std::string_view(block->data() + offset, l.size());
    e.read_time = read_time;
    e.source = src;
    offset += l.size();
    e.position.offset = offset;
    batch.Add(e);
  }
  block->set_size(offset);
  batch.RetainBlock(block);
  if (counter) batch.AddAck(counter->NewToken());
  return batch;
}

}  // namespace logcap::testing
