#include "sinks/local_file/local_file_sink.h"
#include "core/json_object.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <spdlog/spdlog.h>

#include "sinks/common/fd_io.h"
#include "sinks/local_file/rotated_files.h"

namespace logcap {

namespace {

constexpr Nanos kNanosPerDay = 86400 * kNanosPerSecond;
constexpr size_t kMaxCacheEntries = 16;

int64_t DayOf(Nanos t) { return t / kNanosPerDay - ((t % kNanosPerDay) < 0 ? 1 : 0); }

// The end of the line that contains byte w - 1 (w itself when w is a line start).
size_t LineEnd(const std::string& buffer, size_t w) {
  if (w == 0 || buffer[w - 1] == '\n') return w;
  const size_t nl = buffer.find('\n', w);
  return nl == std::string::npos ? buffer.size() : nl + 1;
}

}  // namespace

struct LocalFileSink::OutputFile {
  std::string path;
  int fd = -1;
  uint64_t disk_size = 0;  // bytes in the file: its size when opened plus what we wrote since
  // [0, written): in the file but kept until fdatasync succeeds (fsync mode only);
  // [written, size): not written yet. The buffer always starts at a line boundary.
  std::string buffer;
  size_t written = 0;
  size_t batch_mark = 0;          // buffer size when the current Write() first touched this file
  uint64_t batch_generation = 0;  // the Write() that set batch_mark
  uint64_t flush_epoch = 0;       // the Flush() epoch in which it was last written to
  bool unsynced = false;          // written to since the last fdatasync
  uint64_t last_use = 0;
  Nanos last_write = 0;  // monotonic
};

LocalFileSink::LocalFileSink(const LocalFileSinkConfig& config, Metrics* metrics)
    : config_(config), metrics_(metrics) {}

LocalFileSink::~LocalFileSink() { Stop(); }

Status LocalFileSink::Start() {
  const auto format = ParseOutputFormat(config_.output_format);
  if (!format) {
    return Status::InvalidArgument("sinks.local_file.output_format must be json or text, not \"" +
                                   config_.output_format + "\"");
  }
  format_ = *format;
  Status status = FilenamePattern::Parse(config_.filename_pattern, &pattern_);
  if (!status.ok()) return status;
  uses_date_ = pattern_.Uses(FilenamePattern::Var::kDate);
  uses_container_ = pattern_.Uses(FilenamePattern::Var::kContainerName);

  directory_ = config_.directory;
  while (directory_.size() > 1 && directory_.back() == '/') directory_.pop_back();
  if (directory_.empty()) return Status::InvalidArgument("sinks.local_file.directory must not be empty");
  if (const int err = MakeDirectories(directory_); err != 0) {
    return Status::IoErrorFromErrno("sinks.local_file.directory: cannot create " + directory_, err);
  }
  max_bytes_ = config_.rotation.max_size_mb * kMiB;

  if (config_.rotation.compress && config_.rotation.max_files > 0) {
    gzip_.Start();
    const int depth = static_cast<int>(std::count(config_.filename_pattern.begin(), config_.filename_pattern.end(), '/'));
    for (auto& [rotated, base] : FindUncompressedRotatedFiles(directory_, depth)) {
      if (!gzip_.TryEnqueue({rotated, base, config_.rotation.max_files})) break;
    }
  }
  started_ = true;
  return Status::Ok();
}

Status LocalFileSink::FileError(const char* what, const std::string& path, int err) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  return Status::IoErrorFromErrno(std::string(what) + " " + path, err);
}

