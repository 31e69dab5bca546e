// Compression round trips, and concurrent appends and readers (run under TSan too).
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "wal_test_util.h"

namespace logcap {
namespace {

using namespace logcap::testing;

std::string LogText(int i, size_t lines) {
  std::string s;
  for (size_t l = 0; l < lines; ++l) {
    s += "2026-11-23T10:00:" + std::to_string(l % 60) + ".123Z INFO [worker-" + std::to_string(l % 8) +
         "] request " + std::to_string(i) + "/" + std::to_string(l) + " completed in 12ms path=/api/v1/items\n";
  }
  return s;
}

TEST(CompressionTest, RoundTripsWithCompressionOnAndOff) {
  std::mt19937 rng(3);
  std::string random_bytes(50000, '\0');
  for (char& c : random_bytes) c = static_cast<char>(rng());
  // Letters compress to ~60%: a compressed record still spread over many blocks.
  std::string letters(300000, '\0');
  for (char& c : letters) c = static_cast<char>('a' + rng() % 26);
  const std::vector<std::string> payloads = {LogText(1, 1000), "", "tiny", random_bytes, letters, LogText(2, 3)};
  for (bool compress : {false, true}) {
    TempDir dir;
    WalOptions o = TestOptions(dir.path());
    o.compress = compress;
    auto wal = OpenWal(o);
    std::unique_ptr<WalReader> reader;
    ASSERT_TRUE(wal->OpenReader("r", &reader).ok());
    uint64_t total = 0;
    for (const auto& p : payloads) {
      ASSERT_TRUE(AppendNoWait(wal.get(), p, 7).ok());
      total += p.size();
    }
    auto got = ReadAvailable(reader.get());
    EXPECT_EQ(Payloads(got), payloads) << "compress=" << compress;
    for (const auto& r : got) EXPECT_EQ(r.events, 7u);
    const uint64_t disk = wal->Stats().disk_bytes;
    if (compress) {
      EXPECT_LT(disk, total * 3 / 4) << "log text and letters compress";
    } else {
      EXPECT_GT(disk, total);
    }
    // A buffer written with compression reads back with it switched off, and vice versa.
    reader.reset();
    wal->Close();
    o.compress = !compress;
    wal = OpenWal(o);
    ASSERT_TRUE(wal->OpenReader("r", &reader).ok());
    EXPECT_EQ(Payloads(ReadAvailable(reader.get())), payloads);
    reader.reset();
  }
}

TEST(ConcurrencyTest, TwoWritersTwoReadersKeepPerWriterOrder) {
  TempDir dir;
  WalOptions o = TestOptions(dir.path());
  o.compress = true;
  o.max_segment_size = 128 << 10;
  o.max_total_size = 1 << 20;  // small: writers block until readers commit
  o.sync_interval = kNanosPerMilli;
  o.cursor_save_interval = 2 * kNanosPerMilli;
  auto wal = OpenWal(o);
  std::unique_ptr<WalReader> readers[2];
  ASSERT_TRUE(wal->OpenReader("r0", &readers[0]).ok());
  ASSERT_TRUE(wal->OpenReader("r1", &readers[1]).ok());
  constexpr int kPerWriter = 400;
  std::atomic<int> durable{0};
  std::atomic<bool> stop_stats{false};

  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string p = "w" + std::to_string(w) + " " + std::to_string(i) + " " + LogText(i, 1 + i % 40);
        Status s = wal->Append(p, 1, 0, [&](const Status& st) { durable += st.ok(); });
        ASSERT_TRUE(s.ok()) << s.ToString();
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      int next[2] = {0, 0};
      int seen = 0;
      std::string payload;
      WalRecordId id;
      uint32_t events;
      while (seen < 2 * kPerWriter) {
        ASSERT_TRUE(readers[r]->Next(&payload, &id, &events, MonotonicNowNanos() + 10 * kNanosPerSecond))
            << "reader " << r << " stalled after " << seen;
        const int w = payload[1] - '0';
        const int i = std::stoi(payload.substr(3));
        ASSERT_EQ(i, next[w]) << "writer " << w << "'s records out of order";
        ++next[w];
        ++seen;
        if (seen % (r == 0 ? 5 : 50) == 0) readers[r]->Commit(id);  // different speeds of committing
      }
      readers[r]->Commit(id);
    });
  }
  std::thread stats([&] {
    while (!stop_stats) {
      WalStats st = wal->Stats();
      EXPECT_LE(st.disk_bytes, o.max_total_size);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  for (auto& t : threads) t.join();
  stop_stats = true;
  stats.join();
  for (auto& r : readers) r.reset();
  wal->Close();
  EXPECT_EQ(durable.load(), 2 * kPerWriter);
}

}  // namespace
}  // namespace logcap
