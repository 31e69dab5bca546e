#include "processing/pipeline.h"

#include <algorithm>

#include "processing/multiline_spec.h"
#include "telemetry/metrics.h"

namespace logcap {

Pipeline::Pipeline(std::string name, std::vector<std::unique_ptr<Step>> steps, Metrics& metrics)
    : name_(std::move(name)), steps_(std::move(steps)) {
  for (const auto& step : steps_) {
    metrics_.push_back(StepMetrics{
        &metrics.PipelineStepEvents(name_, step->name(), "in"),
        &metrics.PipelineStepEvents(name_, step->name(), "out"),
        &metrics.PipelineStepEvents(name_, step->name(), "dropped"),
        &metrics.PipelineStepEvents(name_, step->name(), "error"),
        &metrics.LogsDropped("process", step->type()),
        &metrics.PipelineStepDuration(name_, step->name()),
    });
  }
  if (const MultilineSpec* spec = multiline()) {
    // The sources join lines, not Run(): their counts reach the step's metrics through the spec.
    const std::string& step = steps_.front()->name();
    spec->stats->joined_metric = &metrics.PipelineStepEvents(name_, step, "joined");
    spec->stats->truncated_metric = &metrics.PipelineStepEvents(name_, step, "truncated");
    spec->stats->regex_limit_metric = &metrics.PipelineStepEvents(name_, step, "error");
  }
}

const MultilineSpec* Pipeline::multiline() const { return steps_.empty() ? nullptr : steps_.front()->multiline(); }

void Pipeline::Run(std::vector<EventRecord*>& records, Nanos now) const {
  for (size_t i = 0; i < steps_.size() && !records.empty(); ++i) {
    const StepMetrics& m = metrics_[i];
    StepContext ctx;
    ctx.now = now;
    const Nanos started = MonotonicNowNanos();
    steps_[i]->Run(records, ctx);
    const double in = static_cast<double>(records.size());
    if (ctx.dropped != 0) {
      std::erase_if(records, [](const EventRecord* r) { return r->dropped; });
      m.dropped->Increment(static_cast<double>(ctx.dropped));
      m.dropped_total->Increment(static_cast<double>(ctx.dropped));
    }
    m.duration->Observe(static_cast<double>(MonotonicNowNanos() - started) / 1e9);
    m.in->Increment(in);
    m.out->Increment(static_cast<double>(records.size()));
    if (ctx.errors != 0) m.errors->Increment(static_cast<double>(ctx.errors));
  }
}

}  // namespace logcap
