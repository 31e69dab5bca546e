#include "buffer/wal_check.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "buffer/cursor_file.h"
#include "buffer/file_util.h"
#include "buffer/log_writer.h"
#include "buffer/segment_scan.h"
#include "buffer/wal_filenames.h"

namespace logcap {
namespace {

struct ScannedSegment {
  Segment segment;
  SegmentScan scan;
};

// Everything CheckWal reports, gathered without changing anything.
struct Inspection {
  std::vector<ScannedSegment> segments;  // by number
  std::vector<LoadedCursor> cursors;
  std::vector<std::string> temp_files;
};

Status Inspect(const std::string& dir, Inspection* out, WalCheckReport* report) {
  std::vector<std::string> names;
  Status s = fileutil::ListDir(dir, &names);
  if (!s.ok()) return s;
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    uint64_t number = 0;
    const walfiles::FileKind kind = walfiles::ClassifyFileName(name, &number);
    if (kind == walfiles::FileKind::kUnknown) {
      report->problems.push_back({dir + "/" + name, 0, "unknown_file", "not a disk buffer file"});
    } else if (kind == walfiles::FileKind::kSegmentTemp) {
      out->temp_files.push_back(dir + "/" + name);
      report->problems.push_back({dir + "/" + name, 0, "leftover_temp", "an interrupted repair (the agent deletes it)"});
    }
    if (kind != walfiles::FileKind::kSegment) continue;
    ScannedSegment scanned;
    scanned.segment.number = number;
    scanned.segment.path = walfiles::SegmentPath(dir, number);
    fileutil::UniqueFd fd;
    s = fileutil::OpenFile(scanned.segment.path, O_RDONLY, &fd);
    if (!s.ok()) return s;
    s = ScanSegment(fd.get(), &scanned.segment, &scanned.scan);
    if (!s.ok()) return s;
    for (const SegmentProblem& p : scanned.scan.problems) {
      report->problems.push_back({scanned.segment.path, p.offset, p.kind, std::to_string(p.bytes) + " bytes: " + p.detail});
    }
    out->segments.push_back(std::move(scanned));
  }

  std::vector<std::string> unknown;
  s = LoadCursors(dir, &out->cursors, &unknown);
  if (!s.ok()) return s;
  for (const std::string& f : unknown) report->problems.push_back({f, 0, "unknown_file", "not a cursor file"});
  const uint64_t next_segment = out->segments.empty() ? 1 : out->segments.back().segment.number + 1;
  for (const LoadedCursor& c : out->cursors) {
    if (!c.valid) {
      report->problems.push_back({c.file, 0, "bad_cursor", c.problem});
      continue;
    }
    const WalRecordId& pos = c.position;
    auto it = std::find_if(out->segments.begin(), out->segments.end(),
                           [&](const ScannedSegment& s) { return s.segment.number == pos.segment; });
    const bool past = it != out->segments.end() ? pos.offset > it->segment.LastEnd()
                                                : pos.segment > next_segment || (pos.segment == next_segment && pos.offset > 0);
    if (past) {
      report->problems.push_back({c.file, 0, "cursor_past_end",
                                  "reader '" + c.name + "' at " + walfiles::SegmentFileName(pos.segment) + " offset " +
                                      std::to_string(pos.offset) + " is past the end of the data"});
    }
  }
  return Status::Ok();
}

void Summarize(const Inspection& in, WalCheckReport* report) {
  report->segments = in.segments.size();
  report->records = report->events = report->bytes = 0;
  for (const ScannedSegment& s : in.segments) {
    report->records += s.scan.records;
    report->events += s.scan.events;
    report->bytes += s.scan.file_size;
  }
  report->readers.clear();
  for (const LoadedCursor& c : in.cursors) {
    WalReaderStats rs;
    rs.name = c.name;
    const WalRecordId pos = c.valid ? c.position : WalRecordId{};
    for (const ScannedSegment& s : in.segments) {
      if (s.segment.number < pos.segment) continue;
      uint64_t records = 0, events = 0, bytes = 0;
      s.segment.CountAfter(s.segment.number == pos.segment ? pos.offset : 0, &records, &events, &bytes);
      rs.pending_records += records;
      rs.pending_events += events;
      rs.pending_bytes += bytes;
    }
    report->readers.push_back(std::move(rs));
  }
}

// Rewrites a damaged segment with its valid records only. *ends maps old record ends to new ones.
Status RewriteSegment(const std::string& dir, const Segment& segment, std::vector<std::pair<uint64_t, uint64_t>>* ends) {
  const std::string temp = segment.path + std::string(walfiles::kTempSuffix);
  fileutil::UniqueFd out;
  Status s = fileutil::OpenFile(temp, O_WRONLY | O_CREAT | O_TRUNC, &out);
  if (!s.ok()) return s;
  fileutil::UniqueFd in;
  s = fileutil::OpenFile(segment.path, O_RDONLY, &in);
  if (!s.ok()) return s;
  log::LogWriter writer(out.get(), 0);
  Status write_status;
  Segment scratch_segment;
  scratch_segment.path = segment.path;
  SegmentScan scan;
  ends->clear();
  s = ScanSegment(in.get(), &scratch_segment, &scan, [&](uint64_t, uint64_t end, std::string_view data) {
    if (!write_status.ok()) return;
    write_status = writer.AddRecord(data, {});
    ends->emplace_back(end, writer.offset());
  });
  if (s.ok()) s = write_status;
  if (s.ok() && fdatasync(out.get()) != 0) s = Status::IoErrorFromErrno("fdatasync " + temp, errno);
  if (s.ok()) s = fileutil::Rename(temp, segment.path);
  if (s.ok()) s = fileutil::SyncDir(dir);
  if (!s.ok()) {
    Status r = fileutil::RemoveFile(temp);
    (void)r;
  }
  return s;
}

std::string Where(const std::string& path, uint64_t offset) { return path + " offset " + std::to_string(offset); }

}  // namespace

