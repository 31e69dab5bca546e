// PipelineProcessor: the dispatcher's processing hook (pipeline/processor.h) that runs the
// configured pipelines over each batch.
//
// Per batch: each event takes the pipeline its source selects (PipelineSet::Select, once per run
// of events from the same source); events of no pipeline pass untouched. The events of each
// pipeline become EventRecords (their labels and fields editable), the pipeline's steps run over
// them step by step, and the results are written back: new messages into one byte block the batch
// retains, labels and fields into the event's attributes; dropped events leave the batch.
//
// Contract: Process may run on several workers at once (records and scratch are per thread);
// Swap() replaces the pipelines for the batches that start after it (reload), and batches already
// running finish with the set they began with. Nothing is lost silently: every event removed
// was dropped by a drop/sample/dedup/throttle step and counted there.
#pragma once

#include <atomic>
#include <memory>

#include "pipeline/processor.h"
#include "processing/pipeline_set.h"

namespace logcap {

class PipelineProcessor : public Processor {
 public:
  explicit PipelineProcessor(std::shared_ptr<const PipelineSet> set) : set_(std::move(set)) {}

  void Process(EventBatch& batch) override;
  void Swap(std::shared_ptr<const PipelineSet> set) { set_.store(std::move(set)); }
  std::shared_ptr<const PipelineSet> set() const { return set_.load(); }

 private:
  std::atomic<std::shared_ptr<const PipelineSet>> set_;
};

// Runs a set over one batch: what PipelineProcessor::Process does, for callers that hold the set
// themselves (the `test` command, benchmarks).
void RunPipelines(const PipelineSet& set, EventBatch& batch);

}  // namespace logcap
