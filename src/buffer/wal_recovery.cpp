// Wal: Open. Scans every segment to rebuild the index, cuts torn tails, counts corruption,
// loads and clamps the readers' cursors, then starts a new segment for appends.
#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>

#include "buffer/cursor_file.h"
#include "buffer/segment_scan.h"
#include "buffer/wal.h"
#include "buffer/wal_filenames.h"

namespace logcap {
namespace {

Status ValidateOptions(const WalOptions& o) {
  if (o.directory.empty()) return Status::InvalidArgument("disk buffer: directory is empty");
  if (o.max_total_size < 4 * log::kBlockSize) {
    return Status::InvalidArgument("disk buffer: max_total_size must be at least 128 KiB");
  }
  if (o.max_segment_size < log::kBlockSize) return Status::InvalidArgument("disk buffer: max_segment_size must be at least 32 KiB");
  if (o.sync_interval < 0 || o.cursor_save_interval < 0) {
    return Status::InvalidArgument("disk buffer: sync_interval and cursor_save_interval must not be negative");
  }
  return Status::Ok();
}

std::string Where(uint64_t segment, uint64_t offset) {
  return walfiles::SegmentFileName(segment) + " offset " + std::to_string(offset);
}

}  // namespace

Status Wal::Open(const WalOptions& options, std::unique_ptr<Wal>* out, WalRecoveryReport* report) {
  Status s = ValidateOptions(options);
  if (!s.ok()) return s;
  s = fileutil::CreateDirs(walfiles::ReadersDir(options.directory));
  if (!s.ok()) return s;
  std::unique_ptr<fileutil::DirLock> lock;
  s = fileutil::DirLock::Acquire(options.directory, /*exclusive=*/true, &lock);
  if (!s.ok()) return s;

  std::unique_ptr<Wal> wal(new Wal(options));
  wal->lock_ = std::move(lock);
  WalRecoveryReport local;
  if (report == nullptr) report = &local;
  *report = WalRecoveryReport();
  s = wal->Recover(report);
  if (!s.ok()) {
    wal->CloseFilesLocked();  // no other thread exists yet
    wal->closed_ = true;
    return s;
  }
  wal->sync_thread_ = std::thread([w = wal.get()] { w->SyncThreadMain(); });
  wal->DeleteObsoleteSegments();
  *out = std::move(wal);
  return Status::Ok();
}

Status Wal::Recover(WalRecoveryReport* report) {
  Status s = RecoverSegments(report);
  if (!s.ok()) return s;
  RecoverReaders(report);
  // Never append after a possibly torn tail: always a new segment.
  {
    std::lock_guard<std::mutex> l(mu_);
    s = RollLocked();
    dir_dirty_ = false;
  }
  if (s.ok()) s = fileutil::SyncDir(dir_);
  return s;
}

Status Wal::RecoverSegments(WalRecoveryReport* report) {
  std::vector<std::string> names;
  Status s = fileutil::ListDir(dir_, &names);
  if (!s.ok()) return s;
  std::vector<uint64_t> numbers;
  for (const std::string& name : names) {
    uint64_t number = 0;
    switch (walfiles::ClassifyFileName(name, &number)) {
      case walfiles::FileKind::kSegment:
        numbers.push_back(number);
        break;
      case walfiles::FileKind::kSegmentTemp:  // an interrupted RepairWal: the original is intact
        s = fileutil::RemoveFile(dir_ + "/" + name);
        if (!s.ok()) return s;
        break;
      case walfiles::FileKind::kUnknown:
        report->problems.push_back(name + ": unknown file (ignored)");
        spdlog::warn("disk buffer {}: unknown file {} (ignored)", dir_, name);
        break;
      default:
        break;
    }
  }
  std::sort(numbers.begin(), numbers.end());

  std::lock_guard<std::mutex> l(mu_);  // no other thread yet; taken for the annotations' sake
  for (uint64_t number : numbers) {
    auto segment = std::make_unique<Segment>();
    segment->number = number;
    segment->path = walfiles::SegmentPath(dir_, number);
    fileutil::UniqueFd fd;
    s = fileutil::OpenFile(segment->path, O_RDWR, &fd);
    if (!s.ok()) return s;
    next_segment_ = number + 1;
    uint64_t file_size = 0;
    s = fileutil::FileSize(fd.get(), segment->path, &file_size);
    if (!s.ok()) return s;
    if (file_size > UINT32_MAX) {  // never written by us (segments stay under 4 GiB): not indexable
      report->problems.push_back(walfiles::SegmentFileName(number) + ": larger than 4 GiB, not a segment of ours (ignored)");
      spdlog::error("disk buffer {}: {} is larger than 4 GiB (ignored)", dir_, segment->path);
      continue;
    }
    SegmentScan scan;
    s = ScanSegment(fd.get(), segment.get(), &scan);
    if (!s.ok()) return s;
    for (const SegmentProblem& p : scan.problems) {
      if (p.kind == "torn_tail") continue;
      const std::string line = Where(number, p.offset) + ": " + p.kind + ", " + std::to_string(p.bytes) +
                               " bytes skipped (" + p.detail + ")";
      report->problems.push_back(line);
      spdlog::warn("disk buffer {}: corrupt record: {}", dir_, line);
    }
    if (scan.torn_tail_bytes() > 0) {
      // Normal after kill -9: the writer died mid-record. Cut it so the file ends on a record.
      s = fileutil::Truncate(fd.get(), segment->path, scan.torn_tail_offset);
      if (!s.ok()) return s;
      const std::string line = Where(number, scan.torn_tail_offset) + ": torn tail of " +
                               std::to_string(scan.torn_tail_bytes()) + " bytes cut";
      report->problems.push_back(line);
      spdlog::info("disk buffer {}: {}", dir_, line);
    }
    report->segments += 1;
    report->records += scan.records;
    report->events += scan.events;
    report->bytes += segment->size;
    report->torn_tail_bytes += scan.torn_tail_bytes();
    report->corrupt_records += scan.corrupt_records;
    report->corrupt_bytes += scan.corrupt_bytes;
    corrupt_records_ += scan.corrupt_records;
    corrupt_bytes_ += scan.corrupt_bytes;
    torn_tail_bytes_ += scan.torn_tail_bytes();
    // Whatever a previous run wrote is treated as synced: this run cannot do better.
    segment->sealed = true;
    segment->synced = true;
    disk_bytes_ += segment->size;
    segments_.push_back(std::move(segment));
  }
  return Status::Ok();
}

void Wal::RecoverReaders(WalRecoveryReport* report) {
  std::vector<LoadedCursor> cursors;
  std::vector<std::string> unknown;
  Status s = LoadCursors(dir_, &cursors, &unknown);
  if (!s.ok()) {
    // Without cursors every reader is new and starts at the end: say so loudly.
    report->problems.push_back("readers: " + s.ToString());
    spdlog::error("disk buffer {}: cannot load reader cursors: {}", dir_, s.ToString());
  }
  for (const std::string& f : unknown) {
    report->problems.push_back(f + ": unknown file (ignored)");
    spdlog::warn("disk buffer {}: unknown file {} (ignored)", dir_, f);
  }
  std::lock_guard<std::mutex> l(mu_);
  const WalRecordId oldest{segments_.empty() ? next_segment_ : segments_.front()->number, 0};
  for (const LoadedCursor& c : cursors) {
    WalRecordId pos = c.position;
    bool rewrite = false;
    if (!c.valid) {
      // Duplicates beat loss: the reader starts again at the oldest record kept.
      pos = oldest;
      rewrite = true;
      report->problems.push_back(c.problem + "; reader '" + c.name + "' restarts at the oldest record");
      spdlog::error("disk buffer {}: {}; reader '{}' restarts at the oldest record", dir_, c.problem, c.name);
    } else if (pos.segment > next_segment_ || (pos.segment == next_segment_ && pos.offset > 0)) {
      pos = WalRecordId{next_segment_, 0};
      rewrite = true;
    } else if (Segment* seg = FindSegmentLocked(pos.segment); seg != nullptr && seg->number == pos.segment &&
                                                              pos.offset > seg->LastEnd()) {
      pos.offset = seg->LastEnd();
      rewrite = true;
    }
    if (c.valid && rewrite) {
      const std::string line = "cursor of reader '" + c.name + "' at " + Where(c.position.segment, c.position.offset) +
                               " is past the end; clamped to " + Where(pos.segment, pos.offset);
      report->problems.push_back(line);
      spdlog::warn("disk buffer {}: {}", dir_, line);
    }
    auto state = std::make_unique<ReaderState>();
    state->name = c.name;
    state->read = state->committed = state->persisted = pos;
    state->dirty = rewrite;
    cursors_dirty_ = cursors_dirty_ || rewrite;
    readers_[c.name] = std::move(state);
  }
}

}  // namespace logcap