LocalFileSink::OutputFile* LocalFileSink::Resolve(const EventBatch& batch, const Event& e, Status* error) {
  const Nanos t = e.timestamp();
  const int64_t day = uses_date_ ? DayOf(t) : 0;
  std::string_view container = "unknown";
  bool per_event = false;  // the path depends on this event's own labels: do not cache it
  if (uses_container_) {
    const EventAttributes* attributes = batch.AttributesOf(e);
    const std::string* value = attributes ? attributes->labels.Find("container_name") : nullptr;
    if (value != nullptr) {
      per_event = true;
    } else if (e.source != nullptr) {
      value = e.source->labels.Find("container_name");
    }
    if (value != nullptr) container = *value;
  }

  OutputFile* f = nullptr;
  if (!per_event) {
    for (const CacheEntry& c : cache_) {
      if (c.source == e.source && c.day == day) {
        f = c.file;
        break;
      }
    }
  }
  if (f == nullptr) {
    path_scratch_ = directory_;
    path_scratch_.push_back('/');
    char date[10];
    FormatDate(t, date);
    pattern_.Render(std::string_view(date, sizeof(date)), e.source, container, path_scratch_);
    auto it = files_.find(path_scratch_);
    if (it != files_.end()) {
      f = it->second.get();
    } else {
      if (files_.size() >= kMaxOpenFiles) {
        *error = EvictLeastRecent();
        if (!error->ok()) return nullptr;
      }
      auto file = std::make_unique<OutputFile>();
      file->path = path_scratch_;
      *error = OpenFile(*file);
      if (!error->ok()) return nullptr;
      f = file.get();
      files_.emplace(path_scratch_, std::move(file));
    }
    if (!per_event) {
      if (cache_.size() >= kMaxCacheEntries) cache_.clear();
      cache_.push_back({e.source, day, f});
    }
  }
  if (f->fd < 0) {
    *error = OpenFile(*f);
    if (!error->ok()) return nullptr;
  }
  f->last_use = ++use_clock_;
  return f;
}

