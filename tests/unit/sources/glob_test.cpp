#include "sources/file/glob.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "unit/sources/file_test_util.h"

namespace logcap {
namespace {

using testing::TempDir;
using testing::WriteFile;

TEST(GlobSegment, StarQuestionAndBrackets) {
  EXPECT_TRUE(GlobMatchSegment("*.log", "app.log"));
  EXPECT_TRUE(GlobMatchSegment("*.log", ".log"));
  EXPECT_FALSE(GlobMatchSegment("*.log", "app.log.1"));
  EXPECT_TRUE(GlobMatchSegment("app-?.log", "app-1.log"));
  EXPECT_FALSE(GlobMatchSegment("app-?.log", "app-12.log"));
  EXPECT_TRUE(GlobMatchSegment("app-[0-9].log", "app-7.log"));
  EXPECT_FALSE(GlobMatchSegment("app-[0-9].log", "app-x.log"));
  EXPECT_TRUE(GlobMatchSegment("app-[!0-9].log", "app-x.log"));
  EXPECT_TRUE(GlobMatchSegment("app-[^0-9].log", "app-x.log"));
  EXPECT_TRUE(GlobMatchSegment("[]a].txt", "].txt"));
  EXPECT_TRUE(GlobMatchSegment("[abc]", "b"));
  EXPECT_TRUE(GlobMatchSegment("a[", "a["));  // unterminated bracket is literal
  EXPECT_TRUE(GlobMatchSegment("\\*.log", "*.log"));
  EXPECT_FALSE(GlobMatchSegment("\\*.log", "a.log"));
  EXPECT_TRUE(GlobMatchSegment("*", ""));
  EXPECT_TRUE(GlobMatchSegment("**", "anything"));
}

TEST(GlobSegment, StarBacktracksAcrossRepeatedMatches) {
  EXPECT_TRUE(GlobMatchSegment("*a*b", "xaybzb"));
  EXPECT_TRUE(GlobMatchSegment("*ab", "aaab"));
  EXPECT_FALSE(GlobMatchSegment("*ab*c", "abxaby"));
  EXPECT_TRUE(GlobMatchSegment("a*a*a*a*a*b", std::string(50, 'a') + "b"));
  EXPECT_FALSE(GlobMatchSegment("a*a*a*a*a*b", std::string(50, 'a')));
}

TEST(GlobPattern, StarDoesNotCrossDirectories) {
  GlobPattern p("/var/log/*.log");
  EXPECT_TRUE(p.Matches("/var/log/app.log"));
  EXPECT_FALSE(p.Matches("/var/log/sub/app.log"));
  EXPECT_FALSE(p.Matches("var/log/app.log"));
  EXPECT_TRUE(p.Matches("/var//log/app.log"));
}

TEST(GlobPattern, DoubleStarMatchesZeroOrMoreDirectories) {
  GlobPattern p("/data/**/*.log");
  EXPECT_TRUE(p.Matches("/data/a.log"));
  EXPECT_TRUE(p.Matches("/data/x/a.log"));
  EXPECT_TRUE(p.Matches("/data/x/y/z/a.log"));
  EXPECT_FALSE(p.Matches("/other/a.log"));
  EXPECT_FALSE(p.Matches("/data/x/a.txt"));
  GlobPattern tail("/data/**");
  EXPECT_TRUE(tail.Matches("/data/x/y"));
  GlobPattern middle("/data/**/logs/*.log");
  EXPECT_TRUE(middle.Matches("/data/logs/a.log"));
  EXPECT_TRUE(middle.Matches("/data/p/q/logs/a.log"));
  EXPECT_FALSE(middle.Matches("/data/p/q/a.log"));
}

TEST(PathFilter, ExcludeWithoutSlashMatchesTheBasename) {
  PathFilter f({"/var/log/**"}, {"*.gz", "skip*"});
  EXPECT_TRUE(f.Accepts("/var/log/app.log"));
  EXPECT_FALSE(f.Accepts("/var/log/app.log.gz"));
  EXPECT_FALSE(f.Accepts("/var/log/sub/old.gz"));
  EXPECT_FALSE(f.Accepts("/var/log/skipme.log"));
  // The basename rule does not look at directory names.
  EXPECT_TRUE(f.Accepts("/var/log/skipdir/app.log"));
}

TEST(PathFilter, ExcludeWithSlashMatchesTheWholePath) {
  PathFilter f({"/var/log/**/*.log"}, {"/var/log/private/*.log", "/var/log/**/debug.log"});
  EXPECT_TRUE(f.Accepts("/var/log/app.log"));
  EXPECT_FALSE(f.Accepts("/var/log/private/app.log"));
  EXPECT_TRUE(f.Accepts("/var/log/private/sub/app.log"));
  EXPECT_FALSE(f.Accepts("/var/log/debug.log"));
  EXPECT_FALSE(f.Accepts("/var/log/a/b/debug.log"));
  EXPECT_FALSE(f.Accepts("/etc/app.log"));
}

TEST(ExpandGlobs, DoubleStarFindsFilesAtEveryDepthAndHonoursExcludes) {
  TempDir dir;
  std::filesystem::create_directories(dir / "a/b/c");
  WriteFile(dir / "top.log", "");
  WriteFile(dir / "a/one.log", "");
  WriteFile(dir / "a/b/c/deep.log", "");
  WriteFile(dir / "a/b/c/deep.txt", "");
  WriteFile(dir / "a/b/old.log.gz", "");
  WriteFile(dir / "a/b/excluded.log", "");
  PathFilter f({dir.path() + "/**/*.log*"}, {"*.gz", dir.path() + "/a/b/excluded.log"});
  GlobExpansion e = ExpandGlobs(f);
  EXPECT_EQ(e.files, (std::set<std::string>{dir / "top.log", dir / "a/one.log", dir / "a/b/c/deep.log"}));
  EXPECT_TRUE(e.directories.count(dir.path()));
  EXPECT_TRUE(e.directories.count(dir / "a/b/c"));
}

TEST(ExpandGlobs, WildcardDirectorySegmentsAndSymlinksToFiles) {
  TempDir dir;
  std::filesystem::create_directories(dir / "pods/p1/c1");
  std::filesystem::create_directories(dir / "pods/p2/c1");
  WriteFile(dir / "pods/p1/c1/0.log", "");
  WriteFile(dir / "pods/p2/c1/0.log", "");
  WriteFile(dir / "target.log", "");
  std::filesystem::create_directories(dir / "links");
  ASSERT_EQ(::symlink((dir / "target.log").c_str(), (dir / "links/link.log").c_str()), 0);
  ASSERT_EQ(::mkfifo((dir / "links/fifo.log").c_str(), 0644), 0);
  PathFilter f({dir.path() + "/pods/*/*/*.log", dir.path() + "/links/*.log"}, {});
  GlobExpansion e = ExpandGlobs(f);
  EXPECT_EQ(e.files,
            (std::set<std::string>{dir / "pods/p1/c1/0.log", dir / "pods/p2/c1/0.log", dir / "links/link.log"}));
  EXPECT_TRUE(e.directories.count(dir / "pods"));
  EXPECT_TRUE(e.directories.count(dir / "pods/p1"));
  EXPECT_TRUE(e.directories.count(dir / "pods/p2/c1"));
}

TEST(ExpandGlobs, MissingBaseDirectoryWatchesItsDeepestExistingAncestor) {
  TempDir dir;
  PathFilter f({dir.path() + "/not/yet/*.log"}, {});
  GlobExpansion e = ExpandGlobs(f);
  EXPECT_TRUE(e.files.empty());
  EXPECT_EQ(e.directories, (std::set<std::string>{dir.path()}));
}

TEST(ExpandGlobs, LiteralPathIsFoundOnlyWhenItExists) {
  TempDir dir;
  PathFilter f({dir / "exact.log"}, {});
  EXPECT_TRUE(ExpandGlobs(f).files.empty());
  WriteFile(dir / "exact.log", "");
  GlobExpansion e = ExpandGlobs(f);
  EXPECT_EQ(e.files, (std::set<std::string>{dir / "exact.log"}));
  EXPECT_TRUE(e.directories.count(dir.path()));
}

TEST(PathHelpers, BasenameAndDirname) {
  EXPECT_EQ(Basename("/a/b/c.log"), "c.log");
  EXPECT_EQ(Basename("c.log"), "c.log");
  EXPECT_EQ(Dirname("/a/b/c.log"), "/a/b");
  EXPECT_EQ(Dirname("/c.log"), "/");
  EXPECT_EQ(Dirname("c.log"), ".");
}

}  // namespace
}  // namespace logcap
