// Model test: random sequences of append / next / commit / checkpoint / crash (with lost
// unsynced bytes) / reopen, checked step by step against a simple in-memory model.
//
// The model knows exactly which records exist (a crash keeps written bytes; the test itself
// chops bytes that were never synced off the last segment) and reads each reader's persisted
// cursor from disk after a stop, so every Next is checked exactly: the right record, in order,
// never one invented, never one at or before the persisted cursor again. At the end, every record
// whose on_durable fired Ok has been delivered to each reader, and every on_durable ran once.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "buffer/cursor_file.h"
#include "buffer/file_util.h"
#include "wal_test_util.h"

namespace logcap {
namespace {

using namespace logcap::testing;

struct ModelRecord {
  int seq;
  std::string payload;
  uint32_t events;
  WalRecordId id;
  bool lost = false;  // chopped off with unsynced bytes
};

// What the DurableCallbacks reported, written from the sync thread.
struct CallbackLog {
  std::mutex mu;
  std::map<int, int> calls;
  std::set<int> ok;
};

struct ModelReader {
  std::string name;
  std::unique_ptr<WalReader> reader;
  WalRecordId read;          // the last record Next returned (or the resume position)
  WalRecordId committed;     // the last id committed
  WalRecordId checkpointed;  // persisted for sure (Checkpoint returned Ok)
  std::set<int> delivered;
};

class WalModelTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void Run(uint32_t seed, int steps) {
    std::mt19937 rng(seed);
    auto rand = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
    auto log = std::make_shared<CallbackLog>();
    std::vector<ModelRecord> records;
    ModelReader readers[2];
    readers[0].name = "a";
    readers[1].name = "b";
    std::unique_ptr<Wal> wal;
    WalOptions options = TestOptions(dir_.path());
    options.max_segment_size = 64 << 10;
    options.max_total_size = 1ull << 30;
    options.cursor_save_interval = 2 * kNanosPerMilli;

    auto open = [&] {
      options.compress = rand(2) == 0;
      const Nanos intervals[] = {0, kNanosPerMilli, 3 * kNanosPerMilli};
      options.sync_interval = intervals[rand(3)];
      wal = OpenWal(options);
      ASSERT_NE(wal, nullptr);
      for (ModelReader& r : readers) ASSERT_TRUE(wal->OpenReader(r.name, &r.reader).ok());
    };
    // After a stop: each reader resumes at its persisted cursor, read from disk.
    auto load_cursors = [&](bool first) {
      std::vector<LoadedCursor> cursors;
      ASSERT_TRUE(LoadCursors(dir_.path(), &cursors, nullptr).ok());
      ASSERT_EQ(cursors.size(), 2u);
      for (ModelReader& r : readers) {
        for (const LoadedCursor& c : cursors) {
          if (c.name != r.name) continue;
          ASSERT_TRUE(c.valid) << c.problem;
          // A cursor past the end of its (chopped) segment resumes at the segment's last record,
          // as Open clamps it.
          WalRecordId pos = c.position;
          uint64_t last_end = 0;
          for (const ModelRecord& m : records) {
            if (!m.lost && m.id.segment == pos.segment) last_end = std::max(last_end, m.id.offset);
          }
          if (fileutil::Exists(walfiles::SegmentPath(dir_.path(), pos.segment)) && pos.offset > last_end) {
            pos.offset = last_end;
          }
          if (!first) {
            ASSERT_GE(pos, r.checkpointed) << r.name << ": a checkpoint was lost";
            ASSERT_LE(pos, r.committed) << r.name << ": persisted beyond what was committed";
          }
          r.read = r.committed = r.checkpointed = pos;
        }
      }
    };
    auto expected_next = [&](const ModelReader& r) -> const ModelRecord* {
      for (const ModelRecord& m : records) {
        if (!m.lost && m.id > r.read) return &m;
      }
      return nullptr;
    };
    auto check_next = [&](ModelReader& r) {
      std::string payload;
      WalRecordId id;
      uint32_t events = 0;
      const bool got = r.reader->Next(&payload, &id, &events, 0);
      const ModelRecord* want = expected_next(r);
      if (want == nullptr) {
        ASSERT_FALSE(got) << r.name << " got an invented record: " << payload.substr(0, 20);
        return;
      }
      ASSERT_TRUE(got) << r.name << " missed seq " << want->seq;
      ASSERT_EQ(payload.substr(0, 16), want->payload.substr(0, 16)) << r.name;
      ASSERT_EQ(payload, want->payload);
      ASSERT_EQ(id, want->id);
      ASSERT_EQ(events, want->events);
      r.read = id;
      r.delivered.insert(want->seq);
    };
    auto stop = [&](bool crash) {
      for (ModelReader& r : readers) r.reader.reset();
      if (crash) {
        wal->CrashForTesting();
      } else {
        wal->Close();
      }
      wal.reset();
      crashes_ += crash;
      if (crash && rand(2) == 0) {
        ++chops_;
        // Lose some never-synced bytes at the end of the last segment, as a power cut would.
        const std::vector<std::string> segments = SegmentFiles(dir_.path());
        ASSERT_FALSE(segments.empty());
        const std::string& last = segments.back();
        uint64_t number = 0;
        walfiles::ClassifyFileName(last.substr(last.rfind('/') + 1), &number);
        uint64_t keep = 0;
        {
          std::lock_guard<std::mutex> l(log->mu);
          for (const ModelRecord& m : records) {
            if (m.id.segment == number && log->ok.count(m.seq) != 0) keep = std::max(keep, m.id.offset);
          }
        }
        const uint64_t size = FileSizeOf(last);
        const uint64_t cut = keep + rand(static_cast<uint32_t>(size - keep + 1));
        TruncateFile(last, cut);
        for (ModelRecord& m : records) {
          if (m.id.segment == number && m.id.offset > cut) m.lost = true;
        }
      }
      load_cursors(false);
    };

