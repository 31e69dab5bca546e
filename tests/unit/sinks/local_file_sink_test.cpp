#include "sinks/local_file/local_file_sink.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "sinks/local_file/rotated_files.h"
#include "unit/sinks/sink_test_util.h"

namespace logcap {
namespace {

namespace fs = std::filesystem;
using sinks_test::BatchBuilder;
using sinks_test::kTime;
using sinks_test::ListDir;
using sinks_test::MakeSource;
using sinks_test::ReadFile;
using sinks_test::SplitLines;
using sinks_test::TempDir;

constexpr Nanos kDay = 86400 * kNanosPerSecond;

LocalFileSinkConfig Config(const std::string& dir, const std::string& pattern = "{source_type}-{date}.log") {
  LocalFileSinkConfig c;
  c.enabled = true;
  c.directory = dir;
  c.filename_pattern = pattern;
  c.rotation.compress = false;
  return c;
}

uint64_t Stat(const Sink& sink, const char* key) {
  const std::string json = sink.StatsJson();
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  EXPECT_TRUE(doc.IsObject() && doc.HasMember(key)) << json;
  return doc.IsObject() && doc.HasMember(key) ? doc[key].GetUint64() : ~0ull;
}

std::string Gunzip(const std::string& path) {
  const std::string packed = ReadFile(path);
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
  std::string out;
  char buf[65536];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  zs.avail_in = static_cast<uInt>(packed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << path;
  inflateEnd(&zs);
  return out;
}

// Message "event NNNNNN" padded with 'x' to size bytes.
std::string Numbered(int n, size_t size) {
  char head[32];
  snprintf(head, sizeof(head), "event %06d ", n);
  std::string s(head);
  if (s.size() < size) s.append(size - s.size(), 'x');
  return s;
}

int NumberOf(const std::string& json_line) {
  const size_t at = json_line.find("\"message\":\"event ");
  return at == std::string::npos ? -1 : std::stoi(json_line.substr(at + 17, 6));
}

TEST(LocalFileSink, WritesOneFilePerSourceTypeAndUtcDate) {
  TempDir dir;
  LocalFileSink sink(Config(dir.path()), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  auto file_source = MakeSource("file", "/var/log/app.log", "app.log");
  auto docker_source = MakeSource("docker", "c0ffee", "web");
  BatchBuilder b;
  b.Add(file_source, "f1");
  b.Add(docker_source, "d1");
  b.Add(file_source, "f2 next day", kTime + kDay);
  b.Add(file_source, "f3");
  EventBatch batch = b.Take();
  ASSERT_TRUE(sink.Write(batch).ok());
  ASSERT_TRUE(sink.Flush().ok());

  EXPECT_EQ(ListDir(dir.path()),
            (std::vector<std::string>{"docker-2026-11-23.log", "file-2026-11-23.log", "file-2026-11-24.log"}));
  const auto lines = SplitLines(ReadFile(dir / "file-2026-11-23.log"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "{\"timestamp\":\"2026-11-23T10:00:00.123456789Z\",\"message\":\"f1\",\"source_type\":\"file\","
            "\"source_id\":\"/var/log/app.log\",\"labels\":{}}");
  EXPECT_NE(lines[1].find("\"message\":\"f3\""), std::string::npos);
  EXPECT_NE(ReadFile(dir / "file-2026-11-24.log").find("f2 next day"), std::string::npos);
  EXPECT_NE(ReadFile(dir / "docker-2026-11-23.log").find("\"source_id\":\"c0ffee\""), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "file-2026-11-23.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  sink.Stop();
}

TEST(LocalFileSink, AppendsAcrossWritesFlushesAndRestarts) {
  TempDir dir;
  auto source = MakeSource("file", "/a.log");
  for (int run = 0; run < 2; ++run) {
    LocalFileSink sink(Config(dir.path()), nullptr);
    ASSERT_TRUE(sink.Start().ok());
    for (int i = 0; i < 3; ++i) {
      BatchBuilder b;
      b.Add(source, "run" + std::to_string(run) + " batch" + std::to_string(i));
      ASSERT_TRUE(sink.Write(b.Take()).ok());
      if (i != 1) {
        ASSERT_TRUE(sink.Flush().ok());  // and once two Writes before one Flush
      }
    }
    sink.Stop();
  }
  const auto lines = SplitLines(ReadFile(dir / "file-2026-11-23.log"));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_NE(lines[0].find("run0 batch0"), std::string::npos);
  EXPECT_NE(lines[5].find("run1 batch2"), std::string::npos);
}

TEST(LocalFileSink, TextFormatWritesReadableLines) {
  TempDir dir;
  LocalFileSinkConfig config = Config(dir.path(), "out.txt");
  config.output_format = "text";
  LocalFileSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  BatchBuilder b;
  b.Add(MakeSource("file", "/var/log/app.log"), "hello");
  ASSERT_TRUE(sink.Write(b.Take()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(ReadFile(dir / "out.txt"), "2026-11-23T10:00:00.123456789Z file:/var/log/app.log hello\n");
}

TEST(LocalFileSink, ContainerNameComesFromEventLabelThenSourceLabelElseUnknown) {
  TempDir dir;
  LocalFileSink sink(Config(dir.path(), "{container_name}.log"), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  auto labelled = MakeSource("docker", "c1", "c1", Labels{{"container_name", "web"}});
  auto bare = MakeSource("docker", "c2", "c2");
  BatchBuilder b;
  b.Add(labelled, "from source label");
  b.AddWithAttributes(labelled, "from event label", Labels{{"container_name", "api"}});
  b.Add(bare, "no label");
  b.Add(labelled, "source label again");
  ASSERT_TRUE(sink.Write(b.Take()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"api.log", "unknown.log", "web.log"}));
  EXPECT_EQ(SplitLines(ReadFile(dir / "web.log")).size(), 2u);
}

TEST(LocalFileSink, SanitisedNamesStayInsideTheDirectoryAndSubdirectoriesAreCreated) {
  TempDir dir;
  LocalFileSink sink(Config(dir / "out", "{source_type}/{source_name}.log"), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  BatchBuilder b;
  b.Add(MakeSource("file", "/x", "../../escape"), "m");
  ASSERT_TRUE(sink.Write(b.Take()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_TRUE(fs::exists(dir / "out/file/_._.._escape.log"));
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"out"}));
}

TEST(LocalFileSink, RotatesBySizeKeepsMaxFilesAndGzipsThem) {
  TempDir dir;
  LocalFileSinkConfig config = Config(dir.path(), "app.log");
  config.rotation = {1, 2, true};  // 1 MiB, keep 2, compress
  LocalFileSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  auto source = MakeSource("file", "/var/log/app.log");
  constexpr int kEvents = 5000;  // ~1.1 KiB each: about 5 MiB, so 4 or 5 rotations
  for (int i = 0; i < kEvents;) {
    BatchBuilder b;
    for (int k = 0; k < 500; ++k, ++i) b.Add(source, Numbered(i, 1000));
    ASSERT_TRUE(sink.Write(b.Take()).ok());
    ASSERT_TRUE(sink.Flush().ok());
  }
  sink.WaitForCompressionForTest();

  const auto rotated = ListRotatedFiles(dir / "app.log");
  ASSERT_EQ(rotated.size(), 2u) << ::testing::PrintToString(ListDir(dir.path()));
  for (const auto& r : rotated) EXPECT_TRUE(r.compressed) << r.path;
  for (const auto& name : ListDir(dir.path())) EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
  const uint64_t rotations = Stat(sink, "rotations");
  EXPECT_GE(rotations, 4u);
  // Rotations can outpace the gzip worker: a rotated file pruned before its turn is deleted
  // uncompressed (compressing it would be wasted). Every file kept is compressed (checked above).
  EXPECT_GE(Stat(sink, "compressed"), 2u);
  EXPECT_LE(Stat(sink, "compressed"), rotations);
  EXPECT_EQ(Stat(sink, "rotated_removed"), rotations - 2);

  // The two kept rotated files and the current one hold the newest events, in order, with no gap.
  std::vector<std::string> lines;
  for (const auto& r : rotated) {
    const std::string text = Gunzip(r.path);
    EXPECT_LE(text.size(), 1u << 20);
    EXPECT_GT(text.size(), (1u << 20) - 2000);
    for (auto& l : SplitLines(text)) lines.push_back(std::move(l));
  }
  const std::string current = ReadFile(dir / "app.log");
  EXPECT_LE(current.size(), 1u << 20);
  for (auto& l : SplitLines(current)) lines.push_back(std::move(l));
  ASSERT_FALSE(lines.empty());
  const int first = NumberOf(lines.front());
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(NumberOf(lines[i]), first + static_cast<int>(i));
  EXPECT_EQ(NumberOf(lines.back()), kEvents - 1);
  sink.Stop();
}

TEST(LocalFileSink, PruningOrdersRotationSequenceNumbersNumerically) {
  TempDir dir;
  LocalFileSinkConfig config = Config(dir.path(), "app.log");
  config.rotation = {1, 3, false};
  LocalFileSink sink(config, nullptr);
  sink.SetClockForTest([] { return kTime; });  // every rotation in the same second: .1, .2, ... .12
  ASSERT_TRUE(sink.Start().ok());
  auto source = MakeSource("file", "/a");
  for (int i = 0; i < 13 * 4; ++i) {  // 4 lines of 250 KiB fill a MiB file
    BatchBuilder b;
    b.Add(source, Numbered(i, 250 * 1024));
    ASSERT_TRUE(sink.Write(b.Take()).ok());
  }
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(Stat(sink, "rotations"), 12u);
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"app.log", "app.log.20261123T100000.10",
                                                           "app.log.20261123T100000.11", "app.log.20261123T100000.12"}));
}

TEST(LocalFileSink, SingleEventLargerThanTheLimitGetsAFileOfItsOwn) {
  TempDir dir;
  LocalFileSinkConfig config = Config(dir.path(), "app.log");
  config.rotation = {1, 5, false};
  LocalFileSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  auto source = MakeSource("file", "/a");
  BatchBuilder b;
  b.Add(source, "small");
  b.Add(source, Numbered(1, 2 << 20));
  b.Add(source, "after");
  ASSERT_TRUE(sink.Write(b.Take()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  const auto rotated = ListRotatedFiles(dir / "app.log");
  ASSERT_EQ(rotated.size(), 2u);
  EXPECT_NE(ReadFile(rotated[0].path).find("small"), std::string::npos);
  EXPECT_GT(ReadFile(rotated[1].path).size(), 2u << 20);
  EXPECT_NE(ReadFile(dir / "app.log").find("after"), std::string::npos);
}

TEST(LocalFileSink, StartCompressesRotatedFilesAPreviousRunLeftBehind) {
  TempDir dir;
  const std::string leftover = dir / "app.log.20261123T100000.1";
  { std::ofstream(leftover) << "old line\n"; }
  LocalFileSinkConfig config = Config(dir.path(), "app.log");
  config.rotation.compress = true;
  LocalFileSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  sink.WaitForCompressionForTest();
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_EQ(Gunzip(leftover + ".gz"), "old line\n");
}

TEST(LocalFileSink, StartFailsClearlyWhenTheDirectoryCannotBeCreated) {
  TempDir dir;
  { std::ofstream(dir / "regular") << "x"; }
  LocalFileSink sink(Config(dir / "regular/sub"), nullptr);
  Status status = sink.Start();
  EXPECT_EQ(status.code(), Status::Code::kIoError);
  EXPECT_NE(status.message().find("Not a directory"), std::string::npos) << status.message();
}

TEST(LocalFileSink, StartRejectsBadFormatAndUnknownPatternVariable) {
  TempDir dir;
  LocalFileSinkConfig bad_format = Config(dir.path());
  bad_format.output_format = "xml";
  EXPECT_EQ(LocalFileSink(bad_format, nullptr).Start().code(), Status::Code::kInvalidArgument);
  LocalFileSink bad_pattern(Config(dir.path(), "{host}.log"), nullptr);
  Status status = bad_pattern.Start();
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find("{host}"), std::string::npos);
}

TEST(LocalFileSink, UnwritableDirectoryIsRetryNotCrashAndRecovers) {
  TempDir dir;
  const std::string out = dir / "out";
  LocalFileSink sink(Config(out), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  // Root can write anywhere, so make the path impossible: the directory becomes a regular file.
  fs::remove_all(out);
  { std::ofstream(out) << "not a directory"; }
  BatchBuilder b;
  b.Add(MakeSource("file", "/a"), "line");
  EventBatch batch = b.Take();
  SinkResult result = sink.Write(batch);
  EXPECT_EQ(result.verdict, SinkVerdict::kRetry);
  EXPECT_NE(result.status.message().find("Not a directory"), std::string::npos) << result.status.ToString();
  EXPECT_GE(Stat(sink, "write_errors"), 1u);

  fs::remove(out);
  ASSERT_TRUE(sink.Write(batch).ok());  // the runner's retry: the directory is created again
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(SplitLines(ReadFile(out + "/file-2026-11-23.log")).size(), 1u);
}

TEST(LocalFileSink, DiskFullIsRetryAndTheLinesWaitForTheNextFlush) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  LocalFileSinkConfig config = Config("/dev", "full");
  LocalFileSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  BatchBuilder b;
  b.Add(MakeSource("file", "/a"), "line");
  ASSERT_TRUE(sink.Write(b.Take()).ok());  // buffered
  for (int attempt = 0; attempt < 2; ++attempt) {
    SinkResult result = sink.Flush();
    EXPECT_EQ(result.verdict, SinkVerdict::kRetry);
    EXPECT_NE(result.status.message().find("No space left on device"), std::string::npos) << result.status.ToString();
  }
  EXPECT_EQ(Stat(sink, "write_errors"), 2u);
  EXPECT_EQ(Stat(sink, "bytes_written"), 0u);
  sink.Stop();  // logs that the line could not be written; must not crash
}

TEST(LocalFileSink, FailedWriteTakesBackItsLinesSoTheRetryDoesNotDuplicate) {
  TempDir dir;
  LocalFileSink sink(Config(dir.path(), "{source_name}.d/out.log"), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  auto good = MakeSource("file", "/good", "good");
  auto bad = MakeSource("file", "/bad", "bad");
  { std::ofstream(dir / "bad.d") << "blocks the directory"; }
  BatchBuilder earlier;
  earlier.Add(good, "earlier");
  ASSERT_TRUE(sink.Write(earlier.Take()).ok());  // buffered before the failing batch: must survive

  BatchBuilder b;
  b.Add(good, "g1");
  b.Add(good, "g2");
  b.Add(bad, "b1");
  b.Add(good, "g3");
  EventBatch batch = b.Take();
  EXPECT_EQ(sink.Write(batch).verdict, SinkVerdict::kRetry);
  fs::remove(dir / "bad.d");
  ASSERT_TRUE(sink.Write(batch).ok());
  ASSERT_TRUE(sink.Flush().ok());
  const auto lines = SplitLines(ReadFile(dir / "good.d/out.log"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find("earlier"), std::string::npos);
  EXPECT_NE(lines[3].find("g3"), std::string::npos);
  EXPECT_EQ(SplitLines(ReadFile(dir / "bad.d/out.log")).size(), 1u);
}

TEST(LocalFileSink, FlushFsyncsEveryFileWrittenSinceTheLastFlush) {
  TempDir dir;
  LocalFileSinkConfig config = Config(dir.path());
  ASSERT_TRUE(config.fsync);  // the default
  LocalFileSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  BatchBuilder b;
  b.Add(MakeSource("file", "/a"), "a");
  b.Add(MakeSource("docker", "c"), "c");
  ASSERT_TRUE(sink.Write(b.Take()).ok());
  EXPECT_EQ(Stat(sink, "syncs"), 0u);
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(Stat(sink, "syncs"), 2u);
  ASSERT_TRUE(sink.Flush().ok());  // nothing new: no sync
  EXPECT_EQ(Stat(sink, "syncs"), 2u);

  config.fsync = false;
  LocalFileSink no_sync(config, nullptr);
  ASSERT_TRUE(no_sync.Start().ok());
  BatchBuilder b2;
  b2.Add(MakeSource("file", "/a"), "a");
  ASSERT_TRUE(no_sync.Write(b2.Take()).ok());
  ASSERT_TRUE(no_sync.Flush().ok());
  EXPECT_EQ(Stat(no_sync, "syncs"), 0u);
  EXPECT_EQ(SplitLines(ReadFile(dir / "file-2026-11-23.log")).size(), 2u);
}

TEST(LocalFileSink, KeepsAtMost64FilesOpenAndLosesNothing) {
  TempDir dir;
  LocalFileSink sink(Config(dir.path(), "{source_name}.log"), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  std::vector<std::shared_ptr<SourceInfo>> sources;
  for (int i = 0; i < 70; ++i) sources.push_back(MakeSource("file", "/s" + std::to_string(i), "s" + std::to_string(i)));
  for (int round = 0; round < 2; ++round) {
    BatchBuilder b;
    for (const auto& s : sources) b.Add(s, "round " + std::to_string(round));
    ASSERT_TRUE(sink.Write(b.Take()).ok());
    EXPECT_LE(Stat(sink, "files_open"), LocalFileSink::kMaxOpenFiles);
  }
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_GE(Stat(sink, "evictions"), 6u);
  for (int i = 0; i < 70; ++i) {
    const auto lines = SplitLines(ReadFile(dir / ("s" + std::to_string(i) + ".log")));
    ASSERT_EQ(lines.size(), 2u) << i;
    EXPECT_NE(lines[1].find("round 1"), std::string::npos);
  }
}

TEST(LocalFileSink, OutputFileDeletedWhileRunningIsCreatedAgain) {
  TempDir dir;
  LocalFileSink sink(Config(dir.path(), "app.log"), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  auto source = MakeSource("file", "/a");
  BatchBuilder first;
  first.Add(source, "first");
  ASSERT_TRUE(sink.Write(first.Take()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  fs::remove(dir / "app.log");
  BatchBuilder second;
  second.Add(source, "second");
  ASSERT_TRUE(sink.Write(second.Take()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  const auto lines = SplitLines(ReadFile(dir / "app.log"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("second"), std::string::npos);
}

TEST(LocalFileSink, FileRenamedAwayByAnOutsideLogrotateIsReopenedAtItsPath) {
  TempDir dir;
  LocalFileSink sink(Config(dir.path(), "app.log"), nullptr);
  ASSERT_TRUE(sink.Start().ok());
  auto source = MakeSource("file", "/a");
  BatchBuilder first;
  first.Add(source, "first");
  ASSERT_TRUE(sink.Write(first.Take()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  fs::rename(dir / "app.log", dir / "app.log.1");
  BatchBuilder second;
  second.Add(source, "second");
  ASSERT_TRUE(sink.Write(second.Take()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(SplitLines(ReadFile(dir / "app.log.1")).size(), 1u);
  const auto lines = SplitLines(ReadFile(dir / "app.log"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("second"), std::string::npos);
}

TEST(LocalFileSink, StopDuringCompressionLeavesOriginalOrGzipNeverATempFile) {
  TempDir dir;
  LocalFileSinkConfig config = Config(dir.path(), "app.log");
  config.rotation = {1, 10, true};
  LocalFileSink sink(config, nullptr);
  ASSERT_TRUE(sink.Start().ok());
  auto source = MakeSource("file", "/a");
  for (int i = 0; i < 12; ++i) {
    BatchBuilder b;
    b.Add(source, Numbered(i, 250 * 1024));
    ASSERT_TRUE(sink.Write(b.Take()).ok());
  }
  ASSERT_TRUE(sink.Flush().ok());
  sink.Stop();  // at once: the worker may be mid-file
  const auto rotated = ListRotatedFiles(dir / "app.log");
  EXPECT_EQ(rotated.size(), 2u);  // each rotation exactly once: as the original or as .gz
  for (const auto& name : ListDir(dir.path())) EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;

  // The next start finishes the job.
  LocalFileSink again(config, nullptr);
  ASSERT_TRUE(again.Start().ok());
  again.WaitForCompressionForTest();
  for (const auto& r : ListRotatedFiles(dir / "app.log")) EXPECT_TRUE(r.compressed) << r.path;
  EXPECT_EQ(ListRotatedFiles(dir / "app.log").size(), 2u);
}

TEST(LocalFileSink, WriteBeforeStartIsRejected) {
  TempDir dir;
  LocalFileSink sink(Config(dir.path()), nullptr);
  BatchBuilder b;
  b.Add(MakeSource("file", "/a"), "x");
  EXPECT_EQ(sink.Write(b.Take()).verdict, SinkVerdict::kReject);
}

TEST(RotatedFiles, NamesParseBackAndUniqueNamesSkipTakenOnes) {
  TempDir dir;
  const std::string base = dir / "a.log";
  const std::string first = UniqueRotatedName(base, kTime);
  EXPECT_EQ(first, base + ".20261123T100000.1");
  { std::ofstream(first + ".gz") << ""; }
  EXPECT_EQ(UniqueRotatedName(base, kTime), base + ".20261123T100000.2");
  std::string parsed_base;
  RotatedFile info;
  ASSERT_TRUE(ParseRotatedName("a.log.20261123T100000.17.gz", &parsed_base, &info));
  EXPECT_EQ(parsed_base, "a.log");
  EXPECT_EQ(info.sequence, 17u);
  EXPECT_TRUE(info.compressed);
  EXPECT_FALSE(ParseRotatedName("a.log", nullptr, nullptr));
  EXPECT_FALSE(ParseRotatedName("a.log.2026112XT100000.1", nullptr, nullptr));
  EXPECT_FALSE(ParseRotatedName("a.log.20261123T100000.", nullptr, nullptr));
  EXPECT_FALSE(ParseRotatedName(".20261123T100000.1", nullptr, nullptr));
}

}  // namespace
}  // namespace logcap
