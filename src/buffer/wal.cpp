// Wal: appending, readers' registration, statistics and shutdown. Open/recovery is in
// wal_recovery.cpp, the sync thread in wal_sync.cpp.
#include "buffer/wal.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "buffer/cursor_file.h"
#include "buffer/monotonic_deadline.h"
#include "buffer/record_codec.h"
#include "buffer/wal_filenames.h"

namespace logcap {

Wal::Wal(const WalOptions& options)
    : options_(options), dir_(options.directory), last_cursor_save_(MonotonicNowNanos()) {
  // Offsets are 32-bit in the index (segment.h); a quarter of the total keeps kDropOldest and
  // space reclaim from working in half-buffer steps.
  max_segment_size_ = std::min<uint64_t>(options.max_segment_size, std::max<uint64_t>(options.max_total_size / 4, log::kBlockSize));
  max_segment_size_ = std::min<uint64_t>(max_segment_size_, 1ull << 30);
}

Wal::~Wal() { Close(); }

void Wal::SetDropCallback(DropCallback cb) {
  std::lock_guard<std::mutex> l(mu_);
  drop_callback_ = std::move(cb);
}

Status Wal::Append(std::string_view payload, uint32_t event_count, Nanos deadline, DurableCallback on_durable,
                   WalRecordId* id) {
  if (payload.size() > kMaxRecordPayload) {
    return Status::InvalidArgument("record of " + std::to_string(payload.size()) + " bytes is larger than 1 GiB");
  }
  // Framing and compression happen before taking the lock, so appending threads compress in
  // parallel; one encoder per thread keeps the buffers (no allocation per record).
  thread_local RecordEncoder encoder;
  std::string_view head, body;
  encoder.Encode(payload, event_count, options_.compress, &head, &body);
  const uint64_t need = log::MaxPhysicalSize(head.size() + body.size());

  uint64_t lost_events = 0;
  WalRecordId written;
  Status s;
  DropCallback drop_callback;
  {
    std::unique_lock<std::mutex> l(mu_);
    if (closed_) return Status::Unavailable("disk buffer closed");
    if (need > options_.max_total_size) {
      return Status::InvalidArgument("record of " + std::to_string(need) + " bytes on disk exceeds max_total_size");
    }
    s = MakeRoomLocked(need, deadline, l, &lost_events);
    if (s.ok() && (writer_ == nullptr || (writer_->offset() > 0 && writer_->offset() + need > max_segment_size_))) {
      s = RollLocked();
    }
    if (s.ok()) {
      Segment& segment = *segments_.back();
      const uint64_t start = writer_->offset();
      s = writer_->AddRecord(head, body);
      if (!s.ok()) {
        NoteErrorLocked(ErrorSource::kAppend, s);
        if (writer_->broken()) SealActiveLocked();  // its tail is torn: continue in a new segment
      } else {
        const uint64_t end = writer_->offset();
        segment.Add(start, end, event_count);
        disk_bytes_ += end - segment.size;
        segment.size = end;
        ++records_appended_;
        events_appended_ += event_count;
        pending_.push_back(std::move(on_durable));
        if (unsynced_since_ == 0) {
          unsynced_since_ = MonotonicNowNanos();
          if (options_.sync_interval > 0) sync_cv_.notify_one();  // else this thread syncs below
        }
        written = WalRecordId{segment.number, end};
        ClearErrorLocked(ErrorSource::kAppend);
        data_cv_.notify_all();
      }
    }
    if (lost_events > 0) drop_callback = drop_callback_;
  }
  if (drop_callback) drop_callback(lost_events);
  if (!s.ok()) return s;
  if (id != nullptr) *id = written;
  if (options_.sync_interval <= 0) SyncNow();
  return Status::Ok();
}

Status Wal::MakeRoomLocked(uint64_t need, Nanos deadline, std::unique_lock<std::mutex>& lock, uint64_t* lost_events) {
  while (disk_bytes_ + need > options_.max_total_size) {
    if (closed_) return Status::Unavailable("disk buffer closed");
    const size_t sealed = segments_.size() - (writer_ ? 1 : 0);
    if (sealed == 0 && writer_ != nullptr && writer_->offset() > 0) {
      // Only the active segment holds data, and the active segment is never deleted: seal it so
      // that it can be freed (kBlock) or dropped (kDropOldest).
      Status s = RollLocked();
      if (!s.ok()) return s;
      continue;
    }
    if (options_.when_full == WalOptions::WhenFull::kDropOldest) {
      if (sealed == 0) break;  // nothing left to drop (cannot happen: need <= max_total_size)
      DropOldestLocked(lost_events);
      continue;
    }
    if (deadline != 0 && MonotonicNowNanos() >= deadline) return Status::Unavailable("disk buffer full");
    ++blocked_appends_;
    if (cursors_dirty_ && !cursor_save_urgent_) {
      cursor_save_urgent_ = true;  // commits not yet persisted may free a segment: save them now
      sync_cv_.notify_one();
    }
    if (deadline == 0) {
      space_cv_.wait(lock);
    } else {
      space_cv_.wait_until(lock, ToSteadyTimePoint(deadline));
    }
    --blocked_appends_;
  }
  return Status::Ok();
}

Status Wal::RollLocked() {
  if (writer_ != nullptr) SealActiveLocked();
  const uint64_t number = next_segment_++;
  auto segment = std::make_unique<Segment>();
  segment->number = number;
  segment->path = walfiles::SegmentPath(dir_, number);
  fileutil::UniqueFd fd;
  Status s = fileutil::OpenFile(segment->path, O_WRONLY | O_CREAT | O_EXCL, &fd);  // never clobber a segment
  if (!s.ok()) {
    NoteErrorLocked(ErrorSource::kAppend, s);
    return s;
  }
  active_fd_ = fd.Release();
  writer_ = std::make_unique<log::LogWriter>(active_fd_, 0);
  segments_.push_back(std::move(segment));
  dir_dirty_ = true;  // the new file's directory entry must be durable with its first record
  return Status::Ok();
}

void Wal::SealActiveLocked() {
  if (writer_ == nullptr) return;
  segments_.back()->sealed = true;
  unsynced_sealed_.push_back({segments_.back()->number, active_fd_});
  active_fd_ = -1;
  writer_.reset();
  sync_cv_.notify_one();
}

void Wal::DropOldestLocked(uint64_t* lost_events) {
  std::unique_ptr<Segment> segment = std::move(segments_.front());
  segments_.pop_front();
  // What each reader had not yet read from it; the slowest reader's loss is the drop.
  uint64_t max_records = 0, max_events = 0;
  for (const auto& [name, reader] : readers_) {
    const WalRecordId pos = reader->open ? reader->read : reader->committed;
    uint64_t records = 0, events = 0, bytes = 0;
    if (pos.segment < segment->number) {
      records = segment->entries.size();
      events = segment->events;
    } else if (pos.segment == segment->number) {
      segment->CountAfter(pos.offset, &records, &events, &bytes);
    }
    max_records = std::max(max_records, records);
    max_events = std::max(max_events, events);
  }
  dropped_records_ += max_records;
  dropped_events_ += max_events;
  *lost_events += max_events;
  disk_bytes_ -= segment->size;
  // Unlinked under the lock: a reader opens segment files under the lock, so it either gets the
  // file before this (and reads it through its descriptor) or never sees the segment.
  Status s = fileutil::RemoveFile(segment->path);
  if (!s.ok()) NoteErrorLocked(ErrorSource::kAppend, s);
  if (max_events > 0) {
    spdlog::warn("disk buffer {} full: deleted {} holding {} unread events (drop_oldest)", dir_,
                 walfiles::SegmentFileName(segment->number), max_events);
  }
}

Status Wal::OpenReader(const std::string& name, std::unique_ptr<WalReader>* out) {
  // The name becomes a file name (escaped, see wal_filenames.h): keep it well under NAME_MAX.
  if (name.empty() || walfiles::EncodeReaderName(name).size() > 200) {
    return Status::InvalidArgument("disk buffer reader name must be 1 to 200 bytes once escaped for a file name");
  }
  bool is_new = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_) return Status::Unavailable("disk buffer closed");
    std::unique_ptr<ReaderState>& state = readers_[name];
    if (state != nullptr && state->open) return Status::InvalidArgument("disk buffer reader '" + name + "' is already open");
    if (state == nullptr) {
      is_new = true;
      state = std::make_unique<ReaderState>();
      state->name = name;
      state->read = state->committed = state->persisted = EndLocked();
      state->dirty = true;
      cursors_dirty_ = true;
    }
    // A sink re-created in this process gets again what its predecessor read but never committed.
    state->read = state->committed;
    state->open = true;
    state->cached_segment = UINT64_MAX;
    out->reset(new WalReader(this, state.get()));
  }
  if (is_new) {
    // Written now, so that after a crash the reader resumes here and not at a later end.
    Status s = SaveCursorsNow(&name);
    if (!s.ok()) spdlog::warn("disk buffer {}: cannot save the cursor of new reader '{}' yet: {}", dir_, name, s.ToString());
  }
  return Status::Ok();
}

