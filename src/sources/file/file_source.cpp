#include "sources/file/file_source.h"
#include "core/thread_name.h"
#include "core/json_object.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "telemetry/metrics.h"

namespace logcap {

std::atomic<uint64_t> FileSource::next_stream_id_{1};

namespace {

constexpr Nanos kMaxRescanGap = 100 * kNanosPerMilli;  // directory events trigger at most this often
constexpr size_t kReadsPerTurn = 4;
constexpr size_t kMinReadBuffer = 4096;
constexpr size_t kMaxFingerprint = 64 * 1024;
constexpr uint64_t kSlowPollFactor = 8;  // files inotify keeps us informed about: every 8th poll tick

Nanos ToNanos(Duration d) { return static_cast<Nanos>(d.count()) * kNanosPerMilli; }
Nanos AtLeast(Nanos v, Nanos floor) { return v < floor ? floor : v; }

TailOptions MakeTailOptions(const FileMonitorConfig& c) {
  TailOptions o;
  o.read_buffer_size = std::max<size_t>(static_cast<size_t>(c.read_buffer_size), kMinReadBuffer);
  o.max_line_size = std::max<size_t>(static_cast<size_t>(c.max_line_size), 1);
  o.fingerprint_size = std::min<size_t>(static_cast<size_t>(c.fingerprint_size), kMaxFingerprint);
  o.turn_bytes = o.read_buffer_size * kReadsPerTurn;
  return o;
}

}  // namespace

FileSource::FileSource(std::string name, FileMonitorConfig config, std::string positions_directory,
                       Duration positions_flush_interval, MultilineLookup multiline)
    : FileSource(std::move(name), std::move(config), std::move(positions_directory), PositionsStore::kFileName,
                 positions_flush_interval, nullptr, std::move(multiline)) {}

FileSource::FileSource(std::string name, FileMonitorConfig config, std::string positions_directory,
                       std::string positions_file, Duration positions_flush_interval,
                       std::shared_ptr<TailProfile> profile, MultilineLookup multiline)
    : name_(std::move(name)),
      config_(std::move(config)),
      positions_directory_(std::move(positions_directory)),
      positions_file_(std::move(positions_file)),
      profile_(std::move(profile)),
      multiline_(std::move(multiline)),
      flush_interval_(AtLeast(ToNanos(positions_flush_interval), 10 * kNanosPerMilli)),
      poll_interval_(AtLeast(ToNanos(config_.poll_interval), 10 * kNanosPerMilli)),
      scan_interval_(AtLeast(ToNanos(config_.scan_interval), 10 * kNanosPerMilli)),
      rescan_gap_(std::min(scan_interval_, kMaxRescanGap)),
      rotate_wait_(ToNanos(config_.rotate_wait)),
      partial_timeout_(ToNanos(config_.partial_line_timeout)),
      filter_(config_.include, config_.exclude),
      tail_options_(MakeTailOptions(config_)) {
  for (const auto& [key, value] : config_.labels) labels_.Set(key, value);
}

FileSource::~FileSource() {
  Stop();
  CloseAll();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Status FileSource::Start(const SourceContext& context) {
  if (started_) return Status::Aborted("file source " + name_ + " already started");
  if (context.output == nullptr) return Status::InvalidArgument("file source needs an output");
  context_ = context;
  context_.max_batch_events = std::max<size_t>(context.max_batch_events, 1);
  tail_options_.max_batch_events = context_.max_batch_events;

  Metrics* metrics = context.metrics;
  if (metrics == nullptr) {
    own_metrics_ = std::make_unique<Metrics>();
    metrics = own_metrics_.get();
  }
  m_.truncated_lines = &metrics->LinesTruncated(name_);
  m_.bytes_read = &metrics->BytesRead(name_);
  m_.opened = &metrics->FileEvents(name_, "opened");
  m_.closed = &metrics->FileEvents(name_, "closed");
  m_.rotated = &metrics->FileEvents(name_, "rotated");
  m_.truncated = &metrics->FileEvents(name_, "truncated");
  m_.read_error = &metrics->FileEvents(name_, "read_error");
  m_.saves_ok = &metrics->PositionSaves("success");
  m_.saves_failed = &metrics->PositionSaves("failed");
  m_.files_monitored = &metrics->FilesMonitored();

  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status::IoErrorFromErrno("eventfd", errno);
  watcher_ = std::make_unique<InotifyWatcher>();

  if (!positions_directory_.empty()) {
    store_ = std::make_unique<PositionsStore>(positions_directory_, positions_file_);
    std::vector<PositionEntry> entries;
    load_result_ = store_->Load(&entries);
    for (auto& e : entries) saved_[e.identity.key] = std::move(e);
  } else {
    spdlog::warn("file source {}: no positions directory: positions are not saved", name_);
  }

  Scan(/*first=*/true);
  const Nanos now = MonotonicNowNanos();
  next_poll_ = now + poll_interval_;
  next_flush_ = now + flush_interval_;
  started_ = true;
  spdlog::info("file source {}: started, {} files open", name_, files_.size());
  thread_ = std::thread([this] {
    SetCurrentThreadName("file-reader");
    Run();
  });
  return Status::Ok();
}

void FileSource::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  const uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof(one)) < 0) {
    // The loop still sees stop_ at its next wake-up (at most one poll interval later).
  }
  thread_.join();
}

