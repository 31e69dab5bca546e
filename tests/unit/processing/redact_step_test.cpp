// redact: every built-in with positives and negatives, custom patterns, fields and labels, kinds,
// the regex limit and config errors.
#include <gtest/gtest.h>

#include "testing/pipeline_testing.h"

namespace logcap {
namespace {

using testing::CompilePipelinesYaml;
using testing::ErrorsText;
using testing::FieldsJson;

class RedactStepTest : public testing::PipelineStepTest {
 protected:
  static std::string RedactStep(const std::string& config) {
    return DefaultPipeline("      - type: redact\n        config: " + config + "\n");
  }
  std::shared_ptr<const PipelineSet> Compile(const std::string& config) { return CompileYaml(RedactStep(config)); }
  std::string CompileErrors(const std::string& config) { return CompileYamlErrors(RedactStep(config)); }
  std::string Redact(const std::string& config, const std::string& line) {
    auto set = Compile(config);
    if (!set) return "<no pipeline>";
    EventBatch batch = testing::RunLines(*set, {line});
    EXPECT_EQ(FieldsJson(batch, batch.events()[0]), "") << line;  // no _error
    return std::string(batch.events()[0].message);
  }
};

TEST_F(RedactStepTest, Email) {
  const std::string config = "{patterns: [email]}";
  EXPECT_EQ(Redact(config, "contact john.doe+x@example.co.uk now"), "contact [REDACTED] now");
  EXPECT_EQ(Redact(config, "a@b.io and c_d@e-f.com."), "[REDACTED] and [REDACTED].");
  EXPECT_EQ(Redact(config, "root@localhost says @handle, a @ b.com"), "root@localhost says @handle, a @ b.com");
  EXPECT_EQ(Redact(config, "no at sign here"), "no at sign here");
}

TEST_F(RedactStepTest, CreditCardIsLuhnChecked) {
  const std::string config = "{patterns: [credit_card]}";
  EXPECT_EQ(Redact(config, "card 4111 1111 1111 1111 ok"), "card [REDACTED] ok");
  EXPECT_EQ(Redact(config, "card=4111-1111-1111-1111;"), "card=[REDACTED];");
  EXPECT_EQ(Redact(config, "mc 5500005555555559 amex 378282246310005"), "mc [REDACTED] amex [REDACTED]");
  EXPECT_EQ(Redact(config, "ids 12 4111111111111111"), "ids 12 [REDACTED]");  // a neighbouring group is not part of it
  // 16 digits failing the Luhn check: an order number, not a card.
  EXPECT_EQ(Redact(config, "order 4111111111111112 shipped"), "order 4111111111111112 shipped");
  // Epoch timestamps (start with 1), short numbers and dates stay.
  EXPECT_EQ(Redact(config, "ts=1733580000000000000 ms=1733580000000"), "ts=1733580000000000000 ms=1733580000000");
  EXPECT_EQ(Redact(config, "on 2024-01-15 id 123456789012"), "on 2024-01-15 id 123456789012");
  // 20 digits is too long for a card: the run is not split arbitrarily.
  EXPECT_EQ(Redact(config, "x 41111111111111111111 y"), "x 41111111111111111111 y");
}

TEST_F(RedactStepTest, BearerTokenAndAuthorization) {
  const std::string config = "{patterns: [bearer_token]}";
  EXPECT_EQ(Redact(config, "Authorization: Bearer abc.def-123_XYZ"), "Authorization: Bearer [REDACTED]");
  EXPECT_EQ(Redact(config, "curl -H 'Authorization: Basic dXNlcjpwYXNz' x"), "curl -H 'Authorization: Basic [REDACTED]' x");
  EXPECT_EQ(Redact(config, R"({"headers":{"authorization":"Bearer abcdefghij"}})"),
            R"({"headers":{"authorization":"Bearer [REDACTED]"}})");
  EXPECT_EQ(Redact(config, "sent BEARER 0123456789abcdef to api"), "sent BEARER [REDACTED] to api");
  EXPECT_EQ(Redact(config, "Bearer short; authorization failed for user"), "Bearer short; authorization failed for user");
}

TEST_F(RedactStepTest, Ipv4) {
  const std::string config = "{patterns: [ipv4]}";
  EXPECT_EQ(Redact(config, "client 192.168.1.10 connected to 10.0.0.1:80"), "client [REDACTED] connected to [REDACTED]:80");
  EXPECT_EQ(Redact(config, "version 1.2.3.4.5, 999.1.1.1, 1.2.3"), "version 1.2.3.4.5, 999.1.1.1, 1.2.3");
}

TEST_F(RedactStepTest, Jwt) {
  const std::string config = "{patterns: [jwt]}";
  EXPECT_EQ(Redact(config, "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc_DEF-123 end"), "token [REDACTED] end");
  EXPECT_EQ(Redact(config, "header eyJhbGciOiJIUzI1NiJ9 alone"), "header eyJhbGciOiJIUzI1NiJ9 alone");
}

TEST_F(RedactStepTest, AwsKey) {
  const std::string config = "{patterns: [aws_key]}";
  EXPECT_EQ(Redact(config, "key AKIAIOSFODNN7EXAMPLE used"), "key [REDACTED] used");
  EXPECT_EQ(Redact(config, "AKIAshort XAKIAIOSFODNN7EXAMPLE"), "AKIAshort XAKIAIOSFODNN7EXAMPLE");
}

TEST_F(RedactStepTest, PasswordKeyValue) {
  const std::string config = "{patterns: [password_kv]}";
  EXPECT_EQ(Redact(config, "login password=hunter2 user=bob"), "login password=[REDACTED] user=bob");
  EXPECT_EQ(Redact(config, R"({"password":"s3cr\"et","user":"bob"})"), R"({"password":"[REDACTED]","user":"bob"})");
  EXPECT_EQ(Redact(config, "db_password: 'abc'"), "db_password: '[REDACTED]'");
  EXPECT_EQ(Redact(config, "PWD=x&next=1"), "PWD=[REDACTED]&next=1");
  EXPECT_EQ(Redact(config, "password reset requested; passwordless=true"),
            "password reset requested; passwordless=true");
}

TEST_F(RedactStepTest, DefaultsAreEmailCardAndBearer) {
  EXPECT_EQ(Redact("{}", "from 10.0.0.1 a@b.io card 4111111111111111 Bearer abcdefghijk"),
            "from 10.0.0.1 [REDACTED] card [REDACTED] Bearer [REDACTED]");
}

TEST_F(RedactStepTest, AllBuiltinsTogetherAndACustomReplacement) {
  EXPECT_EQ(Redact("{patterns: [email, credit_card, bearer_token, ipv4, jwt, aws_key, password_kv], replacement: '***'}",
                   "u=a@b.io ip=1.2.3.4 k=AKIAIOSFODNN7EXAMPLE password=x"),
            "u=*** ip=*** k=*** password=***");
}

TEST_F(RedactStepTest, CustomPatterns) {
  EXPECT_EQ(Redact(R"({patterns: [], custom: ["user-\\d+", {pattern: "ssn=\\d{3}-\\d{2}-\\d{4}", replacement: "ssn=***"}]})",
                   "user-42 ssn=123-45-6789 user-x a@b.io"),
            "[REDACTED] ssn=*** user-x a@b.io");
  EXPECT_EQ(Redact(R"({patterns: [], custom: "x*"})", "abc"), "abc");  // empty matches mask nothing
}

TEST_F(RedactStepTest, FieldsAndLabelsKeepTheirKindWhenTheyCan) {
  auto set = Compile("{fields: [message, email, card, user, labels.owner, absent]}");
  ASSERT_NE(set, nullptr);
  EventBatch batch = testing::MakeBatch({"mail a@b.io"}, testing::MakeSource("/var/log/app.log"));
  EventAttributes attributes;
  attributes.fields_json = R"({"email":"x@y.org","card":4111111111111111,"user":{"mail":"c@d.io","id":4}})";
  attributes.labels.Set("owner", "ops@corp.example");
  batch.mutable_events()[0].attributes = batch.AddAttributes(std::move(attributes));
  RunPipelines(*set, batch);
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, "mail [REDACTED]");
  EXPECT_EQ(FieldsJson(batch, e), R"({"email":"[REDACTED]","card":"[REDACTED]","user":{"mail":"[REDACTED]","id":4}})");
  EXPECT_EQ(testing::EventLabel(batch, e, "owner"), "[REDACTED]");
}

TEST_F(RedactStepTest, ARegexLimitMasksTheWholeValueAndMarksTheRecord) {
  auto set = Compile(R"j({fields: [message, note], patterns: [email], custom: ["(a+)+$"]})j");
  ASSERT_NE(set, nullptr);
  EventBatch batch = testing::RunLines(*set, {"a@b.io " + std::string(40, 'a') + "!"});
  ASSERT_EQ(batch.size(), 1u);  // never dropped
  const Event& e = batch.events()[0];
  EXPECT_EQ(e.message, "[REDACTED]");
  EXPECT_EQ(FieldsJson(batch, e),
            R"j({"_error":"redact: redaction regex limit: value masked whole (pattern custom 1 '(a+)+$' on message)"})j");
  EXPECT_EQ(metrics_.PipelineStepEvents("default", "redact", "error").Value(), 1);
}

TEST_F(RedactStepTest, ConfigErrors) {
  std::string errors = CompileErrors("{patterns: [email, emial, ssn]}");
  EXPECT_NE(errors.find("pipelines.yaml:5:36: error: pipeline 'default' step 'redact': patterns: unknown pattern "
                        "'emial' (did you mean 'email'?)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":5:43: error: pipeline 'default' step 'redact': patterns: unknown pattern 'ssn'; built-ins: "
                        "email, credit_card, bearer_token, ipv4, jwt, aws_key, password_kv"),
            std::string::npos)
      << errors;
  errors = CompileErrors(R"j({custom: ["(", {pattern: "x", replace: "y"}, {replacement: "z"}], fields: [timestamp]})j");
  EXPECT_NE(errors.find(":5:27: error: pipeline 'default' step 'redact': custom: invalid regex"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("custom: unknown key 'replace' (did you mean 'replacement'?)"), std::string::npos) << errors;
  EXPECT_NE(errors.find("custom: missing 'pattern'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("fields: cannot redact 'timestamp'"), std::string::npos) << errors;
  errors = CompileErrors("{patterns: []}");
  EXPECT_NE(errors.find("redact has nothing to mask"), std::string::npos) << errors;
}

}  // namespace
}  // namespace logcap