Status Wal::RetainReaders(const std::vector<std::string>& names) {
  const std::set<std::string> keep(names.begin(), names.end());
  std::vector<std::string> forget;
  Status result;
  {
    std::lock_guard<std::mutex> io(cursor_io_mu_);  // no cursor save may recreate a file we delete
    {
      std::lock_guard<std::mutex> l(mu_);
      for (const auto& [name, reader] : readers_) {
        if (keep.count(name) != 0) continue;
        if (reader->open) return Status::InvalidArgument("disk buffer reader '" + name + "' is open");
        forget.push_back(name);
      }
      for (const std::string& name : forget) readers_.erase(name);
    }
    for (const std::string& name : forget) {
      Status s = RemoveCursor(dir_, name);
      if (!s.ok() && result.ok()) result = s;
      spdlog::info("disk buffer {}: forgot reader '{}'", dir_, name);
    }
  }
  DeleteObsoleteSegments();
  return result;
}

Segment* Wal::FindSegmentLocked(uint64_t number) const {
  auto it = std::lower_bound(segments_.begin(), segments_.end(), number,
                             [](const std::unique_ptr<Segment>& s, uint64_t n) { return s->number < n; });
  return it == segments_.end() ? nullptr : it->get();
}

WalRecordId Wal::EndLocked() const {
  if (writer_ != nullptr) return WalRecordId{segments_.back()->number, writer_->offset()};
  if (!segments_.empty() && segments_.back()->number + 1 == next_segment_) {
    return WalRecordId{segments_.back()->number, segments_.back()->LastEnd()};
  }
  return WalRecordId{next_segment_, 0};
}

