// LocalFileSink: writes events to files under sinks.local_file.directory, one line per event.
//
// Paths: directory + "/" + filename_pattern (see filename_pattern.h), resolved per event but
// cached per (source, UTC day) within a Write(), so the hot path costs a compare, not a string
// build. Output: json or text (codec/event_encoder.h).
//
// Files: opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, mode 0644 (missing directories are created,
// also later if someone removes them). Each file has a buffer; write(2) runs when kWriteChunkBytes
// are pending, and in Flush(). At most kMaxOpenFiles are open: the least recently used one is
// written out, synced and closed to make room; files idle for kIdleCloseNanos are closed in Flush().
//
// Durability: with config.fsync (the default) Flush() writes every buffer, then fdatasyncs every
// file written since the last Flush, and only then returns kOk. Bytes written but not yet synced
// stay in memory (at most kMaxUnsyncedBytes per file; beyond that Write() syncs early): if
// fdatasync fails, they are written again by the next attempt, because after a failed fsync Linux
// may have dropped them from the page cache while reporting the next fsync as a success.
//
// Files replaced behind our back: Flush() checks each open file; when its path was deleted (or
// renamed away by an outside logrotate) the file is reopened at its path, and bytes that went
// to a deleted file since the last sync are written again (fsync mode).
//
// Errors: a failed open/write/fdatasync/rename (ENOSPC, EIO, EACCES, ENOTDIR...) returns kRetry
// with the errno text and is counted in write_errors; nothing crashes and the next call retries.
// A Write() that fails takes back the bytes it had buffered (whole lines only: a line cut by a
// short write is always completed), so the runner's retry of that batch does not duplicate it;
// data already on disk may be written again (at-least-once). Flush() keeps everything unwritten
// for the next Flush().
//
// Rotation (rotation.max_size_mb > 0): an event that would take a non-empty file past the limit
// first rotates it: the file is written out, synced (with fsync), closed and renamed to
// <file>.<UTC yyyymmddTHHMMSS>.<n> (rotated_files.h), and a new file starts. So files stay within
// the limit unless a single event is bigger. With rotation.compress, a GzipWorker compresses the
// rotated file in the background and then keeps at most rotation.max_files rotated files of that
// output file (oldest deleted, compressed or not); without compress (or when the worker's queue is
// full), pruning happens at once. Start() queues rotated files a previous run left uncompressed.
//
// Stats (StatsJson): bytes_written, files_open, rotations, write_errors, syncs, compressed,
// compress_errors, rotated_removed, evictions.
//
// Threads: Start/Write/Flush/Stop from the runner's thread; StatsJson from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "pipeline/sink.h"
#include "codec/event_encoder.h"
#include "sinks/local_file/filename_pattern.h"
#include "sinks/local_file/gzip_worker.h"

namespace logcap {

class Metrics;

class LocalFileSink final : public Sink {
 public:
  static constexpr size_t kMaxOpenFiles = 64;
  static constexpr size_t kWriteChunkBytes = 1 << 20;
  static constexpr size_t kMaxUnsyncedBytes = 16 << 20;
  static constexpr size_t kCompressQueueJobs = 64;
  static constexpr Nanos kIdleCloseNanos = 300 * kNanosPerSecond;

  // metrics may be null; it must outlive the sink.
  LocalFileSink(const LocalFileSinkConfig& config, Metrics* metrics);
  ~LocalFileSink() override;

  const std::string& name() const override { return name_; }
  // Checks output_format and filename_pattern, creates the directory: InvalidArgument / IoError.
  Status Start() override;
  SinkResult Write(const EventBatch& batch) override;
  SinkResult Flush() override;
  // Writes out and syncs what is left (best effort), closes every file, stops the worker.
  void Stop() override;
  std::string StatsJson() const override;

  // Waits until the compression worker has nothing left to do.
  void WaitForCompressionForTest() { gzip_.WaitIdle(); }
  // Overrides the wall clock used to name rotated files.
  void SetClockForTest(Nanos (*now)()) { wall_now_ = now; }

 private:
  struct OutputFile;
  struct CacheEntry {
    const SourceInfo* source;
    int64_t day;
    OutputFile* file;
  };

  OutputFile* Resolve(const EventBatch& batch, const Event& e, Status* error);
  Status OpenFile(OutputFile& f);
  // Writes buffer[written, upto) to the file.
  Status WriteRange(OutputFile& f, size_t upto);
  Status WritePending(OutputFile& f);
  Status SyncFile(OutputFile& f);
  // Drops the written prefix of the buffer once it no longer has to be kept.
  void ReleaseWritten(OutputFile& f);
  // Writes out, syncs and closes; the entry stays (fd -1) only on failure.
  Status CloseFile(OutputFile& f);
  Status EvictLeastRecent();
  // Reopens f when its path no longer names the open file (deleted, or renamed by someone else).
  Status ReopenIfReplaced(OutputFile& f);
  // Rotates f: buffer[0, keep_from) still belongs to the current file, the rest to the new one.
  Status Rotate(OutputFile& f, size_t keep_from);
  void AfterRotation(const std::string& rotated, const std::string& base);
  // Takes back what the failed Write() buffered.
  void RollBackWrite();
  Status FileError(const char* what, const std::string& path, int err);

  const std::string name_ = "local_file";
  const LocalFileSinkConfig config_;
  Metrics* const metrics_;
  OutputFormat format_ = OutputFormat::kJson;
  FilenamePattern pattern_;
  bool uses_date_ = false;
  bool uses_container_ = false;
  std::string directory_;
  uint64_t max_bytes_ = 0;
  Nanos (*wall_now_)() = &WallNowNanos;

  TimestampFormatter ts_;
  std::unordered_map<std::string, std::unique_ptr<OutputFile>> files_;
  std::vector<CacheEntry> cache_;  // valid within one Write()
  std::string path_scratch_;
  uint64_t generation_ = 0;        // one per Write()
  uint64_t flush_epoch_ = 1;       // one per successful Flush()
  uint64_t use_clock_ = 0;
  Nanos write_time_ = 0;           // monotonic time of the current Write()
  GzipWorker gzip_{kCompressQueueJobs};
  bool started_ = false;

  std::atomic<uint64_t> bytes_written_{0};
  std::atomic<uint64_t> files_open_{0};
  std::atomic<uint64_t> rotations_{0};
  std::atomic<uint64_t> write_errors_{0};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> rotated_removed_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace logcap
