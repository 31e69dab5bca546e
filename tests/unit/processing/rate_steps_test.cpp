// sample, dedup and throttle: exact counts across batches with controlled clocks, per-key state,
// bounded tables, two threads on one step, and config errors.
#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "processing/steps/dedup_step.h"
#include "processing/steps/sample_step.h"
#include "processing/steps/throttle_step.h"
#include "testing/pipeline_testing.h"

namespace logcap {
namespace {

using testing::CompilePipelinesYaml;
using testing::ErrorsText;

constexpr Nanos kSecond = 1'000'000'000;
constexpr Nanos kT0 = 1'700'000'000 * kSecond;  // a round second: throttle windows start here

class RateStepsTest : public testing::PipelineStepTest {
 protected:
  const Step* CompileStep(const std::string& step) {
    set_ = Compile("      - " + step + "\n");
    return set_ ? set_->Find("default")->steps()[0].get() : nullptr;
  }

  std::shared_ptr<const PipelineSet> set_;
};

struct StepRun {
  std::vector<std::string> kept;
  uint64_t dropped = 0;
};

// Runs one batch of lines (one event each, level from a "E:" prefix = error) through step.Run at
// time `now`, as the pipeline would.
StepRun RunStep(const Step& step, const std::vector<std::string>& lines, Nanos now) {
  static const auto source = testing::MakeSource("app");
  std::deque<Event> events;
  std::deque<EventRecord> records;
  std::vector<EventRecord*> run;
  for (const std::string& line : lines) {
    Event& e = events.emplace_back();
    e.message = line;
    e.source = source.get();
    e.level = line.starts_with("E:") ? Level::kError : Level::kInfo;
    records.emplace_back().Reset(&e);
    run.push_back(&records.back());
  }
  StepContext ctx;
  ctx.now = now;
  step.Run(run, ctx);
  StepRun result;
  result.dropped = ctx.dropped;
  for (size_t i = 0; i < lines.size(); ++i)
    if (!records[i].dropped) result.kept.push_back(lines[i]);
  EXPECT_EQ(result.dropped, lines.size() - result.kept.size());
  return result;
}

std::vector<std::string> Numbered(const std::string& prefix, int from, int count) {
  std::vector<std::string> out;
  for (int i = from; i < from + count; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

using Lines = std::vector<std::string>;

// --- sample ---

TEST_F(RateStepsTest, SampleKeepsTheFirstAndThenEveryNthAcrossBatches) {
  const Step* step = CompileStep("{type: sample, config: {rate: 3}}");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(RunStep(*step, Numbered("e", 0, 4), kT0).kept, (Lines{"e0", "e3"}));
  EXPECT_EQ(RunStep(*step, Numbered("e", 4, 5), kT0).kept, (Lines{"e6"}));
  StepRun third = RunStep(*step, Numbered("e", 9, 3), kT0);
  EXPECT_EQ(third.kept, (Lines{"e9"}));
  EXPECT_EQ(third.dropped, 2u);
}

TEST_F(RateStepsTest, SampleRatioKeepsAnExactShare) {
  const Step* step = CompileStep("{type: sample, config: {ratio: 0.25}}");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(RunStep(*step, Numbered("e", 0, 9), kT0).kept, (Lines{"e0", "e4", "e8"}));
  EXPECT_EQ(RunStep(*step, Numbered("e", 9, 1000), kT0).kept.size(), 250u);

  const Step* none = CompileStep("{type: sample, config: {ratio: 0}}");
  EXPECT_TRUE(RunStep(*none, Numbered("e", 0, 10), kT0).kept.empty());
  const Step* all = CompileStep("{type: sample, config: {ratio: 1}}");
  EXPECT_EQ(RunStep(*all, Numbered("e", 0, 10), kT0).kept.size(), 10u);
}

TEST_F(RateStepsTest, SamplePerKeyExcludesAndRespectsTheStepCondition) {
  const Step* step = CompileStep(
      "{type: sample, condition: {not: '^skip'}, "
      "config: {rate: 2, key: '{{message}}', exclude: {level_at_least: error}}}");
  ASSERT_NE(step, nullptr);
  StepRun run = RunStep(*step, {"a", "b", "a", "E:x", "E:x", "b", "a", "skip", "skip", "b"}, kT0);
  // a: 1st kept, 2nd dropped, 3rd kept; b likewise; errors always kept; `skip` not selected.
  EXPECT_EQ(run.kept, (Lines{"a", "b", "E:x", "E:x", "a", "skip", "skip", "b"}));
}

TEST_F(RateStepsTest, SampleBeyondMaxKeysSharesOneCounter) {
  const Step* step = CompileStep("{type: sample, config: {rate: 2, key: message, max_keys: 2}}");
  ASSERT_NE(step, nullptr);
  auto* sample = dynamic_cast<const SampleStep*>(step);
  ASSERT_NE(sample, nullptr);
  // a, b tracked; c and d share the overflow counter (1st kept, 2nd dropped, 3rd kept).
  EXPECT_EQ(RunStep(*step, {"a", "b", "c", "d", "c", "a"}, kT0).kept, (Lines{"a", "b", "c", "c"}));
  EXPECT_EQ(sample->overflowed(), 3u);
  EXPECT_EQ(sample->tracked_keys(), 2u);
}

TEST_F(RateStepsTest, SampleConfigErrors) {
  std::string errors = CompileErrors("      - type: sample\n        config: {rate: 0}\n");
  EXPECT_NE(errors.find("pipelines.yaml:5:24: error: pipeline 'default' step 'sample': rate: 0 is out of range [1, "),
            std::string::npos)
      << errors;
  errors = CompileErrors("      - type: sample\n");
  EXPECT_NE(errors.find(":4:9: error: pipeline 'default' step 'sample': sample needs 'rate'"), std::string::npos)
      << errors;
  errors = CompileErrors("      - type: sample\n        config: {rate: 2, ratio: 0.5}\n");
  EXPECT_NE(errors.find("set either 'rate' (keep 1 in N) or 'ratio' (0..1), not both"), std::string::npos) << errors;
  errors = CompileErrors("      - type: sample\n        config: {ratio: 1.5, exclude: {level_at_least: loud}}\n");
  EXPECT_NE(errors.find("ratio: 1.5 is out of range"), std::string::npos) << errors;
  EXPECT_NE(errors.find("exclude"), std::string::npos) << errors;
}

// --- dedup ---

TEST_F(RateStepsTest, DedupDropsRepeatsWithinTheWindowOfTheFirstOccurrence) {
  const Step* step = CompileStep("{type: dedup, config: {window: 10s}}");
  ASSERT_NE(step, nullptr);
  StepRun first = RunStep(*step, {"a", "b", "a", "a", "c"}, kT0);
  EXPECT_EQ(first.kept, (Lines{"a", "b", "c"}));
  EXPECT_EQ(first.dropped, 2u);
  EXPECT_EQ(RunStep(*step, {"a", "b", "d"}, kT0 + 9 * kSecond).kept, (Lines{"d"}));
  // 10 s after the first `a`: a new window starts (measured from the first occurrence, not the last repeat).
  EXPECT_EQ(RunStep(*step, {"a", "b", "d", "a"}, kT0 + 10 * kSecond).kept, (Lines{"a", "b"}));
  EXPECT_EQ(RunStep(*step, {"a", "d"}, kT0 + 15 * kSecond).kept, (Lines{}));
  // A clock stepping back ends the window.
  EXPECT_EQ(RunStep(*step, {"a"}, kT0).kept, (Lines{"a"}));
}

TEST_F(RateStepsTest, DedupKeyCombinesReferencesAndTellsAbsentFromEmpty) {
  const Step* step = CompileStep("{type: dedup, config: {key: [level, fields.user]}}");
  ASSERT_NE(step, nullptr);
  // Same level, no `user` field: one key; the messages do not matter.
  EXPECT_EQ(RunStep(*step, {"x", "y", "E:x", "E:z"}, kT0).kept, (Lines{"x", "E:x"}));

  std::deque<Event> events(2);
  std::deque<EventRecord> records(2);
  std::vector<EventRecord*> run;
  for (size_t i = 0; i < 2; ++i) {
    events[i].message = "m";
    events[i].level = Level::kWarn;
    records[i].Reset(&events[i]);
    run.push_back(&records[i]);
  }
  records[0].SetField("user", FieldKind::kString, "");  // "" differs from absent
  StepContext ctx;
  ctx.now = kT0;
  step->Run(run, ctx);
  EXPECT_EQ(ctx.dropped, 0u);
}

TEST_F(RateStepsTest, DedupForgetsTheOldestBeyondMaxEntries) {
  const Step* step = CompileStep("{type: dedup, config: {max_entries: 2, window: 1m}}");
  ASSERT_NE(step, nullptr);
  auto* dedup = dynamic_cast<const DedupStep*>(step);
  ASSERT_NE(dedup, nullptr);
  EXPECT_EQ(RunStep(*step, {"a", "b", "c"}, kT0).kept, (Lines{"a", "b", "c"}));  // `a` is forgotten for `c`
  EXPECT_EQ(dedup->remembered(), 2u);
  EXPECT_EQ(dedup->evicted(), 1u);
  EXPECT_EQ(RunStep(*step, {"c", "b", "a"}, kT0 + kSecond).kept, (Lines{"a"}));
}

TEST_F(RateStepsTest, DedupThroughAPipelineIsCounted) {
  errors_.clear();
  auto set = CompilePipelinesYaml("pipelines:\n  - name: default\n    steps:\n      - {name: once, type: dedup}\n",
                                  metrics_, errors_);
  ASSERT_NE(set, nullptr) << ErrorsText(errors_);
  EventBatch batch = testing::RunLines(*set, {"x", "x", "y", "x"});
  EXPECT_EQ(testing::Messages(batch), (Lines{"x", "y"}));
  EXPECT_EQ(metrics_.LogsDropped("process", "dedup").Value(), 2);
  EXPECT_EQ(metrics_.PipelineStepEvents("default", "once", "dropped").Value(), 2);
}

TEST_F(RateStepsTest, DedupConfigErrors) {
  std::string errors = CompileErrors("      - type: dedup\n        config: {window: soon, key: [], max_entries: 0}\n");
  EXPECT_NE(errors.find(":5:26: error: pipeline 'default' step 'dedup': window: expected a duration"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("key: list the references"), std::string::npos) << errors;
  EXPECT_NE(errors.find("max_entries: 0 is out of range"), std::string::npos) << errors;
}

// --- throttle ---

TEST_F(RateStepsTest, ThrottleAllowsRatePerFixedWindow) {
  const Step* step = CompileStep("{type: throttle, config: {rate: 3, interval: 1s}}");
  ASSERT_NE(step, nullptr);
  StepRun first = RunStep(*step, Numbered("e", 0, 2), kT0);
  EXPECT_EQ(first.kept.size(), 2u);
  StepRun second = RunStep(*step, Numbered("e", 2, 4), kT0 + kSecond / 2);
  EXPECT_EQ(second.kept, (Lines{"e2"}));
  EXPECT_EQ(second.dropped, 3u);
  // The next aligned window restarts the budget.
  EXPECT_EQ(RunStep(*step, Numbered("e", 6, 5), kT0 + kSecond).kept, (Lines{"e6", "e7", "e8"}));
  EXPECT_EQ(RunStep(*step, Numbered("e", 11, 1), kT0 + kSecond + kSecond / 2).kept, (Lines{}));
  EXPECT_EQ(RunStep(*step, Numbered("e", 12, 1), kT0 + 5 * kSecond).kept, (Lines{"e12"}));
}

TEST_F(RateStepsTest, ThrottlePerKeyAndMaxKeys) {
  const Step* step = CompileStep("{type: throttle, config: {rate: 1, interval: 10s, key: message, max_keys: 2}}");
  ASSERT_NE(step, nullptr);
  auto* throttle = dynamic_cast<const ThrottleStep*>(step);
  ASSERT_NE(throttle, nullptr);
  // a and b get their own budget; c and d share the overflow budget.
  EXPECT_EQ(RunStep(*step, {"a", "a", "b", "c", "d", "b"}, kT0).kept, (Lines{"a", "b", "c"}));
  EXPECT_EQ(throttle->overflowed(), 2u);
  // Next window: idle keys are forgotten when the table is full, so c gets a budget of its own.
  EXPECT_EQ(RunStep(*step, {"c", "c", "d"}, kT0 + 10 * kSecond).kept, (Lines{"c", "d"}));
  EXPECT_EQ(throttle->tracked_keys(), 2u);
  EXPECT_EQ(throttle->overflowed(), 2u);
}

TEST_F(RateStepsTest, ThrottleConfigErrors) {
  std::string errors = CompileErrors("      - type: throttle\n        config: {interval: 0s}\n");
  EXPECT_NE(errors.find(":4:9: error: pipeline 'default' step 'throttle': throttle needs 'rate'"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("interval: 0s is out of range"), std::string::npos) << errors;
  errors = CompileErrors("      - type: throttle\n        config: {rate: 0, key: '{{'}\n");
  EXPECT_NE(errors.find("rate: 0 is out of range"), std::string::npos) << errors;
  EXPECT_NE(errors.find("key: template"), std::string::npos) << errors;
}

// --- two workers on one step ---

// Each thread runs batches of 100 events over 4 keys through the same step; the shared state must
// give the same totals as one thread would.
uint64_t RunConcurrently(const Step& step, int batches_per_thread, Nanos now) {
  std::atomic<uint64_t> kept{0};
  auto worker = [&] {
    Lines lines;
    for (int i = 0; i < 100; ++i) lines.push_back("k" + std::to_string(i % 4));
    for (int b = 0; b < batches_per_thread; ++b) kept += RunStep(step, lines, now).kept.size();
  };
  std::thread t1(worker), t2(worker);
  t1.join();
  t2.join();
  return kept;
}

TEST_F(RateStepsTest, TwoThreadsShareSampleDedupAndThrottleState) {
  // 2 threads x 50 batches x 100 events = 10000 events, 2500 per key.
  const Step* sample = CompileStep("{type: sample, config: {rate: 10, key: message}}");
  ASSERT_NE(sample, nullptr);
  EXPECT_EQ(RunConcurrently(*sample, 50, kT0), 4u * 250u);
  const Step* dedup = CompileStep("{type: dedup}");
  ASSERT_NE(dedup, nullptr);
  EXPECT_EQ(RunConcurrently(*dedup, 50, kT0), 4u);
  const Step* throttle = CompileStep("{type: throttle, config: {rate: 7, key: message}}");
  ASSERT_NE(throttle, nullptr);
  EXPECT_EQ(RunConcurrently(*throttle, 50, kT0), 4u * 7u);
}

}  // namespace
}  // namespace logcap