    open();
    load_cursors(true);  // new readers start at the end, and OpenReader saved that
    int seq = 0;
    for (int step = 0; step < steps && !HasFatalFailure(); ++step) {
      const uint32_t op = rand(100);
      if (op < 50) {
        ModelRecord m;
        m.seq = seq++;
        const size_t size = rand(10) == 0 ? rand(100000) : rand(2000);
        m.payload = "seq=" + std::to_string(m.seq) + ";";
        const bool random_bytes = rand(3) == 0;
        while (m.payload.size() < size) {
          m.payload += random_bytes ? static_cast<char>(rng()) : "GET /api/v1/items 200 "[m.payload.size() % 22];
        }
        m.events = rand(1000);
        const int s = m.seq;
        Status st = wal->Append(m.payload, m.events, 0, [log, s](const Status& result) {
          std::lock_guard<std::mutex> l(log->mu);
          ++log->calls[s];
          if (result.ok()) log->ok.insert(s);
        }, &m.id);
        ASSERT_TRUE(st.ok()) << st.ToString();
        if (!records.empty()) {
          ASSERT_GT(m.id, records.back().id) << "ids follow append order";
        }
        records.push_back(std::move(m));
      } else if (op < 78) {
        check_next(readers[rand(2)]);
      } else if (op < 88) {
        ModelReader& r = readers[rand(2)];
        WalRecordId id = r.read;
        if (rand(4) == 0 && id.offset > 0) id.offset -= 1;  // an older id: must not move the cursor back
        r.reader->Commit(id);
        r.committed = std::max(r.committed, id);
      } else if (op < 93) {
        ModelReader& r = readers[rand(2)];
        ASSERT_TRUE(r.reader->Checkpoint().ok());
        r.checkpointed = r.committed;
      } else if (op < 96) {
        std::this_thread::sleep_for(std::chrono::microseconds(500 + rand(3000)));
      } else if (op < 99) {
        stop(/*crash=*/true);
        open();
      } else {
        stop(/*crash=*/false);
        open();
      }
    }
    ASSERT_FALSE(HasFatalFailure());

    // Drain after a clean restart: each reader gets exactly what the model expects.
    stop(/*crash=*/false);
    open();
    for (ModelReader& r : readers) {
      while (expected_next(r) != nullptr && !HasFatalFailure()) check_next(r);
      check_next(r);  // and then nothing more
    }
    for (ModelReader& r : readers) r.reader.reset();
    wal->Close();

    std::lock_guard<std::mutex> l(log->mu);
    size_t durable = 0;
    for (const ModelRecord& m : records) {
      ASSERT_EQ(log->calls[m.seq], 1) << "on_durable of seq " << m.seq << " must run exactly once";
      if (log->ok.count(m.seq) == 0) continue;
      ++durable;
      ASSERT_FALSE(m.lost) << "the test never chops synced bytes";
      for (const ModelReader& r : readers) {
        ASSERT_EQ(r.delivered.count(m.seq), 1u) << "durable seq " << m.seq << " never reached " << r.name;
      }
    }
    EXPECT_GT(durable, records.size() / 2) << "most records should have been synced";
    size_t lost = 0;
    for (const ModelRecord& m : records) lost += m.lost;
    // The run must have exercised what it claims to check.
    EXPECT_GT(crashes_, 10);
    EXPECT_GT(chops_, 5);
    EXPECT_GT(lost, 0u);
    EXPECT_GT(records.back().id.segment, 20u);
  }

  TempDir dir_;
  int crashes_ = 0, chops_ = 0;
};

TEST_P(WalModelTest, RandomOperationsMatchTheModel) { Run(GetParam(), 3000); }

INSTANTIATE_TEST_SUITE_P(Seeds, WalModelTest, ::testing::Values(1u, 2u, 3u, 4u));

}  // namespace
}  // namespace logcap
