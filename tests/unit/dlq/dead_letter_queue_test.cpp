#include "dlq/dead_letter_queue.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "dlq/dlq_file_names.h"
#include "unit/dlq/dlq_test_util.h"

namespace logcap {
namespace {

using namespace dlq_test;

TEST(DeadLetterQueueTest, AppendsAndReadsBackEveryField) {
  TempDir dir;
  DlqOptions o = Options(dir.path() + "/nested/dlq");  // the directory is created
  o.retention = 100000 * kDay;                          // the fixed times below stay live whatever the date
  auto q = OpenQueue(o);
  ASSERT_NE(q, nullptr);
  DlqEntry a = Entry(1, "http", "bad_request", 1795428000LL * kNanosPerSecond + 5);
  a.error = "HTTP 400: {\"error\":\"line\nbreak\"} \xFF";  // escaped in the file, invalid UTF-8 replaced
  a.attempts = 7;
  a.first_attempt = a.last_attempt - 3 * kNanosPerSecond - 1;
  DlqEntry b = Entry(2, "loki", "too_large");  // zero times: set to the time of the Append
  b.event_json += "\n";                         // the encoder's newline is dropped
  const Nanos before = WallNowNanos();
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{a, b}).ok());
  const Nanos after = WallNowNanos();

  auto files = DataFiles(dir.path() + "/nested/dlq");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0], "dlq-00000000000000000001.ndjson");
  const std::string text = ReadFile(dir.path() + "/nested/dlq/" + files[0]);
  EXPECT_TRUE(text.starts_with("{\"time\":\"2026-11-23T10:00:00.000000005Z\",\"sink\":\"http\",\"reason\":"
                               "\"bad_request\",\"error\":\"HTTP 400: {\\\"error\\\":\\\"line\\nbreak\\\"} \xEF\xBF\xBD\","
                               "\"attempts\":7,\"first_attempt\":\"2026-11-23T09:59:57.000000004Z\",\"last_attempt\":"
                               "\"2026-11-23T10:00:00.000000005Z\",\"event\":{\"timestamp\""))
      << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);

  auto back = ReadBack(*q);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].entry.sink, "http");
  EXPECT_EQ(back[0].entry.reason, "bad_request");
  EXPECT_EQ(back[0].entry.error, "HTTP 400: {\"error\":\"line\nbreak\"} \xEF\xBF\xBD");
  EXPECT_EQ(back[0].entry.attempts, 7u);
  EXPECT_EQ(back[0].entry.first_attempt, a.first_attempt);
  EXPECT_EQ(back[0].entry.last_attempt, a.last_attempt);
  EXPECT_EQ(back[0].entry.event_json, a.event_json);
  EXPECT_EQ(back[0].file, files[0]);
  EXPECT_EQ(back[0].offset, 0u);
  EXPECT_EQ(back[1].entry.sink, "loki");
  EXPECT_EQ(back[1].entry.reason, "too_large");
  EXPECT_EQ(back[1].entry.event_json, Entry(2).event_json);
  EXPECT_GE(back[1].entry.last_attempt, before);
  EXPECT_LE(back[1].entry.last_attempt, after);
  EXPECT_EQ(back[1].entry.first_attempt, back[1].entry.last_attempt);
  EXPECT_EQ(back[1].offset, text.find('\n') + 1);

  // Reading back with "deliver = false" changes nothing.
  EXPECT_EQ(ReadBack(*q).size(), 2u);
  const DlqStats s = q->Stats();
  EXPECT_EQ(s.entries, 2u);
  EXPECT_EQ(s.written_total, 2u);
  EXPECT_EQ(s.replayed_total, 0u);
  EXPECT_EQ(s.bytes, text.size());
}

TEST(DeadLetterQueueTest, RejectsEventsThatAreNotOneObjectOnOneLine) {
  TempDir dir;
  auto q = OpenQueue(Options(dir.path()));
  for (const char* bad : {"", "   ", "[1,2]", "{\"a\":1", "{\"a\":\n1}", "\"text\""}) {
    DlqEntry e = Entry(1);
    e.event_json = bad;
    Status s = q->Append(std::vector<DlqEntry>{Entry(0), e});
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("entry 1"), std::string::npos) << s.message();
  }
  EXPECT_EQ(q->Stats().entries, 0u);
  EXPECT_TRUE(q->Append(std::vector<DlqEntry>{}).ok());
  EXPECT_TRUE(DataFiles(dir.path()).empty());
}