void FileSource::RequestRescan() {
  rescan_asked_.store(true, std::memory_order_release);
  const uint64_t one = 1;
  if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof(one)) < 0) {
    // Full or closed: the scan still comes at scan_interval.
  }
}

Status FileSource::Finish() {
  Stop();
  if (!started_ || finished_) return Status::Ok();
  finished_ = true;
  Status s = SavePositions(/*force=*/true);
  CloseAll();
  return s;
}

std::string FileSource::StatsJson() const {
  auto v = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return JsonObject()
      .Add("files_open", v(stats_.files_open))
      .Add("files_opened", v(stats_.files_opened))
      .Add("files_closed", v(stats_.files_closed))
      .Add("rotations", v(stats_.rotations))
      .Add("truncations", v(stats_.truncations))
      .Add("read_errors", v(stats_.read_errors))
      .Add("lines", v(stats_.lines))
      .Add("batches", v(stats_.batches))
      .Add("bytes_read", v(stats_.bytes))
      .Add("lines_truncated", v(stats_.truncated_lines))
      .Add("position_saves", v(stats_.position_saves))
      .Add("position_save_failures", v(stats_.position_save_failures))
      .Take();
}

// ---------------------------------------------------------------- output

bool FileSource::PushBatch(EventBatch&& batch, size_t truncated_lines) {
  const size_t lines = batch.size();
  // The dispatcher counts captured events and flags a paused source for every source in one place.
  if (!context_.output->Push(std::move(batch))) return false;
  stats_.lines.fetch_add(lines, std::memory_order_relaxed);
  stats_.batches.fetch_add(1, std::memory_order_relaxed);
  if (truncated_lines > 0) {
    stats_.truncated_lines.fetch_add(truncated_lines, std::memory_order_relaxed);
    m_.truncated_lines->Increment(static_cast<double>(truncated_lines));
  }
  return true;
}

uint64_t FileSource::NewStreamId() { return next_stream_id_.fetch_add(1, std::memory_order_relaxed); }

// ---------------------------------------------------------------- loop

Nanos FileSource::NextDeadline() const {
  Nanos d = std::min({next_poll_, next_scan_, next_flush_});
  if (rescan_requested_) d = std::min(d, last_scan_ + rescan_gap_);
  return d;
}

void FileSource::Run() {
  pollfd fds[2];
  fds[0] = pollfd{wake_fd_, POLLIN, 0};
  fds[1] = pollfd{watcher_->fd(), POLLIN, 0};
  while (!stop_.load(std::memory_order_acquire)) {
    int timeout_ms = 0;
    if (ready_.empty()) {
      const Nanos wait = NextDeadline() - MonotonicNowNanos();
      timeout_ms = wait <= 0 ? 0 : static_cast<int>(std::min<Nanos>((wait + kNanosPerMilli - 1) / kNanosPerMilli, 60000));
    }
    const int rc = ::poll(fds, 2, timeout_ms);
    if (stop_.load(std::memory_order_acquire)) break;
    if (rc > 0 && (fds[0].revents & POLLIN) != 0) {
      uint64_t count;
      if (::read(wake_fd_, &count, sizeof(count)) < 0) {
        // EAGAIN: another wake-up already drained it.
      }
    }
    if (rescan_asked_.exchange(false, std::memory_order_acq_rel)) rescan_requested_ = true;
    if (rc > 0 && (fds[1].revents & POLLIN) != 0) HandleInotify();

    Nanos now = MonotonicNowNanos();
    if (now >= next_scan_ || (rescan_requested_ && now >= last_scan_ + rescan_gap_)) Scan(/*first=*/false);
    if (now >= next_poll_) {
      PollTick(now);
      next_poll_ = now + poll_interval_;
    }
    ReadReady();
    if (pipeline_closed_) {
      spdlog::info("file source {}: the pipeline is closed; reading stops", name_);
      break;
    }
    now = MonotonicNowNanos();
    if (now >= next_flush_) {
      (void)SavePositions(/*force=*/false);
      next_flush_ = now + flush_interval_;
    }
  }
}

