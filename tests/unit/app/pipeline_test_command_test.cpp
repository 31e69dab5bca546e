#include "app/pipeline_test_command.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace logcap {
namespace {

// Pipelines built only from the steps every test here relies on (field_add, drop, rename).
constexpr const char* kPipelines = R"(pipelines:
  - name: tag
    steps:
      - name: add
        type: field_add
        config:
          fields: {env: prod, origin: "{{source_name}}"}
          labels: {team: core}
      - name: noise
        type: drop
        condition: '^debug '
  - name: other
    steps:
      - name: add
        type: field_add
        config:
          fields: {env: staging}
source_mapping:
  other: ["source_id:/var/log/other/*"]
  tag: ["source_type:file"]
)";

class PipelineTestCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("logcap-pipeline-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // Runs the command on kPipelines (or `pipelines`) and the cases text.
  int Run(const std::string& cases, const std::string& pipelines = kPipelines) {
    out_.str("");
    err_.str("");
    pipelines_path_ = Write("pipelines.yaml", pipelines);
    cases_path_ = Write("cases.yaml", cases);
    return RunPipelineTests(pipelines_path_, cases_path_, out_, err_);
  }

  std::filesystem::path dir_;
  std::string pipelines_path_, cases_path_;
  std::ostringstream out_, err_;
};