TEST(DeadLetterQueueTest, StatsSurviveAReopenAndEveryOpenStartsANewFile) {
  TempDir dir;
  const Nanos t0 = WallNowNanos() - kDay;
  DlqStats before;
  {
    auto q = OpenQueue(Options(dir.path()));
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1, "http", "bad_request", t0 + 10),
                                                Entry(2, "http", "bad_request", t0 + 5),
                                                Entry(3, "http", "too_large", t0 + 20)})
                    .ok());
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(4, "loki", "bad_request", t0 + 30)}).ok());
    before = q->Stats();
    EXPECT_EQ(before.entries, 4u);
    EXPECT_EQ(before.files, 1u);
    EXPECT_EQ(before.oldest, t0 + 5);
    EXPECT_EQ(before.written_total, 4u);
  }
  auto q = OpenQueue(Options(dir.path()));
  DlqStats after = q->Stats();
  EXPECT_EQ(after.entries, 4u);
  EXPECT_EQ(after.bytes, before.bytes);
  EXPECT_EQ(after.files, 1u);
  EXPECT_EQ(after.oldest, t0 + 5);
  EXPECT_EQ(after.live_by_sink_reason, before.live_by_sink_reason);
  EXPECT_EQ((after.live_by_sink_reason[{"http", "bad_request"}]), 2u);
  EXPECT_EQ((after.live_by_sink_reason[{"http", "too_large"}]), 1u);
  EXPECT_EQ((after.live_by_sink_reason[{"loki", "bad_request"}]), 1u);
  EXPECT_EQ(after.written_total, 0u);  // counters count since Open
  EXPECT_EQ(after.torn_lines, 0u);

  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(5)}).ok());
  EXPECT_EQ(DataFiles(dir.path()),
            (std::vector<std::string>{"dlq-00000000000000000001.ndjson", "dlq-00000000000000000002.ndjson"}));
  EXPECT_EQ(q->Stats().files, 2u);
  EXPECT_EQ(q->Stats().entries, 5u);
}

TEST(DeadLetterQueueTest, StatsJsonHasTheApiShape) {
  TempDir dir;
  auto q = OpenQueue(Options(dir.path()));
  EXPECT_EQ(q->StatsJson(),
            "{\"entries\":0,\"bytes\":0,\"files\":0,\"oldest\":null,\"by_sink\":{},\"written_total\":0,"
            "\"replayed_total\":0,\"expired_total\":0,\"evicted_total\":0,\"write_errors\":0,\"torn_lines\":0,"
            "\"corrupt_lines\":0}");
  const Nanos t = 1795428000LL * kNanosPerSecond;  // 2026-11-23T10:00:00Z
  // Retention would remove entries this old at once; judge them by a long retention here.
  DlqOptions o = Options(dir.path());
  o.retention = 100000 * kDay;
  q.reset();
  q = OpenQueue(o);
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1, "http", "bad_request", t), Entry(2, "http", "bad_request", t + 1),
                                              Entry(3, "http", "too_large", t + 2), Entry(4, "lo\"ki", "x", t + 3)})
                  .ok());
  const std::string json = q->StatsJson();
  const std::string bytes = std::to_string(q->Stats().bytes);
  EXPECT_EQ(json, "{\"entries\":4,\"bytes\":" + bytes +
                      ",\"files\":1,\"oldest\":\"2026-11-23T10:00:00.000000000Z\",\"by_sink\":{\"http\":{\"bad_request\":2,"
                      "\"too_large\":1},\"lo\\\"ki\":{\"x\":1}},\"written_total\":4,\"replayed_total\":0,"
                      "\"expired_total\":0,\"evicted_total\":0,\"write_errors\":0,\"torn_lines\":0,\"corrupt_lines\":0}");
}