void FileSource::HandleInotify() {
  watcher_->ReadEvents([this](const InotifyWatcher::Event& ev) {
    if ((ev.mask & IN_Q_OVERFLOW) != 0) {
      rescan_requested_ = true;
      for (auto& f : files_) Enqueue(f.get());
      return;
    }
    auto it = by_watch_.find(ev.wd);
    if (it != by_watch_.end()) {
      TailedFile* file = it->second;
      file->last_event = MonotonicNowNanos();
      if ((ev.mask & IN_IGNORED) != 0) {
        file->watch = -1;
        by_watch_.erase(it);
        return;
      }
      Enqueue(file);
      if ((ev.mask & (IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB)) != 0) rescan_requested_ = true;
      return;
    }
    if ((ev.mask & IN_IGNORED) != 0) return;  // a released file's watch, or a directory (handled by the watcher)
    if ((ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_ISDIR)) != 0) {
      rescan_requested_ = true;
      return;
    }
    const std::string* dir = watcher_->DirectoryOf(ev.wd);
    if (dir == nullptr || ev.name.empty()) return;
    std::string path = JoinPath(*dir, ev.name);
    const bool matching = by_path_.count(path) != 0 || filter_.Accepts(path);
    if (matching) rescan_requested_ = true;
    if ((ev.mask & IN_MOVED_FROM) != 0 && matching) {
      if (move_from_.size() > 4096) move_from_.clear();  // unpaired moves (to unwatched directories)
      move_from_[ev.cookie] = std::move(path);
    } else if ((ev.mask & IN_MOVED_TO) != 0) {
      auto from = move_from_.find(ev.cookie);
      if (from != move_from_.end()) {
        if (!matching) renamed_out_.emplace_back(std::move(from->second), std::move(path));
        move_from_.erase(from);
        rescan_requested_ = true;
      }
    }
  });
}

void FileSource::Enqueue(TailedFile* file) {
  if (file->queued) return;
  file->queued = true;
  ready_.push_back(file);
}

void FileSource::ReadReady() {
  size_t n = ready_.size();
  while (n-- > 0 && !ready_.empty() && !pipeline_closed_ && !stop_.load(std::memory_order_relaxed)) {
    TailedFile* file = ready_.front();
    ready_.pop_front();
    file->queued = false;
    if (!file->CanRead()) continue;  // enqueued again when its predecessor has drained
    const TailedFile::TurnResult r = file->ReadTurn(*this);
    AfterTurn(file, r);
  }
}

void FileSource::AfterTurn(TailedFile* file, const TailedFile::TurnResult& r) {
  if (r.bytes > 0) {
    stats_.bytes.fetch_add(r.bytes, std::memory_order_relaxed);
    m_.bytes_read->Increment(static_cast<double>(r.bytes));
  }
  if (r.closed) {
    pipeline_closed_ = true;
    return;
  }
  if (r.truncated) {
    ++structure_changes_;
    spdlog::info("file source {}: {} was truncated; reading it again from the start", name_, file->path());
    stats_.truncations.fetch_add(1, std::memory_order_relaxed);
    m_.truncated->Increment();
  }
  if (r.read_error) {
    CountReadError(file->path(), "read " + file->path() + ": " + std::strerror(r.error));
  } else if (r.bytes > 0 && unreadable_.erase(file->path()) != 0) {
    spdlog::info("file source {}: {} is readable again", name_, file->path());
  }
  const Nanos now = MonotonicNowNanos();
  if (r.deleted && file->state() == TailedFile::State::kActive) {
    Rotate(file, now, /*deleted=*/true);
    rescan_requested_ = true;
  }
  if (r.more) Enqueue(file);
  if (file->successor != nullptr && file->drained_since_rotation()) Enqueue(file->successor);
  MaybeRelease(file, now);  // may destroy file: keep last
}

