#include "sinks/null/null_sink.h"

namespace logcap {

SinkResult NullSink::Write(const EventBatch& batch) {
  events_.fetch_add(batch.size(), std::memory_order_relaxed);
  bytes_.fetch_add(batch.message_bytes(), std::memory_order_relaxed);
  batches_.fetch_add(1, std::memory_order_relaxed);
  return SinkResult::Ok();
}

SinkResult NullSink::Flush() {
  flushes_.fetch_add(1, std::memory_order_relaxed);
  return SinkResult::Ok();
}

std::string NullSink::StatsJson() const {
  return "{\"events\":" + std::to_string(events()) + ",\"bytes\":" + std::to_string(bytes()) +
         ",\"batches\":" + std::to_string(batches_.load()) + ",\"flushes\":" + std::to_string(flushes_.load()) + "}";
}

}  // namespace logcap