TEST_F(PipelineTestCommandTest, PassingCasesExitZero) {
  const int code = Run(R"(cases:
  - name: fields and labels are added
    source: {id: /var/log/app/app.log, labels: {job: app}}
    input: hello world
    expect:
      message: hello world
      timestamp: "2026-01-01T00:00:00Z"
      labels: {job: app, team: core}
      exact_labels: true
      fields: {env: prod, origin: app.log}
      exact_fields: true
      fields_absent: [_error]
      level: ~
  - name: drop
    source: {id: /var/log/app/app.log}
    input: "debug chatter"
    expect_dropped: true
  - name: selection by source_mapping
    source: {id: /var/log/other/x.log}
    input: x
    expect: {fields: {env: staging}, fields_absent: [origin]}
  - name: a forced pipeline
    pipeline: other
    source: {id: /var/log/app/app.log}
    input: x
    expect: {fields: {env: staging}}
  - name: several inputs, one expectation each
    source: {id: /var/log/app/app.log}
    inputs: [one, "debug two", three]
    read_time: "2026-05-06T07:08:09.5+02:00"
    expect:
      - {message: one, timestamp: "2026-05-06T05:08:09.500Z"}
      - {message: {matches: '^th'}}
  - name: inputs are taken as written
    source: {id: /var/log/app/app.log}
    input: "cost $$5 ${HOME}"
    expect: {message: "cost $$5 ${HOME}"}
)");
  EXPECT_EQ(code, 0) << out_.str() << err_.str();
  EXPECT_EQ(err_.str(), "");
  EXPECT_NE(out_.str().find("ok   fields and labels are added\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("ok   drop\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("6 passed, 0 failed\n"), std::string::npos) << out_.str();
}

TEST_F(PipelineTestCommandTest, AFailingCaseExitsOneWithADiffAndTheActualEvent) {
  const int code = Run(R"(cases:
  - name: good
    input: a
    expect: {fields: {env: prod}}
  - name: wrong values
    source: {id: /var/log/app/app.log}
    input: hello
    expect:
      message: goodbye
      level: error
      labels: {team: web}
      fields: {env: dev, missing: x}
      fields_absent: [origin]
  - name: wrong count
    inputs: [a, b]
    expect: {message: a}
  - name: not dropped
    input: kept
    expect_dropped: true
)");
  EXPECT_EQ(code, 1) << out_.str() << err_.str();
  const std::string out = out_.str();
  EXPECT_NE(out.find("ok   good\n"), std::string::npos) << out;
  EXPECT_NE(out.find("FAIL wrong values"), std::string::npos) << out;
  EXPECT_NE(out.find("message: expected \"goodbye\", got \"hello\""), std::string::npos) << out;
  EXPECT_NE(out.find("level: expected \"error\", got nothing (absent)"), std::string::npos) << out;
  EXPECT_NE(out.find("labels.team: expected \"web\", got \"core\""), std::string::npos) << out;
  EXPECT_NE(out.find("fields.env: expected \"dev\", got \"prod\""), std::string::npos) << out;
  EXPECT_NE(out.find("fields.missing: expected \"x\", got nothing (absent)"), std::string::npos) << out;
  EXPECT_NE(out.find("fields.origin: expected absent, got \"app.log\""), std::string::npos) << out;
  // The whole actual event, as JSON.
  EXPECT_NE(out.find("{\"timestamp\":\"2026-01-01T00:00:00.000000000Z\",\"message\":\"hello\""), std::string::npos)
      << out;
  EXPECT_NE(out.find("FAIL wrong count"), std::string::npos) << out;
  EXPECT_NE(out.find("expected 1 event, got 2"), std::string::npos) << out;
  EXPECT_NE(out.find("FAIL not dropped"), std::string::npos) << out;
  EXPECT_NE(out.find("expected every input dropped, got 1 event"), std::string::npos) << out;
  EXPECT_NE(out.find("1 passed, 3 failed\n"), std::string::npos) << out;
}

TEST_F(PipelineTestCommandTest, ExactLabelsAndFieldsNameTheExtraOnes) {
  const int code = Run(R"(cases:
  - name: extra
    source: {labels: {job: app}}
    input: a
    expect:
      labels: {team: core}
      exact_labels: true
      fields: {env: prod}
      exact_fields: true
)");
  EXPECT_EQ(code, 1);
  EXPECT_NE(out_.str().find("labels.job: not expected (exact_labels), got \"app\""), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("fields.origin: not expected (exact_fields), got \"test.log\""), std::string::npos)
      << out_.str();
}

// Errors are FILE:LINE:COL: error: MESSAGE lines on stderr, and nothing on stdout.
void ExpectErrorAt(const std::string& err, const std::string& file, int line, const std::string& words) {
  const std::string prefix = file + ":" + std::to_string(line) + ":";
  std::istringstream lines(err);
  std::string l;
  while (std::getline(lines, l)) {
    if (l.rfind(prefix, 0) == 0 && std::regex_search(l, std::regex("^[^:]+:\\d+:\\d+: error: ")) &&
        l.find(words) != std::string::npos)
      return;
  }
  ADD_FAILURE() << "no error at " << prefix << " with '" << words << "' in:\n" << err;
}

TEST_F(PipelineTestCommandTest, AnInvalidPipelinesFileExitsTwo) {
  const int code = Run("cases:\n  - name: x\n    input: a\n    expect: {message: a}\n",
                       "pipelines:\n"
                       "  - name: p\n"
                       "    steps:\n"
                       "      - name: s\n"
                       "        type: field_ad\n");
  EXPECT_EQ(code, 2);
  EXPECT_EQ(out_.str(), "");
  ExpectErrorAt(err_.str(), pipelines_path_, 5, "field_ad");
}

TEST_F(PipelineTestCommandTest, AnInvalidCasesFileExitsTwoWithEveryProblem) {
  const int code = Run(R"(cases:
  - name: a
    input: x
    expect: {mesage: x}
  - name: b
    expect: {message: x}
  - name: c
    input: x
    expect: {level: loud, timestamp: yesterday, fields: {x: {matches: '('}}}
  - name: d
    pipeline: nope
    input: x
    expect_dropped: true
)");
  EXPECT_EQ(code, 2);
  EXPECT_EQ(out_.str(), "");
  const std::string err = err_.str();
  ExpectErrorAt(err, cases_path_, 4, "did you mean 'message'");
  ExpectErrorAt(err, cases_path_, 5, "missing 'input'");
  ExpectErrorAt(err, cases_path_, 9, "'loud' is not a level");
  ExpectErrorAt(err, cases_path_, 9, "RFC 3339");
  ExpectErrorAt(err, cases_path_, 9, "invalid regex");
}

TEST_F(PipelineTestCommandTest, AnUnknownForcedPipelineExitsTwo) {
  const int code = Run("cases:\n  - name: d\n    pipeline: nope\n    input: x\n    expect_dropped: true\n");
  EXPECT_EQ(code, 2);
  ExpectErrorAt(err_.str(), cases_path_, 2, "no pipeline is named 'nope'");
}

TEST_F(PipelineTestCommandTest, BrokenYamlAndMissingFilesExitTwo) {
  EXPECT_EQ(Run("cases: [unclosed\n"), 2);
  EXPECT_NE(err_.str().find(cases_path_ + ":"), std::string::npos) << err_.str();
  std::ostringstream out, err;
  EXPECT_EQ(RunPipelineTests((dir_ / "none.yaml").string(), (dir_ / "none2.yaml").string(), out, err), 2);
  EXPECT_NE(err.str().find("cannot read the pipelines file"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("cannot read the cases file"), std::string::npos) << err.str();
}

TEST_F(PipelineTestCommandTest, AnAgentConfigWorksAsThePipelinesFile) {
  const int code = Run("cases:\n  - name: x\n    input: a\n    expect: {fields: {env: dev}}\n",
                       "app: {log_level: info}\n"
                       "processing:\n"
                       "  pipelines:\n"
                       "    - name: default\n"
                       "      steps:\n"
                       "        - {name: add, type: field_add, config: {fields: {env: dev}}}\n");
  EXPECT_EQ(code, 0) << out_.str() << err_.str();
}

}  // namespace
}  // namespace logcap

namespace logcap {
namespace {

TEST_F(PipelineTestCommandTest, MultilineInputsAreJoinedAndNumbersCompareByValue) {
  const int code = Run(R"(cases:
  - name: joined
    inputs: ['{"n": 2.50,', '"s": "x"}', '{"n": 7}']
    expect:
      - {message: "{\"n\": 2.50,\n\"s\": \"x\"}", fields: {n: 2.5, s: x}}
      - {fields: {n: 7.0}}
)",
                       "pipelines:\n"
                       "  - name: default\n"
                       "    steps:\n"
                       "      - {name: join, type: multiline, config: {start_pattern: '^\\{'}}\n"
                       "      - {name: parse, type: json_parse, config: {message_key: ''}}\n");
  EXPECT_EQ(code, 0) << out_.str() << err_.str();
}

}  // namespace
}  // namespace logcap
