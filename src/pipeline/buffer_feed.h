// BufferFeed: a sink's input when the disk buffer is on — its own reader (cursor) of the WAL.
//
// Take() reads the next records after the read position and decodes each into a batch (the
// batch's messages point into the record's bytes: no copy per line). Finish() in order moves the
// sink's cursor (WalReader::Commit); the WAL persists it and frees segments every cursor passed.
// A batch finished kFailed (given up at shutdown) is not committed, nor is anything after it: it
// is read again after the next start (at-least-once).
//
// A record whose checksum is right but whose payload does not decode (a bug, or a buffer written
// by an incompatible version) is logged, counted in log_capturer_logs_dropped_total{stage=
// "buffer",reason="undecodable"} and passed over as an empty batch, so the cursor can move on.
//
// Thread-safety: per SinkFeed.
#pragma once

#include <atomic>
#include <deque>
#include <memory>

#include "buffer/wal.h"
#include "pipeline/sink_feed.h"

namespace prometheus {
class Counter;
}

namespace logcap {

class Metrics;

class BufferFeed : public SinkFeed {
 public:
  // wal (for statistics) and metrics must outlive the feed.
  BufferFeed(std::unique_ptr<WalReader> reader, Wal* wal, Metrics* metrics);

  size_t Take(std::vector<FeedItem>& out, size_t max_batches, Nanos deadline) override;
  void Finish(const FeedItem& item, DeliveryOutcome outcome) override;
  void Close() override { closed_.store(true, std::memory_order_release); }
  void AbandonRemaining() override {}  // it stays on disk for the next start
  bool Exhausted() const override { return exhausted_.load(std::memory_order_acquire); }
  uint64_t PendingBytes() const override;
  std::string StatsJson() const override;

 private:
  std::unique_ptr<WalReader> reader_;
  Wal* wal_;
  prometheus::Counter* undecodable_;
  std::deque<std::pair<uint64_t, WalRecordId>> taken_;  // ticket -> record, in take order
  uint64_t next_ticket_ = 0;
  bool stuck_ = false;  // a batch was given up: commit nothing more this run
  std::string payload_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> exhausted_{false};
  std::atomic<uint64_t> read_batches_{0};
  std::atomic<uint64_t> committed_batches_{0};
};

}  // namespace logcap