std::string WalCheckReport::ToText() const {
  std::string out;
  for (const Problem& p : problems) out += p.file + " offset " + std::to_string(p.offset) + ": " + p.kind + ": " + p.detail + "\n";
  for (const std::string& r : repairs) out += "repaired: " + r + "\n";
  for (const WalReaderStats& r : readers) {
    out += "reader " + r.name + ": " + std::to_string(r.pending_records) + " records, " +
           std::to_string(r.pending_events) + " events, " + std::to_string(r.pending_bytes) + " bytes pending\n";
  }
  out += "segments: " + std::to_string(segments) + ", records: " + std::to_string(records) +
         ", events: " + std::to_string(events) + ", bytes: " + std::to_string(bytes) + "\n";
  out += problems.empty() ? "ok\n" : std::to_string(problems.size()) + " problem(s)\n";
  return out;
}

Status CheckWal(const std::string& directory, WalCheckReport* report) {
  *report = WalCheckReport();
  if (!fileutil::Exists(directory)) return Status::NotFound("disk buffer directory " + directory + " does not exist");
  std::unique_ptr<fileutil::DirLock> lock;
  Status s = fileutil::DirLock::Acquire(directory, /*exclusive=*/false, &lock);
  if (!s.ok()) return s;
  Inspection in;
  s = Inspect(directory, &in, report);
  if (!s.ok()) return s;
  Summarize(in, report);
  return Status::Ok();
}

Status RepairWal(const std::string& directory, WalCheckReport* report) {
  *report = WalCheckReport();
  if (!fileutil::Exists(directory)) return Status::NotFound("disk buffer directory " + directory + " does not exist");
  std::unique_ptr<fileutil::DirLock> lock;
  Status s = fileutil::DirLock::Acquire(directory, /*exclusive=*/true, &lock);
  if (!s.ok()) return s;
  Inspection in;
  s = Inspect(directory, &in, report);
  if (!s.ok()) return s;

  for (const std::string& temp : in.temp_files) {
    s = fileutil::RemoveFile(temp);
    if (!s.ok()) return s;
    report->repairs.push_back("deleted " + temp);
  }

  // Segments: cut clean torn tails, rewrite damaged segments. remap[number] = (old end, new end).
  std::map<uint64_t, std::vector<std::pair<uint64_t, uint64_t>>> remap;
  for (ScannedSegment& ss : in.segments) {
    const Segment& seg = ss.segment;
    if (ss.scan.corrupt_records > 0) {
      std::vector<std::pair<uint64_t, uint64_t>> ends;
      s = RewriteSegment(directory, seg, &ends);
      if (!s.ok()) return s;
      report->repairs.push_back(seg.path + ": rewritten with its " + std::to_string(ends.size()) + " valid records (" +
                                std::to_string(ss.scan.corrupt_records) + " corrupt records, " +
                                std::to_string(ss.scan.corrupt_bytes) + " bytes, and " +
                                std::to_string(ss.scan.torn_tail_bytes()) + " torn tail bytes dropped)");
      remap[seg.number] = std::move(ends);
    } else if (ss.scan.torn_tail_bytes() > 0) {
      fileutil::UniqueFd fd;
      s = fileutil::OpenFile(seg.path, O_RDWR, &fd);
      if (s.ok()) s = fileutil::Truncate(fd.get(), seg.path, ss.scan.torn_tail_offset);
      if (!s.ok()) return s;
      report->repairs.push_back(Where(seg.path, ss.scan.torn_tail_offset) + ": cut a torn tail of " +
                                std::to_string(ss.scan.torn_tail_bytes()) + " bytes");
    }
  }

  // Cursors: map into rewritten segments, clamp past the end, replace undecodable ones.
  const WalRecordId oldest{in.segments.empty() ? 1 : in.segments.front().segment.number, 0};
  const uint64_t next_segment = in.segments.empty() ? 1 : in.segments.back().segment.number + 1;
  std::vector<CursorRecord> rewrite;
  for (const LoadedCursor& c : in.cursors) {
    WalRecordId pos = c.valid ? c.position : oldest;
    if (c.valid) {
      auto seg = std::find_if(in.segments.begin(), in.segments.end(),
                              [&](const ScannedSegment& s) { return s.segment.number == pos.segment; });
      if (auto it = remap.find(pos.segment); it != remap.end()) {
        // The last valid record at or before the cursor is where the reader is.
        uint64_t mapped = 0;
        for (const auto& [old_end, new_end] : it->second) {
          if (old_end <= pos.offset) mapped = new_end;
        }
        pos.offset = mapped;
      } else if (seg != in.segments.end()) {
        pos.offset = std::min(pos.offset, seg->segment.LastEnd());
      } else if (pos.segment > next_segment || (pos.segment == next_segment && pos.offset > 0)) {
        pos = WalRecordId{next_segment, 0};
      }
    }
    if (c.valid && pos == c.position) continue;
    rewrite.push_back({c.name, pos});
    report->repairs.push_back(c.file + ": reader '" + c.name + "' cursor set to " + walfiles::SegmentFileName(pos.segment) +
                              " offset " + std::to_string(pos.offset) +
                              (c.valid ? "" : " (the oldest record: it was unreadable)"));
  }
  s = SaveCursors(directory, rewrite);
  if (!s.ok()) return s;

  // The totals describe the repaired directory.
  Inspection after;
  WalCheckReport recheck;
  s = Inspect(directory, &after, &recheck);
  if (!s.ok()) return s;
  Summarize(after, report);
  return Status::Ok();
}

}  // namespace logcap