TEST(DeadLetterQueueTest, TornLastLineIsCutOffAndCounted) {
  TempDir dir;
  std::string file;
  {
    auto q = OpenQueue(Options(dir.path()));
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1), Entry(2)}).ok());
    file = dir.path() + "/" + DataFiles(dir.path())[0];
  }
  const std::string whole = ReadFile(file);
  {
    std::ofstream out(file, std::ios::app | std::ios::binary);
    out << "{\"time\":\"2026-11-23T10:00:00Z\",\"sink\":\"http\",\"reason\":\"bad_req";  // a crash mid-write
  }
  {
    auto q = OpenQueue(Options(dir.path()));
    DlqStats s = q->Stats();
    EXPECT_EQ(s.entries, 2u);
    EXPECT_EQ(s.torn_lines, 1u);
    EXPECT_EQ(s.bytes, whole.size());
    EXPECT_EQ(ReadFile(file), whole);  // cut off
    auto back = ReadBack(*q);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(IdOf(back[1].entry), 2);
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(3)}).ok());
  }
  auto q = OpenQueue(Options(dir.path()));
  EXPECT_EQ(q->Stats().entries, 3u);
  EXPECT_EQ(q->Stats().torn_lines, 0u);
}

TEST(DeadLetterQueueTest, CorruptCompleteLinesAreSkippedAndCounted) {
  TempDir dir;
  std::string file;
  {
    auto q = OpenQueue(Options(dir.path()));
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1)}).ok());
    file = dir.path() + "/" + DataFiles(dir.path())[0];
  }
  {
    std::ofstream out(file, std::ios::app | std::ios::binary);
    out << "this is not json\n{\"sink\":\"http\",\"reason\":\"r\"}\n";  // garbage, then no event
  }
  {
    auto q = OpenQueue(Options(dir.path()));
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(2)}).ok());
  }
  auto q = OpenQueue(Options(dir.path()));
  EXPECT_EQ(q->Stats().corrupt_lines, 2u);
  auto back = ReadBack(*q);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(IdOf(back[0].entry), 1);
  EXPECT_EQ(IdOf(back[1].entry), 2);
}

TEST(DeadLetterQueueTest, RetentionRemovesWholeOldFiles) {
  TempDir dir;
  const Nanos now = WallNowNanos();
  {
    auto q = OpenQueue(Options(dir.path()));
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1, "http", "a", now - 6 * kDay),
                                                Entry(2, "http", "a", now - 6 * kDay + 1)})
                    .ok());
  }
  auto q = OpenQueue(Options(dir.path()));
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(3, "http", "a", now)}).ok());
  ASSERT_EQ(DataFiles(dir.path()).size(), 2u);

  // A day and a half later the first file's newest entry is 7.5 days old: gone; the second stays.
  ASSERT_TRUE(q->EnforceLimits(now + kDay + kDay / 2).ok());
  EXPECT_EQ(DataFiles(dir.path()), (std::vector<std::string>{"dlq-00000000000000000002.ndjson"}));
  DlqStats s = q->Stats();
  EXPECT_EQ(s.expired_total, 2u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.files, 1u);

  // Past everything's retention: the active file goes too, and the next Append starts a new one.
  ASSERT_TRUE(q->EnforceLimits(now + 8 * kDay).ok());
  EXPECT_TRUE(DataFiles(dir.path()).empty());
  EXPECT_EQ(q->Stats().expired_total, 3u);
  EXPECT_EQ(q->Stats().entries, 0u);
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(4)}).ok());
  EXPECT_EQ(DataFiles(dir.path()), (std::vector<std::string>{"dlq-00000000000000000003.ndjson"}));

  // Entries older than the retention when they arrive are removed by that Append's own check.
  auto q2 = OpenQueue(Options(dir.path()));
  ASSERT_TRUE(q2->Append(std::vector<DlqEntry>{Entry(5, "http", "a", now - 30 * kDay)}).ok());
  EXPECT_EQ(q2->Stats().expired_total, 1u);
  EXPECT_EQ(q2->Stats().entries, 1u);  // entry 4, from the earlier file
}