void FileSource::PollTick(Nanos now) {
  HandleInotify();  // so that only writes inotify really missed look unreported below
  const bool full = ++poll_ticks_ % kSlowPollFactor == 0;
  const Nanos full_period = poll_interval_ * static_cast<Nanos>(kSlowPollFactor);
  std::vector<TailedFile*> files;
  files.reserve(files_.size());
  for (auto& f : files_) files.push_back(f.get());
  for (TailedFile* file : files) {
    if (pipeline_closed_) return;
    const bool fast = file->watch < 0 || file->inotify_silent || file->state() == TailedFile::State::kRotated;
    if (full || fast) {
      if (!file->Refresh()) continue;
      if (file->size() != file->read_offset()) {
        if (!file->queued && !fast && file->CanRead() && now - file->last_event > full_period) {
          spdlog::info("file source {}: inotify missed a write to {}; polling it every {} ms", name_, file->path(),
                       poll_interval_ / kNanosPerMilli);
          file->inotify_silent = true;
        }
        Enqueue(file);
      }
      if (file->deleted() && file->state() == TailedFile::State::kActive) {
        Rotate(file, now, /*deleted=*/true);
        rescan_requested_ = true;
      }
    }
    if (file->has_partial() && file->CanRead() && !file->FlushPartialIfIdle(*this, now, partial_timeout_)) {
      pipeline_closed_ = true;
      return;
    }
    MaybeRelease(file, now);  // may destroy file
  }
}

// ---------------------------------------------------------------- positions

std::vector<PositionEntry> FileSource::Snapshot() {
  std::vector<PositionEntry> out;
  out.reserve(files_.size() + released_.size() + saved_.size());
  for (const auto& f : files_) out.push_back(f->Position());
  for (auto it = released_.begin(); it != released_.end();) {
    if (it->tracker->pending() == 0) {
      it = released_.erase(it);  // gone and finished: forget it
      continue;
    }
    PositionEntry e = it->entry;
    e.offset = it->tracker->committed_offset();
    out.push_back(std::move(e));
    ++it;
  }
  for (const auto& [key, entry] : saved_) out.push_back(entry);
  std::sort(out.begin(), out.end(), [](const PositionEntry& a, const PositionEntry& b) {
    if (a.path != b.path) return a.path < b.path;
    if (a.identity.key.dev != b.identity.key.dev) return a.identity.key.dev < b.identity.key.dev;
    return a.identity.key.inode < b.identity.key.inode;
  });
  return out;
}

Status FileSource::SavePositions(bool force) {
  if (!store_) return Status::Ok();
  // Committed offsets only grow within a stream generation, and every other change (open, move,
  // release, truncation) bumps structure_changes_: an unchanged signature means nothing to save,
  // without building a snapshot of every file.
  uint64_t signature = structure_changes_ * 0x9E3779B97F4A7C15ull + saved_.size();
  for (const auto& f : files_) signature += f->tracker()->committed_offset();
  for (const auto& r : released_) signature += r.tracker->committed_offset() + r.tracker->pending() * 0x100000001B3ull;
  if (!force && saved_once_ && signature == last_saved_signature_) return Status::Ok();
  std::vector<PositionEntry> snapshot = Snapshot();
  if (!force && saved_once_ && snapshot == last_saved_) {
    last_saved_signature_ = signature;
    return Status::Ok();
  }
  Status s = store_->Save(snapshot);
  if (s.ok()) {
    last_saved_ = std::move(snapshot);
    last_saved_signature_ = signature;
    saved_once_ = true;
    stats_.position_saves.fetch_add(1, std::memory_order_relaxed);
    m_.saves_ok->Increment();
    if (save_failing_) spdlog::info("file source {}: positions saved again", name_);
    save_failing_ = false;
  } else {
    stats_.position_save_failures.fetch_add(1, std::memory_order_relaxed);
    m_.saves_failed->Increment();
    if (!save_failing_) spdlog::error("file source {}: cannot save positions: {}", name_, s.ToString());
    save_failing_ = true;
  }
  return s;
}

void FileSource::CloseAll() {
  for (auto& f : files_) {
    if (f->watch >= 0 && watcher_) watcher_->RemoveFile(f->watch);
    if (m_.files_monitored != nullptr) m_.files_monitored->Decrement();
    stats_.files_open.fetch_sub(1, std::memory_order_relaxed);
  }
  files_.clear();
  by_key_.clear();
  by_path_.clear();
  last_at_path_.clear();
  by_watch_.clear();
  ready_.clear();
}

}  // namespace logcap
