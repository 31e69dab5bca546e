#include "sources/container/container_filter.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace logcap {
namespace {

using Names = std::vector<std::string_view>;
using Rules = std::map<std::string, std::string>;

ContainerFilter Filter(std::vector<std::string> include_names, std::vector<std::string> exclude_names,
                       Rules include_labels = {}, Rules exclude_labels = {}) {
  return ContainerFilter(std::move(include_names), std::move(exclude_names), std::move(include_labels),
                         std::move(exclude_labels));
}

bool Accepts(const ContainerFilter& f, const Names& names, const Labels& labels = {}) {
  const bool accepted = f.Accepts(names, labels);
  // Explain agrees with Accepts.
  EXPECT_EQ(f.Explain(names, labels).empty(), accepted);
  return accepted;
}

TEST(ContainerFilterTest, EmptyFilterAcceptsEverything) {
  const ContainerFilter f = Filter({}, {});
  EXPECT_TRUE(Accepts(f, {"web-1"}));
  EXPECT_TRUE(Accepts(f, {}));
  EXPECT_TRUE(Accepts(f, {"nginx", "shop/web-7d4b9c/nginx"}, {{"app", "web"}}));
  EXPECT_EQ(f.Explain(Names{"web-1"}, {}), "");
}

TEST(ContainerFilterTest, IncludeNames) {
  const ContainerFilter f = Filter({"web-*", "api"}, {});
  EXPECT_TRUE(Accepts(f, {"web-1"}));
  EXPECT_TRUE(Accepts(f, {"api"}));
  EXPECT_FALSE(Accepts(f, {"api-2"}));  // a whole-name match
  EXPECT_FALSE(Accepts(f, {"db"}));
  EXPECT_FALSE(Accepts(f, {}));  // no name: no include pattern can match
  EXPECT_EQ(f.Explain(Names{"db"}, {}), "include_names: no pattern matches \"db\"");
  EXPECT_EQ(f.Explain(Names{"db", "shop/db-0/db"}, {}),
            "include_names: no pattern matches \"db\" or \"shop/db-0/db\"");
  EXPECT_EQ(f.Explain(Names{}, {}), "include_names: no pattern matches (the container has no name)");
}

TEST(ContainerFilterTest, AnyNameMatches) {
  // Kubernetes: the container name and namespace/pod/container.
  const ContainerFilter by_path = Filter({"shop/*"}, {});
  EXPECT_TRUE(Accepts(by_path, {"nginx", "shop/web-7d4b9c-x2x9q/nginx"}));
  EXPECT_FALSE(Accepts(by_path, {"nginx", "kube-system/coredns-5d78c9869d-abcde/coredns"}));
  const ContainerFilter by_name = Filter({"nginx"}, {});
  EXPECT_TRUE(Accepts(by_name, {"nginx", "shop/web-7d4b9c-x2x9q/nginx"}));
  const ContainerFilter by_suffix = Filter({"*/nginx"}, {});
  EXPECT_TRUE(Accepts(by_suffix, {"nginx", "shop/web-7d4b9c-x2x9q/nginx"}));
  EXPECT_FALSE(Accepts(by_suffix, {"nginx-exporter", "shop/web-7d4b9c-x2x9q/nginx-exporter"}));
}

TEST(ContainerFilterTest, GlobSyntax) {
  const ContainerFilter f = Filter({"web-?", "db-[0-2]", "cache-[!a-z]", "lit\\*"}, {});
  EXPECT_TRUE(Accepts(f, {"web-1"}));
  EXPECT_FALSE(Accepts(f, {"web-12"}));
  EXPECT_TRUE(Accepts(f, {"db-2"}));
  EXPECT_FALSE(Accepts(f, {"db-3"}));
  EXPECT_TRUE(Accepts(f, {"cache-9"}));
  EXPECT_FALSE(Accepts(f, {"cache-x"}));
  EXPECT_TRUE(Accepts(f, {"lit*"}));
  EXPECT_FALSE(Accepts(f, {"literal"}));
}

TEST(ContainerFilterTest, ExcludeNames) {
  const ContainerFilter f = Filter({}, {"web-*", "*/kube-system/*"});
  EXPECT_TRUE(Accepts(f, {"api"}));
  EXPECT_FALSE(Accepts(f, {"web-1"}));
  EXPECT_EQ(f.Explain(Names{"web-1"}, {}), "exclude_names: web-* matches \"web-1\"");
  // "*" matches '/' too.
  EXPECT_FALSE(Accepts(f, {"coredns", "x/kube-system/coredns"}));
  EXPECT_EQ(f.Explain(Names{"coredns", "x/kube-system/coredns"}, {}),
            "exclude_names: */kube-system/* matches \"x/kube-system/coredns\"");
}

TEST(ContainerFilterTest, ExclusionWinsOverInclusion) {
  const ContainerFilter f = Filter({"web-*"}, {"web-debug*"}, {{"app", ""}}, {{"debug", "true"}});
  EXPECT_TRUE(Accepts(f, {"web-1"}, {{"app", "web"}}));
  EXPECT_FALSE(Accepts(f, {"web-debug-1"}, {{"app", "web"}}));
  EXPECT_FALSE(Accepts(f, {"web-1"}, {{"app", "web"}, {"debug", "true"}}));
  EXPECT_EQ(f.Explain(Names{"web-debug-1"}, {{"app", "web"}}), "exclude_names: web-debug* matches \"web-debug-1\"");
  // The same name on both lists: excluded.
  const ContainerFilter both = Filter({"api"}, {"api"});
  EXPECT_FALSE(Accepts(both, {"api"}));
}

TEST(ContainerFilterTest, IncludeLabelExistsOrValueGlob) {
  const ContainerFilter exists = Filter({}, {}, {{"logs", ""}});
  EXPECT_TRUE(Accepts(exists, {"a"}, {{"logs", "yes"}}));
  EXPECT_TRUE(Accepts(exists, {"a"}, {{"logs", ""}}));  // present with an empty value
  EXPECT_FALSE(Accepts(exists, {"a"}, {{"other", "x"}}));
  EXPECT_EQ(exists.Explain(Names{"a"}, {}), "include_labels: logs=* (label logs is missing)");

  const ContainerFilter star = Filter({}, {}, {{"logs", "*"}});
  EXPECT_TRUE(Accepts(star, {"a"}, {{"logs", ""}}));
  EXPECT_FALSE(Accepts(star, {"a"}, {}));

  const ContainerFilter glob = Filter({}, {}, {{"app", "api*"}});
  EXPECT_TRUE(Accepts(glob, {"a"}, {{"app", "api"}}));
  EXPECT_TRUE(Accepts(glob, {"a"}, {{"app", "api-gateway"}}));
  EXPECT_FALSE(Accepts(glob, {"a"}, {{"app", "web"}}));
  EXPECT_FALSE(Accepts(glob, {"a"}, {{"app", ""}}));
  EXPECT_FALSE(Accepts(glob, {"a"}, {}));
  EXPECT_EQ(glob.Explain(Names{"a"}, {{"app", "web"}}), "include_labels: app=api* (app=\"web\")");

  const ContainerFilter exact = Filter({}, {}, {{"tier", "front"}});
  EXPECT_TRUE(Accepts(exact, {"a"}, {{"tier", "front"}}));
  EXPECT_FALSE(Accepts(exact, {"a"}, {{"tier", "frontend"}}));
  // Values may hold '/', which '*' matches.
  const ContainerFilter slash = Filter({}, {}, {{"image", "registry.local/*"}});
  EXPECT_TRUE(Accepts(slash, {"a"}, {{"image", "registry.local/team/app:1.2"}}));
}

TEST(ContainerFilterTest, AllIncludeLabelsMustMatch) {
  const ContainerFilter f = Filter({}, {}, {{"app", "web"}, {"env", "prod*"}});
  EXPECT_TRUE(Accepts(f, {"a"}, {{"app", "web"}, {"env", "prod-eu"}, {"extra", "x"}}));
  EXPECT_FALSE(Accepts(f, {"a"}, {{"app", "web"}}));
  EXPECT_FALSE(Accepts(f, {"a"}, {{"env", "prod"}}));
  EXPECT_FALSE(Accepts(f, {"a"}, {{"app", "web"}, {"env", "staging"}}));
  EXPECT_EQ(f.Explain(Names{"a"}, {{"app", "web"}, {"env", "staging"}}), "include_labels: env=prod* (env=\"staging\")");
}

TEST(ContainerFilterTest, AnyExcludeLabelRefuses) {
  const ContainerFilter f = Filter({}, {}, {}, {{"logging", "off"}, {"tier", "*"}});
  EXPECT_TRUE(Accepts(f, {"a"}, {{"logging", "on"}}));
  EXPECT_TRUE(Accepts(f, {"a"}, {}));
  EXPECT_FALSE(Accepts(f, {"a"}, {{"logging", "off"}}));
  EXPECT_FALSE(Accepts(f, {"a"}, {{"tier", "cache"}}));
  EXPECT_EQ(f.Explain(Names{"a"}, {{"tier", "cache"}}), "exclude_labels: tier=* (tier=\"cache\")");
  EXPECT_EQ(f.Explain(Names{"a"}, {{"logging", "off"}}), "exclude_labels: logging=off (logging=\"off\")");
  const ContainerFilter exists = Filter({}, {}, {}, {{"skip", ""}});
  EXPECT_FALSE(Accepts(exists, {"a"}, {{"skip", ""}}));
  EXPECT_EQ(exists.Explain(Names{"a"}, {{"skip", ""}}), "exclude_labels: skip=* (skip=\"\")");
}

TEST(ContainerFilterTest, AllRulesCombined) {
  const ContainerFilter f =
      Filter({"web-*", "api-*"}, {"*-canary"}, {{"app", ""}, {"env", "prod"}}, {{"logs", "off"}});
  const Labels good = {{"app", "shop"}, {"env", "prod"}};
  EXPECT_TRUE(Accepts(f, {"web-1"}, good));
  EXPECT_TRUE(Accepts(f, {"api-2"}, good));
  EXPECT_FALSE(Accepts(f, {"db-1"}, good));          // include_names
  EXPECT_FALSE(Accepts(f, {"web-canary"}, good));    // exclude_names
  EXPECT_FALSE(Accepts(f, {"web-1"}, {{"env", "prod"}}));  // include_labels: app missing
  Labels off = good;
  off.Set("logs", "off");
  EXPECT_FALSE(Accepts(f, {"web-1"}, off));  // exclude_labels
  // The first failing rule is the one explained.
  EXPECT_EQ(f.Explain(Names{"db-canary"}, {}), "include_names: no pattern matches \"db-canary\"");
  EXPECT_EQ(f.Explain(Names{"web-canary"}, {}), "exclude_names: *-canary matches \"web-canary\"");
  EXPECT_EQ(f.Explain(Names{"web-1"}, off), "exclude_labels: logs=off (logs=\"off\")");
}

}  // namespace
}  // namespace logcap
