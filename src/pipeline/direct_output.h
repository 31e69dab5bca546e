// DirectOutput: the disk buffer is off; every batch goes to every sink's memory queue.
//
// One shared, read-only copy serves all sinks; the batch's ack tokens report to the sources when
// the last sink releases it (see MemoryFeed). A full queue blocks Deliver: backpressure.
#pragma once

#include <vector>

#include "pipeline/batch_output.h"
#include "pipeline/memory_feed.h"

namespace logcap {

class DirectOutput : public BatchOutput {
 public:
  // The feeds must outlive this output.
  explicit DirectOutput(std::vector<MemoryFeed*> feeds) : feeds_(std::move(feeds)) {}
  void Deliver(PreparedBatch&& prepared) override;
  void SetShutdownDeadline(Nanos deadline) override;

 private:
  std::vector<MemoryFeed*> feeds_;
};

}  // namespace logcap
