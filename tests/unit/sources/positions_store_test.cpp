#include "sources/file/positions_store.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "unit/sources/file_test_util.h"

namespace logcap {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::vector<PositionEntry> SampleEntries() {
  PositionEntry a;
  a.path = "/var/log/app.log";
  a.identity = FileIdentity{FileKey{2049, 131073}, 0xfedcba9876543210ull, 256};
  a.offset = 4096;
  PositionEntry b;
  b.path = "/var/log/odd \"name\"\\.log";
  b.identity = FileIdentity{FileKey{UINT64_MAX, (1ull << 60) + 7}, 1, 0};
  b.offset = 0;
  return {a, b};
}

TEST(PositionsStore, SaveThenLoadRoundTripsEveryField) {
  TempDir dir;
  PositionsStore store(dir / "positions");  // created on first save
  ASSERT_TRUE(store.Save(SampleEntries()).ok());
  EXPECT_FALSE(std::filesystem::exists(store.temp_path()));
  std::vector<PositionEntry> loaded;
  EXPECT_EQ(store.Load(&loaded), PositionsLoadResult::kLoaded);
  EXPECT_EQ(loaded, SampleEntries());
  const std::string text = ReadFile(store.path());
  EXPECT_NE(text.find("\"version\":1"), std::string::npos);
  EXPECT_NE(text.find("\"fingerprint\":\"fedcba9876543210\""), std::string::npos);
}

TEST(PositionsStore, MissingFileIsAFreshStart) {
  TempDir dir;
  PositionsStore store(dir.path());
  std::vector<PositionEntry> loaded;
  EXPECT_EQ(store.Load(&loaded), PositionsLoadResult::kFresh);
  EXPECT_TRUE(loaded.empty());
}

TEST(PositionsStore, CorruptFileIsAFreshStartAndIsKeptAside) {
  TempDir dir;
  PositionsStore store(dir.path());
  WriteFile(store.path(), std::string("\x00\x01garbage{{{", 12));
  std::vector<PositionEntry> loaded;
  EXPECT_EQ(store.Load(&loaded), PositionsLoadResult::kCorrupt);
  EXPECT_TRUE(loaded.empty());
  EXPECT_TRUE(std::filesystem::exists(store.path() + ".corrupt"));
  EXPECT_FALSE(std::filesystem::exists(store.path()));
}

TEST(PositionsStore, HalfWrittenFileFallsBackToACompleteTemp) {
  TempDir dir;
  PositionsStore store(dir.path());
  const std::string full = PositionsStore::Serialize(SampleEntries());
  WriteFile(store.path(), full.substr(0, full.size() / 2));
  WriteFile(store.temp_path(), full);
  std::vector<PositionEntry> loaded;
  EXPECT_EQ(store.Load(&loaded), PositionsLoadResult::kRecoveredFromTemp);
  EXPECT_EQ(loaded, SampleEntries());
}

TEST(PositionsStore, HalfWrittenTempIsIgnoredForTheCompleteFile) {
  TempDir dir;
  PositionsStore store(dir.path());
  ASSERT_TRUE(store.Save(SampleEntries()).ok());
  const std::string full = PositionsStore::Serialize({});
  WriteFile(store.temp_path(), full.substr(0, full.size() - 3));
  std::vector<PositionEntry> loaded;
  EXPECT_EQ(store.Load(&loaded), PositionsLoadResult::kLoaded);
  EXPECT_EQ(loaded, SampleEntries());
}

TEST(PositionsStore, HalfWrittenFileAndNoTempIsAFreshStart) {
  TempDir dir;
  PositionsStore store(dir.path());
  const std::string full = PositionsStore::Serialize(SampleEntries());
  for (size_t cut : {size_t{0}, size_t{1}, full.size() / 3, full.size() - 2}) {
    WriteFile(store.path(), full.substr(0, cut));
    std::vector<PositionEntry> loaded;
    EXPECT_EQ(store.Load(&loaded), PositionsLoadResult::kCorrupt) << "cut at " << cut;
    EXPECT_TRUE(loaded.empty());
  }
}

TEST(PositionsStore, OtherVersionIsNotTrusted) {
  TempDir dir;
  PositionsStore store(dir.path());
  std::string text = PositionsStore::Serialize(SampleEntries());
  text.replace(text.find("\"version\":1"), 11, "\"version\":2");
  WriteFile(store.path(), text);
  std::vector<PositionEntry> loaded;
  EXPECT_EQ(store.Load(&loaded), PositionsLoadResult::kCorrupt);
  EXPECT_TRUE(loaded.empty());
  Status s = PositionsStore::Parse(text, &loaded);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("version 2"), std::string::npos);
}

TEST(PositionsStore, MalformedEntryRejectsTheWholeFile) {
  std::vector<PositionEntry> loaded;
  EXPECT_FALSE(PositionsStore::Parse(R"({"version":1,"files":[{"path":"/a","dev":1,"inode":2,)"
                                     R"("fingerprint":"zz","fingerprint_len":1,"offset":3}]})",
                                     &loaded)
                   .ok());
  EXPECT_FALSE(PositionsStore::Parse(R"({"version":1,"files":[{"path":"/a","dev":-1,"inode":2,)"
                                     R"("fingerprint":"1","fingerprint_len":1,"offset":3}]})",
                                     &loaded)
                   .ok());
  EXPECT_FALSE(PositionsStore::Parse(R"({"version":1,"files":{}})", &loaded).ok());
  EXPECT_FALSE(PositionsStore::Parse(R"([1,2])", &loaded).ok());
  EXPECT_TRUE(loaded.empty());
  // A numeric fingerprint is accepted.
  ASSERT_TRUE(PositionsStore::Parse(R"({"version":1,"files":[{"path":"/a","dev":1,"inode":2,)"
                                    R"("fingerprint":77,"fingerprint_len":1,"offset":3}]})",
                                    &loaded)
                  .ok());
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].identity.fingerprint, 77u);
}

TEST(PositionsStore, SaveReplacesTheFileAndFailsCleanlyWhenItCannotWrite) {
  TempDir dir;
  PositionsStore store(dir.path());
  ASSERT_TRUE(store.Save(SampleEntries()).ok());
  ASSERT_TRUE(store.Save({}).ok());
  std::vector<PositionEntry> loaded;
  EXPECT_EQ(store.Load(&loaded), PositionsLoadResult::kLoaded);
  EXPECT_TRUE(loaded.empty());

  WriteFile(dir / "not-a-dir", "x");
  PositionsStore broken(dir / "not-a-dir");
  EXPECT_FALSE(broken.Save(SampleEntries()).ok());
}

}  // namespace
}  // namespace logcap