bool Wal::SegmentNeededLocked(const Segment& segment) const {
  if (segment.entries.empty()) return false;
  for (const auto& [name, reader] : readers_) {
    const WalRecordId& pos = reader->persisted;
    if (pos.segment < segment.number || (pos.segment == segment.number && segment.LastEnd() > pos.offset)) return true;
  }
  return false;
}

void Wal::NoteErrorLocked(ErrorSource source, const Status& s) {
  const bool changed = last_error_ != s.ToString();
  last_error_ = s.ToString();
  last_error_source_ = source;
  const Nanos now = MonotonicNowNanos();
  // The same error repeating (a full disk) is logged every 10 s, not once per call.
  if (changed || now - last_error_log_ >= 10 * kNanosPerSecond) {
    last_error_log_ = now;
    spdlog::warn("disk buffer {}: {}", dir_, last_error_);
  }
}

void Wal::ClearErrorLocked(ErrorSource source) {
  if (last_error_source_ != source) return;
  last_error_.clear();
  last_error_source_ = ErrorSource::kNone;
}

WalStats Wal::Stats() const {
  std::lock_guard<std::mutex> l(mu_);
  WalStats st;
  st.segments = segments_.size();
  st.disk_bytes = disk_bytes_;
  st.records_appended = records_appended_;
  st.events_appended = events_appended_;
  st.corrupt_records = corrupt_records_;
  st.corrupt_bytes = corrupt_bytes_;
  st.torn_tail_bytes = torn_tail_bytes_;
  st.dropped_records = dropped_records_;
  st.dropped_events = dropped_events_;
  st.full = blocked_appends_ > 0;
  st.last_error = last_error_;
  for (const auto& [name, reader] : readers_) {
    WalReaderStats rs;
    rs.name = name;
    const WalRecordId& pos = reader->committed;
    for (auto it = std::lower_bound(segments_.begin(), segments_.end(), pos.segment,
                                    [](const std::unique_ptr<Segment>& s, uint64_t n) { return s->number < n; });
         it != segments_.end(); ++it) {
      uint64_t records = 0, events = 0, bytes = 0;
      (*it)->CountAfter((*it)->number == pos.segment ? pos.offset : 0, &records, &events, &bytes);
      rs.pending_records += records;
      rs.pending_events += events;
      rs.pending_bytes += bytes;
    }
    st.readers.push_back(std::move(rs));
  }
  return st;
}

void Wal::Close() { Stop(/*crash=*/false); }

void Wal::CrashForTesting() { Stop(/*crash=*/true); }

void Wal::Stop(bool crash) {
  std::lock_guard<std::mutex> once(close_mu_);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_) return;
    closed_ = true;
    stop_thread_ = true;
  }
  data_cv_.notify_all();
  space_cv_.notify_all();
  sync_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();

  if (!crash) {
    SyncNow();
    Status s = SaveCursorsNow(nullptr);
    if (!s.ok()) spdlog::error("disk buffer {}: cursors not saved at close: {}", dir_, s.ToString());
    DeleteObsoleteSegments();
  }
  std::vector<DurableCallback> abandoned;
  {
    std::lock_guard<std::mutex> sl(sync_mu_);  // no sync is using the descriptors
    std::lock_guard<std::mutex> l(mu_);
    CloseFilesLocked();
    abandoned.swap(pending_);
  }
  // Only after a crash can records still wait for a sync: they never got one.
  for (auto& cb : abandoned) {
    if (cb) cb(Status::Aborted("disk buffer stopped before the record was synced"));
  }
  lock_.reset();
}

void Wal::CloseFilesLocked() {
  for (const UnsyncedFile& f : unsynced_sealed_) ::close(f.fd);
  unsynced_sealed_.clear();
  if (writer_ != nullptr) segments_.back()->sealed = true;
  writer_.reset();
  if (active_fd_ >= 0) ::close(active_fd_);
  active_fd_ = -1;
}

}  // namespace logcap