TEST(DeadLetterQueueTest, SizeLimitEvictsTheOldestFiles) {
  TempDir dir;
  DlqOptions o = Options(dir.path());
  o.max_file_size = 4096;
  o.max_total_size = 16384;
  auto q = OpenQueue(o);
  std::string pad(700, 'p');
  for (int i = 0; i < 100; ++i) {
    DlqEntry e = Entry(i);
    e.error = pad;
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{e}).ok());
    const DlqStats s = q->Stats();
    ASSERT_LE(s.bytes, o.max_total_size);
  }
  const DlqStats s = q->Stats();
  EXPECT_GT(s.evicted_total, 0u);
  EXPECT_EQ(s.evicted_total + s.entries, 100u);
  EXPECT_GE(s.files, 3u);
  uint64_t on_disk = 0;
  for (const auto& name : DataFiles(dir.path())) {
    const uint64_t size = std::filesystem::file_size(dir.path() + "/" + name);
    EXPECT_LE(size, o.max_file_size) << name;
    on_disk += size;
  }
  EXPECT_EQ(on_disk, s.bytes);
  // What is left is the newest entries, in order.
  auto back = ReadBack(*q);
  ASSERT_EQ(back.size(), s.entries);
  for (size_t i = 0; i < back.size(); ++i) EXPECT_EQ(IdOf(back[i].entry), static_cast<int>(100 - back.size() + i));
}

TEST(DeadLetterQueueTest, ReplayFiltersBySinkAndReasonAndStopsAtMaxEntries) {
  TempDir dir;
  auto q = OpenQueue(Options(dir.path()));
  std::vector<DlqEntry> entries;
  for (int i = 0; i < 12; ++i) {
    entries.push_back(Entry(i, i % 2 == 0 ? "http" : "loki", i % 3 == 0 ? "bad_request" : "too_large"));
  }
  ASSERT_TRUE(q->Append(entries).ok());
  auto ids = [](const std::vector<DlqStoredEntry>& v) {
    std::vector<int> out;
    for (const auto& e : v) out.push_back(IdOf(e.entry));
    return out;
  };
  EXPECT_EQ(ids(ReadBack(*q, {"http", "", UINT64_MAX})), (std::vector<int>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(ids(ReadBack(*q, {"", "bad_request", UINT64_MAX})), (std::vector<int>{0, 3, 6, 9}));
  EXPECT_EQ(ids(ReadBack(*q, {"loki", "bad_request", UINT64_MAX})), (std::vector<int>{3, 9}));
  EXPECT_EQ(ids(ReadBack(*q, {"", "", 5})), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(ReadBack(*q, {"kafka", "", UINT64_MAX}).empty());

  // Delivering the http ones leaves only loki's.
  uint64_t delivered = 0, failed = 0;
  ReplayAll(*q, {"http", "", UINT64_MAX}, [](const DlqStoredEntry&) { return true; }, 4, &delivered, &failed);
  EXPECT_EQ(delivered, 6u);
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(ids(ReadBack(*q)), (std::vector<int>{1, 3, 5, 7, 9, 11}));
  const DlqStats s = q->Stats();
  EXPECT_EQ(s.entries, 6u);
  EXPECT_EQ(s.replayed_total, 6u);
  EXPECT_EQ(s.live_by_sink_reason.count({"http", "bad_request"}), 0u);
  EXPECT_EQ((s.live_by_sink_reason.at({"loki", "bad_request"})), 2u);
}

TEST(DeadLetterQueueTest, ReplayHandsEntriesInChunks) {
  TempDir dir;
  auto q = OpenQueue(Options(dir.path()));
  std::vector<DlqEntry> entries;
  for (int i = 0; i < 10; ++i) entries.push_back(Entry(i));
  ASSERT_TRUE(q->Append(entries).ok());
  std::vector<size_t> sizes;
  uint64_t delivered = 0, failed = 0;
  Status s = q->Replay(
      {}, 3,
      [&](std::span<const DlqStoredEntry> chunk) {
        sizes.push_back(chunk.size());
        return std::vector<bool>(chunk.size() - 1, true);  // one answer short: the last one counts as failed
      },
      &delivered, &failed);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 3, 1}));
  EXPECT_EQ(delivered, 6u);
  EXPECT_EQ(failed, 4u);
  EXPECT_EQ(q->Stats().entries, 4u);
}

