// `log-capturer test PIPELINES CASES` (like `vector test`): runs each case's input lines through
// the pipelines and compares the events that come out with the expected ones.
//
// PIPELINES is a pipelines file (a map with `pipelines` and `source_mapping`, or an agent config,
// whose `processing:` section is taken); CASES is a cases file (app/pipeline_test_cases.h,
// docs/processing.md "Testing pipelines").
//
// Per case: the pipelines are compiled afresh (so sample/dedup/throttle state never leaks from
// one case into the next), the pipeline is the case's `pipeline:` (as a source section's own
// `pipeline:` key would force it) or the one its source selects; when that pipeline starts with
// a multiline step the inputs are joined as the source would join them. The lines become one
// batch, run as the agent runs it (RunPipelines), and every resulting event is encoded to its
// JSON form (docs/event-format.md), which is what the expectations are compared against.
//
// Output (to `out`): `ok   NAME` or `FAIL NAME` per case, each failure followed by what differs
// (expected vs actual, per key) and the actual events as JSON; then `N passed, M failed`.
// Exit code: 0 every case passed, 1 some case failed, 2 either file is invalid (only the
// FILE:LINE:COL errors, on `err`, as `validate` does: CONTRACT §2).
#pragma once

#include <ostream>
#include <string>

namespace logcap {

int RunPipelineTests(const std::string& pipelines_path, const std::string& cases_path, std::ostream& out,
                     std::ostream& err);

}  // namespace logcap
