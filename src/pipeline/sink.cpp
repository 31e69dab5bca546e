#include "pipeline/sink.h"

namespace logcap {

void Sink::WriteGroup(std::span<const EventBatch* const> group, std::span<SinkResult> results) {
  bool any_written = false;
  for (size_t i = 0; i < group.size(); ++i) {
    results[i] = Write(*group[i]);
    any_written |= results[i].ok();
  }
  if (!any_written) return;
  SinkResult flushed = Flush();
  if (flushed.ok()) return;
  for (SinkResult& result : results) {
    if (result.ok()) result = flushed;
  }
}

}  // namespace logcap
