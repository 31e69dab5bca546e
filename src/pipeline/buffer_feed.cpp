#include "pipeline/buffer_feed.h"

#include <spdlog/spdlog.h>

#include "codec/batch_codec.h"
#include "core/json_object.h"
#include "telemetry/metrics.h"

namespace logcap {

BufferFeed::BufferFeed(std::unique_ptr<WalReader> reader, Wal* wal, Metrics* metrics)
    : reader_(std::move(reader)), wal_(wal), undecodable_(&metrics->LogsDropped("buffer", "undecodable")) {}

size_t BufferFeed::Take(std::vector<FeedItem>& out, size_t max_batches, Nanos deadline) {
  size_t taken = 0;
  while (taken < max_batches) {
    // Wait only for the first record; then take what is already there. Once closed, never wait.
    const bool closed = closed_.load(std::memory_order_acquire);
    const Nanos wait = (taken == 0 && !closed) ? deadline : 0;
    WalRecordId id;
    uint32_t event_count = 0;
    payload_.clear();
    if (!reader_->Next(&payload_, &id, &event_count, wait)) {
      if (taken == 0 && closed) exhausted_.store(true, std::memory_order_release);
      break;
    }
    auto batch = std::make_shared<EventBatch>();
    Status s = DecodeBatch(std::move(payload_), batch.get());
    if (!s.ok()) {
      spdlog::error("disk buffer: reader {}: a record ({} events) does not decode and is skipped: {}",
                    reader_->name(), event_count, s.ToString());
      undecodable_->Increment(event_count);
      batch = std::make_shared<EventBatch>();
    }
    payload_ = std::string();
    const uint64_t ticket = next_ticket_++;
    taken_.emplace_back(ticket, id);
    out.push_back(FeedItem{std::move(batch), ticket});
    ++taken;
  }
  read_batches_ += taken;
  return taken;
}

void BufferFeed::Finish(const FeedItem& item, DeliveryOutcome outcome) {
  if (taken_.empty() || taken_.front().first != item.ticket) {
    spdlog::critical("disk buffer: reader {}: batches finished out of order (a bug); not moving the cursor",
                     reader_->name());
    stuck_ = true;
    return;
  }
  const WalRecordId id = taken_.front().second;
  taken_.pop_front();
  if (outcome == DeliveryOutcome::kFailed) stuck_ = true;
  if (stuck_) return;
  reader_->Commit(id);
  ++committed_batches_;
}

uint64_t BufferFeed::PendingBytes() const {
  const WalStats stats = wal_->Stats();
  for (const WalReaderStats& r : stats.readers) {
    if (r.name == reader_->name()) return r.pending_bytes;
  }
  return 0;
}

std::string BufferFeed::StatsJson() const {
  const WalStats stats = wal_->Stats();
  JsonObject json;
  json.AddString("kind", "disk_buffer").Add("read_batches", read_batches_.load()).Add("committed_batches", committed_batches_.load());
  for (const WalReaderStats& r : stats.readers) {
    if (r.name != reader_->name()) continue;
    json.Add("pending_records", r.pending_records).Add("pending_events", r.pending_events).Add("pending_bytes", r.pending_bytes);
  }
  return json.Take();
}

}  // namespace logcap
