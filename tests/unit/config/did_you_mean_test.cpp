// Edit distances and the "did you mean" threshold.
#include "config/did_you_mean.h"

#include <gtest/gtest.h>

namespace logcap {
namespace {

TEST(EditDistance, CountsInsertDeleteSubstituteAndSwap) {
  EXPECT_EQ(EditDistance("port", "port"), 0u);
  EXPECT_EQ(EditDistance("prot", "port"), 1u);       // swap
  EXPECT_EQ(EditDistance("enabeld", "enabled"), 1u);  // swap
  EXPECT_EQ(EditDistance("hots", "host"), 1u);
  EXPECT_EQ(EditDistance("pot", "port"), 1u);         // insert
  EXPECT_EQ(EditDistance("portt", "port"), 1u);       // delete
  EXPECT_EQ(EditDistance("pert", "port"), 1u);        // substitute
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("Enabled", "enabled"), 0u);  // case-insensitive
}

TEST(ClosestMatch, SuggestsNearbyCandidate) {
  std::vector<std::string> keys = {"enabled", "host", "port", "auth_token"};
  EXPECT_EQ(ClosestMatch("enabeld", keys), "enabled");
  EXPECT_EQ(ClosestMatch("authtoken", keys), "auth_token");
  EXPECT_EQ(ClosestMatch("prot", keys), "port");
}

TEST(ClosestMatch, FarCandidatesAreNotSuggested) {
  std::vector<std::string> keys = {"enabled", "host", "port"};
  EXPECT_EQ(ClosestMatch("xyz", keys), std::nullopt);
  EXPECT_EQ(ClosestMatch("processing", keys), std::nullopt);
  EXPECT_EQ(DidYouMeanHint("xyz", keys), "");
}

TEST(ClosestMatch, HintNamesTheMatch) {
  EXPECT_EQ(DidYouMeanHint("hots", {"host", "port"}), " (did you mean 'host'?)");
}

}  // namespace
}  // namespace logcap
