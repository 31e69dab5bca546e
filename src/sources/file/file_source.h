// FileSource: tails the files matched by file_monitor's globs (Source "file").
//
// One reader thread serves every file. It sleeps in poll() on an inotify descriptor (watching the
// directories the globs need and every open file) and an eventfd (Stop), and wakes for:
//   - inotify events (writes, creates, renames, deletes),
//   - a stat poll every poll_interval: the fallback where inotify is silent (e.g. network file
//     systems). Files that need it (no inotify watch, inotify seen missing a write, rotated files
//     being drained) are fstat()ed every tick; the others every 8th tick, which is what keeps a
//     thousand idle files cheap. The tick also runs the partial-line and rotate_wait timers,
//   - a glob re-scan every scan_interval, and soon after a directory event about a matching name,
//   - a positions flush every positions_flush_interval (only if something changed).
// Files with data are read in turns of at most 4 * read_buffer_size bytes, round robin.
//
// Delivery: every batch holds events of one file and one AckToken. A file's saved position only
// moves over a prefix of its batches acknowledged kDelivered or kDropped (AckTracker). Positions go
// to <positions_directory>/positions.json (PositionsStore).
//
// Identity, rotation, truncation: files are tracked by (dev, inode) and a fingerprint of their
// first bytes, never by path. A rename rotation keeps reading the old file to its end (and for
// rotate_wait), before the new file at the path is read; a deleted file is read to its end and
// released; a file that shrinks (copytruncate) is read again from 0 under a new stream id. A file
// created and renamed away between two scans is still found through the inotify rename event and
// read in order between its neighbours.
//
// Profiles: a FileSource built with a TailProfile (the container source) asks it, for each file it
// finds, whether and how to read it (tail_profile.h); without one, every file is plain lines.
// Multiline: with a MultilineLookup, a file whose pipeline starts with a multiline step gets its
// lines joined as they are read (sources/file/multiline_decoder.h); held groups are flushed after
// their flush_timeout of idle time by the same poll tick that flushes partial lines.
//
// Lifecycle and threads: Start, Stop and Finish are called by one thread (the Agent's), in that
// order. Stop wakes the loop and joins it; if the thread is blocked in BatchConsumer::Push under
// backpressure, Stop returns once Push returns (the dispatcher unblocks it when shutting down).
// Ack callbacks may run on any thread at any time, also after Stop and after this object is gone:
// they only touch the shared AckTracker of their file. StatsJson may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/config.h"
#include "processing/multiline_spec.h"
#include "core/clock.h"
#include "pipeline/source.h"
#include "sources/file/glob.h"
#include "sources/file/inotify_watcher.h"
#include "sources/file/positions_store.h"
#include "sources/file/tail_profile.h"
#include "sources/file/tailed_file.h"

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace logcap {

class FileSource : public Source, private TailOutput {
 public:
  // name: the configured component ("file_monitor"); used as the metrics label `source` and as
  // SourceInfo::component. An empty positions_directory disables position persistence.
  // multiline (optional): asked for each file opened (with its SourceInfo, or each of its decoder's)
  // whether its pipeline starts with a multiline step; such a file's lines are joined where they
  // are read (MultilineDecoder).
  FileSource(std::string name, FileMonitorConfig config, std::string positions_directory,
             Duration positions_flush_interval, MultilineLookup multiline = nullptr);
  // A source whose files are what profile says (tail_profile.h); positions go to
  // <positions_directory>/<positions_file>.
  FileSource(std::string name, FileMonitorConfig config, std::string positions_directory, std::string positions_file,
             Duration positions_flush_interval, std::shared_ptr<TailProfile> profile,
             MultilineLookup multiline = nullptr);
  ~FileSource() override;

  const std::string& name() const override { return name_; }
  // Loads positions, runs the first scan (opening existing files and choosing their start
  // offsets) synchronously, then starts the reader thread.
  Status Start(const SourceContext& context) override;
  void Stop() override;
  // Saves the final positions. Calls Stop() first if needed. Closes the files.
  Status Finish() override;
  std::string StatsJson() const override;

  // Asks for a glob scan soon (e.g. metadata a profile waited for has arrived). Any thread.
  void RequestRescan();

  // For tests: the number of open files; safe from any thread.
  size_t OpenFilesForTest() const { return stats_.files_open.load(); }
  // For tests: how the positions file was loaded at Start.
  PositionsLoadResult PositionsLoadResultForTest() const { return load_result_; }

 private:
  struct Released {  // a closed file whose last batches may still be in flight
    PositionEntry entry;
    std::shared_ptr<AckTracker> tracker;
  };
  struct Stats {
    std::atomic<uint64_t> files_open{0};
    std::atomic<uint64_t> files_opened{0};
    std::atomic<uint64_t> files_closed{0};
    std::atomic<uint64_t> rotations{0};
    std::atomic<uint64_t> truncations{0};
    std::atomic<uint64_t> read_errors{0};
    std::atomic<uint64_t> lines{0};
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> truncated_lines{0};
    std::atomic<uint64_t> position_saves{0};
    std::atomic<uint64_t> position_save_failures{0};
  };
  struct MetricRefs {
    prometheus::Counter* truncated_lines = nullptr;
    prometheus::Counter* bytes_read = nullptr;
    prometheus::Counter* opened = nullptr;
    prometheus::Counter* closed = nullptr;
    prometheus::Counter* rotated = nullptr;
    prometheus::Counter* truncated = nullptr;
    prometheus::Counter* read_error = nullptr;
    prometheus::Counter* saves_ok = nullptr;
    prometheus::Counter* saves_failed = nullptr;
    prometheus::Gauge* files_monitored = nullptr;
  };

  // TailOutput
  bool PushBatch(EventBatch&& batch, size_t truncated_lines) override;
  uint64_t NewStreamId() override;

  void Run();
  void HandleInotify();
  void Scan(bool first);
  void PollTick(Nanos now);
  void ReadReady();
  void AfterTurn(TailedFile* file, const TailedFile::TurnResult& r);
  void MaybeRelease(TailedFile* file, Nanos now);
  TailedFile* OpenFile(const std::string& path, bool first_scan, const PositionEntry* rotated_entry);
  void Rotate(TailedFile* file, Nanos now, bool deleted);
  void Release(TailedFile* file);
  void Enqueue(TailedFile* file);
  void CountReadError(const std::string& path, const std::string& message);
  std::vector<PositionEntry> Snapshot();
  Status SavePositions(bool force);
  void CloseAll();
  std::shared_ptr<const SourceInfo> MakeSourceInfo(const std::string& path) const;
  Nanos NextDeadline() const;

  const std::string name_;
  const FileMonitorConfig config_;
  const std::string positions_directory_;
  const std::string positions_file_;
  const std::shared_ptr<TailProfile> profile_;
  const MultilineLookup multiline_;
  const Nanos flush_interval_;
  const Nanos poll_interval_;
  const Nanos scan_interval_;
  const Nanos rescan_gap_;
  const Nanos rotate_wait_;
  const Nanos partial_timeout_;
  const PathFilter filter_;
  TailOptions tail_options_;
  Labels labels_;

  SourceContext context_;
  std::unique_ptr<Metrics> own_metrics_;
  MetricRefs m_;
  std::unique_ptr<InotifyWatcher> watcher_;
  std::unique_ptr<PositionsStore> store_;
  PositionsLoadResult load_result_ = PositionsLoadResult::kFresh;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> rescan_asked_{false};
  bool started_ = false;
  bool finished_ = false;
  bool pipeline_closed_ = false;

  // Reader-thread state (also touched by Start before the thread runs and Finish after it ends).
  std::vector<std::unique_ptr<TailedFile>> files_;
  std::unordered_map<FileKey, TailedFile*, FileKeyHash> by_key_;
  std::unordered_map<std::string, TailedFile*> by_path_;       // the active file at each path
  std::unordered_map<std::string, TailedFile*> last_at_path_;  // the newest file seen at each path
  std::unordered_map<int, TailedFile*> by_watch_;
  std::deque<TailedFile*> ready_;
  std::vector<Released> released_;
  std::unordered_map<FileKey, PositionEntry, FileKeyHash> saved_;  // loaded, not yet matched to a file
  std::unordered_set<FileKey, FileKeyHash> first_scan_keys_;  // found by the first scan, not opened yet
  std::set<std::string> unreadable_;  // paths whose open failed (logged once)
  std::unordered_set<FileKey, FileKeyHash> skipped_;  // files the profile said never to read
  // Renames seen by inotify from a matching path to a non-matching one, in order: a file created
  // and rotated away between two scans is still read (from, to).
  std::unordered_map<uint32_t, std::string> move_from_;  // cookie -> matching path it left
  std::vector<std::pair<std::string, std::string>> renamed_out_;
  bool open_limit_logged_ = false;
  uint64_t scan_count_ = 0;
  uint64_t poll_ticks_ = 0;
  uint64_t structure_changes_ = 0;  // files opened, released, truncated: positions may have changed
  uint64_t last_saved_signature_ = 0;
  bool rescan_requested_ = false;
  Nanos last_scan_ = 0;
  Nanos next_scan_ = 0;
  Nanos next_poll_ = 0;
  Nanos next_flush_ = 0;
  std::vector<PositionEntry> last_saved_;
  bool saved_once_ = false;
  bool save_failing_ = false;

  Stats stats_;
  static std::atomic<uint64_t> next_stream_id_;
};

}  // namespace logcap
