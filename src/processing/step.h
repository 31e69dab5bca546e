// Step: one stage of a processing pipeline (parse, enrich, filter, redact, ...), Vector's
// "transform" at the granularity of a pipeline step.
//
// Contract:
//   - A step is compiled once from its config (processing/steps/step_types.h) and then shared,
//     read-only, by every dispatcher worker: Run() may be called concurrently on different
//     batches. Steps with shared state (sample, dedup, throttle) guard it themselves, taking
//     their lock once per batch, never per line.
//   - Run() receives the live records of one batch that took this pipeline, in batch order; none
//     is dropped on entry. The default Run() applies Apply() to each record whose `condition`
//     holds (a condition that cannot be evaluated is false: the record passes untouched).
//   - Failure is not loss: a step that cannot do its work on a record leaves the record flowing,
//     marked with the field `_error` = "<step name>: <reason>" (EventRecord::Fail) and counted
//     in ctx.errors. Only `drop`, `sample`, `dedup` and `throttle` drop records, counted in
//     ctx.dropped; the processor removes them and counts them as logs_dropped_total{stage=
//     "process", reason=<step type>}.
//   - Apply() must not allocate per record once warm where it can be avoided (reuse the record's
//     strings, the thread's scratch), and must bound its time per record (regexes run with limits).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "processing/condition.h"
#include "processing/event_record.h"

namespace logcap {

struct MultilineSpec;

// What one Run over one batch did; the pipeline turns it into metrics.
struct StepContext {
  Nanos now = 0;         // wall clock when the batch entered the pipeline (windows, rates)
  uint64_t errors = 0;   // records this step marked failed
  uint64_t dropped = 0;  // records this step dropped
};

class Step {
 public:
  struct Common {
    std::string name;                      // unique within its pipeline; a metric label
    std::string type;                      // json_parse, regex_extract, ...
    std::unique_ptr<Condition> condition;  // nullptr: every record
  };

  explicit Step(Common common) : common_(std::move(common)) {}
  virtual ~Step() = default;
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;

  const std::string& name() const { return common_.name; }
  const std::string& type() const { return common_.type; }

  virtual void Run(std::span<EventRecord* const> records, StepContext& ctx) const;

  // Multiline joins lines where they are read (the file and container sources), not here: its
  // step returns its spec and passes records through. nullptr for every other step.
  virtual const MultilineSpec* multiline() const { return nullptr; }

 protected:
  enum class Outcome { kDone, kDrop, kFail };

  virtual Outcome Apply(EventRecord& record, StepContext& ctx) const = 0;

  // True when the step's condition holds for the record (or it has none).
  bool Selects(EventRecord& record) const { return !common_.condition || common_.condition->Evaluate(record); }
  // Marks the record failed, naming this step; returns kFail.
  Outcome Failure(EventRecord& record, std::string_view reason) const {
    record.Fail(common_.name, reason);
    return Outcome::kFail;
  }
  // Books an outcome: kDrop marks the record dropped, and both are counted in ctx.
  static void Account(Outcome outcome, EventRecord& record, StepContext& ctx) {
    if (outcome == Outcome::kDrop) {
      record.dropped = true;
      ++ctx.dropped;
    } else if (outcome == Outcome::kFail) {
      ++ctx.errors;
    }
  }

 private:
  Common common_;
};

inline void Step::Run(std::span<EventRecord* const> records, StepContext& ctx) const {
  for (EventRecord* record : records) {
    if (!Selects(*record)) continue;
    Account(Apply(*record, ctx), *record, ctx);
  }
}

}  // namespace logcap
