// ${VAR}, ${VAR:-default} and $$ expansion, against a fake environment.
#include "config/env_expand.h"

#include <map>

#include <gtest/gtest.h>

namespace logcap {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string MustExpand(std::string_view text, const EnvLookup& env) {
  std::string out;
  std::string error;
  EXPECT_TRUE(ExpandEnv(text, env, &out, &error)) << text << ": " << error;
  return out;
}

std::string ExpandError(std::string_view text, const EnvLookup& env) {
  std::string out;
  std::string error;
  EXPECT_FALSE(ExpandEnv(text, env, &out, &error)) << text;
  return error;
}

TEST(EnvExpand, SetVariableIsSubstituted) {
  EnvLookup env = FakeEnv({{"HOST", "example.org"}, {"PORT", "8080"}});
  EXPECT_EQ(MustExpand("${HOST}", env), "example.org");
  EXPECT_EQ(MustExpand("http://${HOST}:${PORT}/x", env), "http://example.org:8080/x");
}

TEST(EnvExpand, DefaultIsUsedWhenUnsetOrEmpty) {
  EnvLookup env = FakeEnv({{"EMPTY", ""}, {"SET", "v"}});
  EXPECT_EQ(MustExpand("${MISSING:-fallback}", env), "fallback");
  EXPECT_EQ(MustExpand("${EMPTY:-fallback}", env), "fallback");
  EXPECT_EQ(MustExpand("${SET:-fallback}", env), "v");
  EXPECT_EQ(MustExpand("${MISSING:-}", env), "");
  EXPECT_EQ(MustExpand("${MISSING:-a b:c/d}", env), "a b:c/d");
}

TEST(EnvExpand, SetButEmptyWithoutDefaultIsEmpty) {
  EXPECT_EQ(MustExpand("[${EMPTY}]", FakeEnv({{"EMPTY", ""}})), "[]");
}

TEST(EnvExpand, UnsetVariableWithoutDefaultIsAnErrorSuggestingDefault) {
  std::string error = ExpandError("${NOPE}", FakeEnv({}));
  EXPECT_NE(error.find("'NOPE' is not set"), std::string::npos) << error;
  EXPECT_NE(error.find("${NOPE:-default}"), std::string::npos) << error;
}

TEST(EnvExpand, DoubleDollarIsLiteralDollar) {
  EnvLookup env = FakeEnv({{"X", "x"}});
  EXPECT_EQ(MustExpand("$$", env), "$");
  EXPECT_EQ(MustExpand("price: $$5", env), "price: $5");
  EXPECT_EQ(MustExpand("$${X}", env), "${X}");
  EXPECT_EQ(MustExpand("$$$${X}", env), "$${X}");
  EXPECT_EQ(MustExpand("$$${X}", env), "$x");
}

TEST(EnvExpand, LoneDollarIsKept) {
  EnvLookup env = FakeEnv({});
  EXPECT_EQ(MustExpand("cost $5", env), "cost $5");
  EXPECT_EQ(MustExpand("end$", env), "end$");
  EXPECT_EQ(MustExpand("$HOME", env), "$HOME");
}

TEST(EnvExpand, MalformedReferencesAreErrors) {
  EnvLookup env = FakeEnv({{"X", "x"}});
  EXPECT_NE(ExpandError("${X", env).find("unterminated"), std::string::npos);
  EXPECT_NE(ExpandError("${}", env).find("invalid variable reference"), std::string::npos);
  EXPECT_NE(ExpandError("${1X}", env).find("invalid variable reference"), std::string::npos);
  EXPECT_NE(ExpandError("${X-default}", env).find("invalid variable reference"), std::string::npos);
  EXPECT_NE(ExpandError("${X Y}", env).find("invalid variable reference"), std::string::npos);
}

TEST(EnvExpand, DefaultIsNotExpandedAgain) {
  EXPECT_EQ(MustExpand("${MISSING:-$X}", FakeEnv({{"X", "x"}})), "$X");
}

}  // namespace
}  // namespace logcap
