// Pipeline: a named, ordered list of steps, run over the records of a batch that selected it.
//
// Contract: Run() runs every step in order over the live records; records a step drops are
// taken out before the next step sees the batch. Per step it books, once per batch (never per
// line): events in, out, dropped and failed (log_capturer_pipeline_step_events_total), the time
// spent (log_capturer_pipeline_step_duration_seconds), and drops as
// logs_dropped_total{stage="process", reason=<step type>}. Immutable after construction; Run()
// may be called concurrently by several workers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "processing/step.h"

namespace prometheus {
class Counter;
class Histogram;
}  // namespace prometheus

namespace logcap {

class Metrics;

class Pipeline {
 public:
  Pipeline(std::string name, std::vector<std::unique_ptr<Step>> steps, Metrics& metrics);

  const std::string& name() const { return name_; }
  const std::vector<std::unique_ptr<Step>>& steps() const { return steps_; }
  // The multiline spec of the pipeline's first step, when it is a multiline step (the sources join
  // lines with it where they read them); nullptr otherwise.
  const MultilineSpec* multiline() const;

  // records: the live records of one batch, in batch order; on return it holds the survivors.
  void Run(std::vector<EventRecord*>& records, Nanos now) const;

 private:
  struct StepMetrics {
    prometheus::Counter* in;
    prometheus::Counter* out;
    prometheus::Counter* dropped;
    prometheus::Counter* errors;
    prometheus::Counter* dropped_total;  // logs_dropped_total{stage="process", reason=type}
    prometheus::Histogram* duration;
  };

  std::string name_;
  std::vector<std::unique_ptr<Step>> steps_;
  std::vector<StepMetrics> metrics_;
};

}  // namespace logcap
