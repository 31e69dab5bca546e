// Wal: the background work. One thread fdatasyncs written records (then runs their
// DurableCallbacks in append order), saves dirty cursors, and deletes segments that every
// reader's persisted cursor has passed.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

#include "buffer/cursor_file.h"
#include "buffer/monotonic_deadline.h"
#include "buffer/wal.h"

namespace logcap {

void Wal::SyncThreadMain() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_thread_) {
    const Nanos now = MonotonicNowNanos();
    Nanos wake = INT64_MAX;
    bool sync = false, save = false;
    if (unsynced_since_ != 0) {
      const Nanos due = unsynced_since_ + std::max<Nanos>(options_.sync_interval, 0);
      if (now >= due) {
        sync = true;
      } else {
        wake = std::min(wake, due);
      }
    } else if (!unsynced_sealed_.empty()) {
      sync = true;  // sealed after the last sync started: only its close and `synced` mark wait
    }
    if (cursors_dirty_) {
      const Nanos due = last_cursor_save_ + options_.cursor_save_interval;
      // An Append waiting for space cannot wait a whole interval for a commit to free a segment.
      if (now >= due || cursor_save_urgent_) {
        save = true;
      } else {
        wake = std::min(wake, due);
      }
    }
    if (!sync && !save) {
      if (wake == INT64_MAX) {
        sync_cv_.wait(l);
      } else {
        sync_cv_.wait_until(l, ToSteadyTimePoint(wake));
      }
      continue;
    }
    l.unlock();
    if (sync) SyncNow();
    if (save) {
      Status s = SaveCursorsNow(nullptr);
      (void)s;  // noted in last_error; retried after the interval
    }
    DeleteObsoleteSegments();
    l.lock();
  }
}

void Wal::SyncNow() {
  std::lock_guard<std::mutex> sl(sync_mu_);
  std::vector<UnsyncedFile> files;
  int active_fd = -1;
  uint64_t active_segment = 0;
  bool sync_dir = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    files.swap(unsynced_sealed_);
    if (writer_ != nullptr) {
      active_fd = active_fd_;
      active_segment = segments_.back()->number;
    }
    sync_dir = dir_dirty_;
    dir_dirty_ = false;
    syncing_.swap(pending_);  // everything written so far is in `files` or the active file
    unsynced_since_ = 0;
  }
  if (files.empty() && active_fd < 0 && !sync_dir && syncing_.empty()) return;

  // Descriptors are closed only under sync_mu_ (here, or by Stop), so they stay valid while the
  // Wal rolls to new segments meanwhile.
  Status s;
  for (const UnsyncedFile& f : files) {
    if (fdatasync(f.fd) != 0 && s.ok()) s = Status::IoErrorFromErrno("fdatasync segment " + std::to_string(f.segment), errno);
    ::close(f.fd);
  }
  if (active_fd >= 0 && !syncing_.empty() && fdatasync(active_fd) != 0 && s.ok()) {
    s = Status::IoErrorFromErrno("fdatasync segment " + std::to_string(active_segment), errno);
  }
  if (sync_dir) {
    Status d = fileutil::SyncDir(dir_);
    if (!d.ok() && s.ok()) s = d;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const UnsyncedFile& f : files) {
      Segment* segment = FindSegmentLocked(f.segment);
      if (segment != nullptr && segment->number == f.segment) segment->synced = true;
    }
    if (!s.ok()) {
      // After a failed fdatasync the kernel may have dropped the dirty pages: the file's state
      // is unknown and a retry would prove nothing. Continue in a new segment; the callers get
      // the error and still own their records.
      NoteErrorLocked(ErrorSource::kSync, s);
      if (writer_ != nullptr && active_fd_ == active_fd) SealActiveLocked();
      if (sync_dir) dir_dirty_ = true;
    } else {
      ClearErrorLocked(ErrorSource::kSync);
    }
  }
  for (DurableCallback& cb : syncing_) {
    if (cb) cb(s);
  }
  syncing_.clear();
}

Status Wal::SaveCursorsNow(const std::string* only) {
  std::lock_guard<std::mutex> io(cursor_io_mu_);
  std::vector<CursorRecord> batch;
  {
    std::lock_guard<std::mutex> l(mu_);
    bool still_dirty = false;
    for (auto& [name, reader] : readers_) {
      if (!reader->dirty) continue;
      if (only != nullptr && name != *only) {
        still_dirty = true;
        continue;
      }
      batch.push_back({name, reader->committed});
      reader->dirty = false;
    }
    cursors_dirty_ = still_dirty;
    if (only == nullptr) {
      last_cursor_save_ = MonotonicNowNanos();
      cursor_save_urgent_ = false;
    }
  }
  if (batch.empty()) return Status::Ok();
  std::vector<bool> saved;
  Status s = SaveCursors(dir_, batch, &saved);
  std::lock_guard<std::mutex> l(mu_);
  for (size_t i = 0; i < batch.size(); ++i) {
    auto it = readers_.find(batch[i].name);
    if (it == readers_.end()) continue;
    ReaderState& reader = *it->second;
    if (saved[i]) {
      reader.persisted = std::max(reader.persisted, batch[i].position);
    } else {
      reader.dirty = true;
      cursors_dirty_ = true;
    }
  }
  if (!s.ok()) {
    last_cursor_save_ = MonotonicNowNanos();  // retry after an interval, not in a loop
    NoteErrorLocked(ErrorSource::kCursor, s);
  } else {
    ClearErrorLocked(ErrorSource::kCursor);
  }
  return s;
}

void Wal::DeleteObsoleteSegments() {
  std::vector<std::string> paths;
  {
    std::lock_guard<std::mutex> l(mu_);
    // Oldest first, and never the active segment nor one whose records are not yet synced.
    while (segments_.size() > (writer_ != nullptr ? 1u : 0u)) {
      const Segment& segment = *segments_.front();
      if (!segment.sealed || !segment.synced || SegmentNeededLocked(segment)) break;
      paths.push_back(segment.path);
      disk_bytes_ -= segment.size;
      segments_.pop_front();
    }
  }
  if (paths.empty()) return;
  for (const std::string& path : paths) {
    Status s = fileutil::RemoveFile(path);
    if (!s.ok()) spdlog::warn("disk buffer {}: {}", dir_, s.ToString());
  }
  space_cv_.notify_all();
}

}  // namespace logcap