TEST(DeadLetterQueueTest, PartialSuccessKeepsOnlyTheUndelivered) {
  TempDir dir;
  {
    auto q = OpenQueue(Options(dir.path()));
    std::vector<DlqEntry> entries;
    for (int i = 0; i < 10; ++i) entries.push_back(Entry(i));
    ASSERT_TRUE(q->Append(entries).ok());
    uint64_t delivered = 0, failed = 0;
    auto seen = ReplayAll(*q, {}, [](const DlqStoredEntry& e) { return IdOf(e.entry) % 2 == 0; }, 4, &delivered,
                          &failed);
    EXPECT_EQ(seen.size(), 10u);
    EXPECT_EQ(delivered, 5u);
    EXPECT_EQ(failed, 5u);
    // The second replay sees only the odd ones.
    auto again = ReadBack(*q);
    ASSERT_EQ(again.size(), 5u);
    for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(IdOf(again[i].entry), static_cast<int>(2 * i + 1));
    EXPECT_EQ(q->Stats().entries, 5u);
    EXPECT_EQ(q->Stats().replayed_total, 5u);
    // The data file is not rewritten: the marks are in the sidecar.
    EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"dlq-00000000000000000001.ndjson",
                                                             "dlq-00000000000000000001.ndjson.done"}));
  }
  // And after a restart.
  auto q = OpenQueue(Options(dir.path()));
  EXPECT_EQ(q->Stats().entries, 5u);
  auto after = ReadBack(*q);
  ASSERT_EQ(after.size(), 5u);
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(IdOf(after[i].entry), static_cast<int>(2 * i + 1));
  // Delivering the rest removes the file and its sidecar.
  ReplayAll(*q, {}, [](const DlqStoredEntry&) { return true; });
  EXPECT_TRUE(ListDir(dir.path()).empty());
  EXPECT_EQ(q->Stats().entries, 0u);
  EXPECT_EQ(q->Stats().files, 0u);
}

TEST(DeadLetterQueueTest, FullyReplayedFilesAreDeletedWithTheirSidecars) {
  TempDir dir;
  {
    auto q = OpenQueue(Options(dir.path()));
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1, "http"), Entry(2, "loki")}).ok());
  }
  auto q = OpenQueue(Options(dir.path()));
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(3, "http")}).ok());
  // Deliver only http: file 1 keeps loki's entry (and gets a sidecar); file 2, the active one, is
  // fully replayed and goes.
  ReplayAll(*q, {"http", "", UINT64_MAX}, [](const DlqStoredEntry&) { return true; });
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"dlq-00000000000000000001.ndjson",
                                                           "dlq-00000000000000000001.ndjson.done"}));
  ReplayAll(*q, {}, [](const DlqStoredEntry&) { return true; });
  EXPECT_TRUE(ListDir(dir.path()).empty());
  const DlqStats s = q->Stats();
  EXPECT_EQ(s.files, 0u);
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(s.replayed_total, 3u);
  EXPECT_EQ(s.oldest, 0);
  // Appends carry on in a new file.
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(4)}).ok());
  EXPECT_EQ(DataFiles(dir.path()), (std::vector<std::string>{"dlq-00000000000000000003.ndjson"}));
  EXPECT_EQ(ReadBack(*q).size(), 1u);
}

TEST(DeadLetterQueueTest, OpenRemovesOrphanSidecarsAndFullyDoneFiles) {
  TempDir dir;
  {
    auto q = OpenQueue(Options(dir.path()));
    ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1), Entry(2)}).ok());
  }
  const std::string data = dir.path() + "/dlq-00000000000000000001.ndjson";
  const std::string text = ReadFile(data);
  {
    // Both offsets marked done, as if the process died before deleting the file; plus a torn mark
    // and an orphan sidecar.
    std::ofstream done(data + ".done");
    done << "0\n" << text.find('\n') + 1 << "\n12";
    std::ofstream orphan(dir.path() + "/dlq-00000000000000000009.ndjson.done");
    orphan << "0\n";
    std::ofstream other(dir.path() + "/unrelated.txt");
    other << "kept";
  }
  auto q = OpenQueue(Options(dir.path()));
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"unrelated.txt"}));
  EXPECT_EQ(q->Stats().entries, 0u);
  // Sequences continue after the last data file seen.
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(3)}).ok());
  EXPECT_EQ(DataFiles(dir.path()), (std::vector<std::string>{"dlq-00000000000000000002.ndjson"}));
}

