#include "pipeline/direct_output.h"

#include <memory>

namespace logcap {

void DirectOutput::Deliver(PreparedBatch&& prepared) {
  EventBatch& batch = prepared.batch;
  if (batch.empty() && batch.ack_count() == 0) return;
  SharedBatch shared = std::make_shared<const EventBatch>(std::move(batch));
  for (MemoryFeed* feed : feeds_) feed->Enqueue(shared);
}

void DirectOutput::SetShutdownDeadline(Nanos deadline) {
  for (MemoryFeed* feed : feeds_) feed->SetShutdownDeadline(deadline);
}

}  // namespace logcap
