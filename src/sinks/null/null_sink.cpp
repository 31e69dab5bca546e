#include "sinks/null/null_sink.h"
#include "core/json_object.h"

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
  return JsonObject()
      .Add("events", events())
      .Add("bytes", bytes())
      .Add("batches", batches_.load())
      .Add("flushes", flushes_.load())
      .Take();
}

}  // namespace logcap