Status LocalFileSink::OpenFile(OutputFile& f) {
  constexpr int kFlags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;
  int fd = ::open(f.path.c_str(), kFlags, 0644);
  if (fd < 0 && errno == ENOENT) {
    // The directory is missing (a pattern with subdirectories, or it was removed).
    if (const int err = MakeDirectories(DirName(f.path)); err != 0) {
      return FileError("create directory for", f.path, err);
    }
    fd = ::open(f.path.c_str(), kFlags, 0644);
  }
  if (fd < 0) return FileError("open", f.path, errno);
  struct stat st {};
  f.disk_size = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  f.fd = fd;
  files_open_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status LocalFileSink::WriteRange(OutputFile& f, size_t upto) {
  if (upto <= f.written) return Status::Ok();
  if (f.fd < 0) {
    Status status = OpenFile(f);
    if (!status.ok()) return status;
  }
  size_t n = 0;
  const int err = WriteFully(f.fd, f.buffer.data() + f.written, upto - f.written, &n);
  f.written += n;
  f.disk_size += n;
  if (n > 0) {
    f.unsynced = true;
    bytes_written_.fetch_add(n, std::memory_order_relaxed);
  }
  if (!config_.fsync) ReleaseWritten(f);
  if (err != 0) return FileError("write", f.path, err);
  return Status::Ok();
}

Status LocalFileSink::WritePending(OutputFile& f) { return WriteRange(f, f.buffer.size()); }

void LocalFileSink::ReleaseWritten(OutputFile& f) {
  // Keep a line that was cut by a short write: the buffer must start at a line boundary.
  size_t cut = f.written;
  if (cut > 0 && f.buffer[cut - 1] != '\n') {
    const size_t nl = f.buffer.rfind('\n', cut - 1);
    cut = nl == std::string::npos ? 0 : nl + 1;
  }
  if (cut == 0) return;
  f.buffer.erase(0, cut);
  f.written -= cut;
  f.batch_mark = f.batch_mark > cut ? f.batch_mark - cut : 0;
}

Status LocalFileSink::SyncFile(OutputFile& f) {
  if (f.fd < 0 || !f.unsynced) return Status::Ok();
  if (::fdatasync(f.fd) != 0 && errno != EINVAL) {  // EINVAL: a special file that cannot sync
    const int err = errno;
    f.written = 0;  // the page cache may have dropped them: write the kept bytes again next time
    return FileError("fdatasync", f.path, err);
  }
  syncs_.fetch_add(1, std::memory_order_relaxed);
  f.unsynced = false;
  ReleaseWritten(f);
  return Status::Ok();
}

Status LocalFileSink::CloseFile(OutputFile& f) {
  Status status = WritePending(f);
  if (status.ok() && config_.fsync) status = SyncFile(f);
  if (!status.ok()) return status;
  if (f.fd >= 0) {
    ::close(f.fd);
    f.fd = -1;
    files_open_.fetch_sub(1, std::memory_order_relaxed);
  }
  return Status::Ok();
}

Status LocalFileSink::EvictLeastRecent() {
  auto victim = files_.end();
  for (auto it = files_.begin(); it != files_.end(); ++it) {
    if (victim == files_.end() || it->second->last_use < victim->second->last_use) victim = it;
  }
  if (victim == files_.end()) return Status::Ok();
  Status status = CloseFile(*victim->second);
  if (!status.ok()) return status;
  files_.erase(victim);
  cache_.clear();
  evictions_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status LocalFileSink::ReopenIfReplaced(OutputFile& f) {
  if (f.fd < 0) return Status::Ok();
  struct stat open_st {}, path_st {};
  if (::fstat(f.fd, &open_st) != 0) return Status::Ok();
  const bool deleted = open_st.st_nlink == 0;
  const bool moved = ::stat(f.path.c_str(), &path_st) != 0 || path_st.st_ino != open_st.st_ino ||
                     path_st.st_dev != open_st.st_dev;
  if (!deleted && !moved) return Status::Ok();
  if (!deleted && config_.fsync && f.unsynced) {
    // Renamed away: what we wrote is in that file; make it durable there before letting go.
    if (::fdatasync(f.fd) == 0) {
      syncs_.fetch_add(1, std::memory_order_relaxed);
      ReleaseWritten(f);
    } else {
      f.written = 0;
    }
  }
  ::close(f.fd);
  f.fd = -1;
  files_open_.fetch_sub(1, std::memory_order_relaxed);
  if (deleted) f.written = 0;  // unsynced bytes went to a file nobody can read: write them again
  f.unsynced = false;
  return OpenFile(f);
}

Status LocalFileSink::Rotate(OutputFile& f, size_t keep_from) {
  Status status = WriteRange(f, keep_from);
  if (status.ok() && config_.fsync) status = SyncFile(f);
  if (!status.ok()) return status;
  // The buffer now holds only bytes for the new file (ReleaseWritten dropped the old ones).
  ::close(f.fd);
  f.fd = -1;
  files_open_.fetch_sub(1, std::memory_order_relaxed);
  const std::string rotated = UniqueRotatedName(f.path, wall_now_());
  if (::rename(f.path.c_str(), rotated.c_str()) != 0) {
    const int err = errno;
    status = FileError("rotate (rename)", f.path, err);
    (void)OpenFile(f);  // keep appending to the unrotated file; the next event tries again
    return status;
  }
  rotations_.fetch_add(1, std::memory_order_relaxed);
  status = OpenFile(f);
  AfterRotation(rotated, f.path);
  return status;
}

void LocalFileSink::AfterRotation(const std::string& rotated, const std::string& base) {
  const uint64_t keep = config_.rotation.max_files;
  if (config_.rotation.compress && keep > 0) {
    if (gzip_.TryEnqueue({rotated, base, keep})) return;
    spdlog::warn("local_file: compression queue full, {} stays uncompressed", rotated);
  }
  rotated_removed_.fetch_add(PruneRotatedFiles(base, keep), std::memory_order_relaxed);
}

void LocalFileSink::RollBackWrite() {
  for (auto& [path, f] : files_) {
    if (f->batch_generation != generation_) continue;
    const size_t keep = std::max(f->batch_mark, LineEnd(f->buffer, f->written));
    if (keep < f->buffer.size()) f->buffer.resize(keep);
  }
  cache_.clear();
}

SinkResult LocalFileSink::Write(const EventBatch& batch) {
  if (!started_) return SinkResult::Reject(Status::Aborted("local_file: Write before Start"));
  ++generation_;
  cache_.clear();
  write_time_ = MonotonicNowNanos();
  Status error;
  JsonSourceCache sources;  // for this batch only
  for (const Event& e : batch.events()) {
    OutputFile* f = Resolve(batch, e, &error);
    if (f == nullptr) break;
    if (f->batch_generation != generation_) {
      f->batch_generation = generation_;
      f->batch_mark = f->buffer.size();
      f->last_write = write_time_;
      f->flush_epoch = flush_epoch_;
    }
    const size_t before = f->buffer.size();
    AppendEvent(format_, batch, e, ts_, f->buffer, &sources);
    if (max_bytes_ != 0) {
      const uint64_t current = f->disk_size + (before - f->written);
      if (current > 0 && current + (f->buffer.size() - before) > max_bytes_) {
        error = Rotate(*f, before);
        if (!error.ok()) break;
      }
    }
    if (f->buffer.size() - f->written >= kWriteChunkBytes) {
      error = WritePending(*f);
      if (error.ok() && config_.fsync && f->written >= kMaxUnsyncedBytes) error = SyncFile(*f);
      if (!error.ok()) break;
    }
  }
  cache_.clear();
  if (!error.ok()) {
    RollBackWrite();
    return SinkResult::Retry(std::move(error));
  }
  return SinkResult::Ok();
}

SinkResult LocalFileSink::Flush() {
  if (!started_) return SinkResult::Ok();
  Status first_error;
  for (auto& [path, f] : files_) {
    // Only files written since the last successful Flush (or still holding unwritten bytes).
    const bool pending = f->written < f->buffer.size() || (config_.fsync && f->unsynced);
    if (f->flush_epoch != flush_epoch_ && !pending) continue;
    Status status = ReopenIfReplaced(*f);
    if (status.ok()) status = WritePending(*f);
    if (status.ok() && config_.fsync) status = SyncFile(*f);
    if (!status.ok() && first_error.ok()) first_error = std::move(status);
  }
  if (!first_error.ok()) return SinkResult::Retry(std::move(first_error));
  ++flush_epoch_;
  // Close files nobody wrote to for a while (yesterday's file, a finished container), and give
  // back buffer memory a burst left behind (64 files could otherwise each keep a large group).
  const Nanos now = MonotonicNowNanos();
  for (auto it = files_.begin(); it != files_.end();) {
    OutputFile& f = *it->second;
    if (f.buffer.empty() && f.buffer.capacity() > 2 * kWriteChunkBytes) std::string().swap(f.buffer);
    if (now - f.last_write >= kIdleCloseNanos && f.buffer.empty() && CloseFile(f).ok()) {
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  return SinkResult::Ok();
}

void LocalFileSink::Stop() {
  for (auto& [path, f] : files_) {
    Status status = CloseFile(*f);
    if (!status.ok()) {
      spdlog::warn("local_file: {} bytes could not be written at stop: {}", f->buffer.size() - f->written,
                   status.ToString());
    }
    if (f->fd >= 0) {
      ::close(f->fd);
      f->fd = -1;
      files_open_.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  files_.clear();
  cache_.clear();
  gzip_.Stop();
  started_ = false;
}

std::string LocalFileSink::StatsJson() const {
  return JsonObject()
      .Add("bytes_written", bytes_written_.load())
      .Add("files_open", files_open_.load())
      .Add("rotations", rotations_.load())
      .Add("write_errors", write_errors_.load())
      .Add("syncs", syncs_.load())
      .Add("compressed", gzip_.compressed())
      .Add("compress_errors", gzip_.errors())
      .Add("rotated_removed", rotated_removed_.load() + gzip_.removed())
      .Add("evictions", evictions_.load())
      .Take();
}

}  // namespace logcap