TEST(DeadLetterQueueTest, OnlyOneReplayAtATimeAndDeliverMayAppend) {
  TempDir dir;
  auto q = OpenQueue(Options(dir.path()));
  ASSERT_TRUE(q->Append(std::vector<DlqEntry>{Entry(1), Entry(2)}).ok());
  Status inner;
  uint64_t delivered = 0;
  Status s = q->Replay(
      {}, 10,
      [&](std::span<const DlqStoredEntry> chunk) {
        inner = q->Replay({}, 1, [](std::span<const DlqStoredEntry> c) { return std::vector<bool>(c.size(), true); },
                          nullptr, nullptr);
        // A sink rejecting again puts entries back while the replay runs: no lock is held here.
        EXPECT_TRUE(q->Append(std::vector<DlqEntry>{Entry(100)}).ok());
        EXPECT_TRUE(q->Stats().written_total > 0);
        return std::vector<bool>(chunk.size(), true);
      },
      &delivered, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(inner.code(), Status::Code::kUnavailable);
  EXPECT_EQ(delivered, 2u);
  auto back = ReadBack(*q);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(IdOf(back[0].entry), 100);
}

TEST(DeadLetterQueueTest, LimitsDuringAReplayDoNotPullTheFileFromUnderIt) {
  TempDir dir;
  auto q = OpenQueue(Options(dir.path()));
  std::vector<DlqEntry> entries;
  for (int i = 0; i < 10; ++i) entries.push_back(Entry(i));
  ASSERT_TRUE(q->Append(entries).ok());
  int calls = 0;
  uint64_t delivered = 0;
  Status s = q->Replay(
      {}, 2,
      [&](std::span<const DlqStoredEntry> chunk) {
        if (++calls == 1) {
          // Everything expires while the first chunk is being delivered.
          EXPECT_TRUE(q->EnforceLimits(WallNowNanos() + 30 * kDay).ok());
          EXPECT_EQ(q->Stats().files, 0u);
          EXPECT_EQ(q->Stats().expired_total, 10u);
          // The file is pinned: still there until the replay lets go.
          EXPECT_EQ(DataFiles(dir.path()).size(), 1u);
        }
        return std::vector<bool>(chunk.size(), true);
      },
      &delivered, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(calls, 1);  // the replay stopped at the removed file
  EXPECT_EQ(delivered, 2u);
  EXPECT_TRUE(ListDir(dir.path()).empty());  // and no sidecar was left behind
}

TEST(DeadLetterQueueTest, ConcurrentAppendsWhileReplaying) {
  TempDir dir;
  DlqOptions o = Options(dir.path());
  o.max_file_size = 8 * 1024;  // many files: rolls and deletions happen during the replays
  auto q = OpenQueue(o);
  constexpr int kThreads = 2, kPerThread = 600, kPerCall = 3;
  std::atomic<bool> writers_done{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i += kPerCall) {
        std::vector<DlqEntry> batch;
        for (int k = 0; k < kPerCall; ++k) batch.push_back(Entry(t * kPerThread + i + k, t == 0 ? "http" : "loki"));
        Status s = q->Append(batch);
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    });
  }
  std::multiset<int> delivered_ids;
  std::atomic<int> stats_reads{0};
  std::thread reader([&] {
    while (!writers_done) {
      (void)q->StatsJson();
      ++stats_reads;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  auto replay_once = [&] {
    uint64_t delivered = 0;
    Status s = q->Replay(
        {}, 7,
        [&](std::span<const DlqStoredEntry> chunk) {
          std::vector<bool> ok;
          for (const auto& e : chunk) {
            const int id = IdOf(e.entry);
            const bool take = id % 5 != 0 || writers_done;  // some fail at first
            if (take) delivered_ids.insert(id);
            ok.push_back(take);
          }
          return ok;
        },
        &delivered, nullptr);
    EXPECT_TRUE(s.ok()) << s.ToString();
  };
  for (int round = 0; round < 20; ++round) replay_once();
  for (auto& w : writers) w.join();
  writers_done = true;
  reader.join();
  replay_once();
  replay_once();

  EXPECT_EQ(delivered_ids.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<int> unique(delivered_ids.begin(), delivered_ids.end());
  EXPECT_EQ(unique.size(), delivered_ids.size()) << "an entry was delivered twice";
  const DlqStats s = q->Stats();
  EXPECT_EQ(s.written_total, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(s.replayed_total, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(s.entries, 0u);
  EXPECT_EQ(s.files, 0u);
  EXPECT_EQ(s.write_errors, 0u);
  EXPECT_TRUE(ListDir(dir.path()).empty());
  EXPECT_GT(stats_reads.load(), 0);
}

}  // namespace
}  // namespace logcap
