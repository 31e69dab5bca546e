// Processor: a step that transforms batches between the sources and the dispatcher's fan-out
// (Vector's "transform"). Pipelines (parse, enrich, filter, ...) plug in here in a later issue.
//
// Process() runs on a dispatcher worker thread. It may modify events in place, add attributes, or
// remove events (EventBatch::RemoveIf); every event it removes must be counted by the processor as
// dropped with a reason. Several workers may call Process() concurrently on different batches.
#pragma once

#include <memory>
#include <vector>

#include "core/event_batch.h"

namespace logcap {

class Processor {
 public:
  virtual ~Processor() = default;
  virtual void Process(EventBatch& batch) = 0;
};

// Runs processors in order. Empty by default: the hook costs one branch per batch.
class ProcessorChain {
 public:
  void Add(std::unique_ptr<Processor> processor) { processors_.push_back(std::move(processor)); }
  bool empty() const { return processors_.empty(); }
  void Process(EventBatch& batch) {
    for (auto& p : processors_) {
      if (batch.empty()) return;
      p->Process(batch);
    }
  }

 private:
  std::vector<std::unique_ptr<Processor>> processors_;
};

}  // namespace logcap
