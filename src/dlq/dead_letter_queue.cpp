#include "dlq/dead_letter_queue.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <set>

#include "codec/json_escape.h"
#include "dlq/dlq_done_sidecar.h"
#include "dlq/dlq_file_names.h"
#include "dlq/dlq_io.h"
#include "dlq/dlq_line_reader.h"
#include "dlq/dlq_record.h"

namespace logcap {

namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The event JSON as it will be stored: blanks around it dropped (the encoder ends a line with '\n').
// Empty when it is not one object on one line, which would break the line format.
std::string_view StorableEvent(std::string_view json) {
  while (!json.empty() && IsJsonSpace(json.front())) json.remove_prefix(1);
  while (!json.empty() && IsJsonSpace(json.back())) json.remove_suffix(1);
  if (json.size() < 2 || json.front() != '{' || json.back() != '}') return {};
  if (json.find_first_of("\n\r") != std::string_view::npos) return {};
  return json;
}

void CountLive(std::map<std::pair<std::string, std::string>, uint64_t>& counts, std::string_view sink,
               std::string_view reason, int64_t delta) {
  auto key = std::make_pair(std::string(sink), std::string(reason));
  if (delta > 0) {
    counts[key] += static_cast<uint64_t>(delta);
    return;
  }
  auto it = counts.find(key);
  if (it == counts.end()) return;
  const uint64_t minus = static_cast<uint64_t>(-delta);
  if (it->second <= minus) {
    counts.erase(it);
  } else {
    it->second -= minus;
  }
}

}  // namespace

DeadLetterQueue::DeadLetterQueue(DlqOptions options) : options_(std::move(options)) {}

DeadLetterQueue::~DeadLetterQueue() {
  if (active_fd_ >= 0) ::close(active_fd_);
}

Status DeadLetterQueue::Open(const DlqOptions& options, std::unique_ptr<DeadLetterQueue>* out) {
  if (options.directory.empty()) return Status::InvalidArgument("dlq: no directory given");
  if (options.max_file_size == 0) return Status::InvalidArgument("dlq: max_file_size must be positive");
  std::error_code ec;
  std::filesystem::create_directories(options.directory, ec);
  if (ec) return Status::IoError("dlq: create directory " + options.directory + ": " + ec.message());
  if (!std::filesystem::is_directory(options.directory, ec)) {
    return Status::IoError("dlq: " + options.directory + " is not a directory");
  }
  std::unique_ptr<DeadLetterQueue> queue(new DeadLetterQueue(options));
  Status s = queue->Scan();
  if (!s.ok()) return s;
  *out = std::move(queue);
  return Status::Ok();
}

Status DeadLetterQueue::Scan() {
  std::vector<uint64_t> sequences;
  std::set<uint64_t> sidecars;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(options_.directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (auto seq = ParseDlqDataFileName(name)) {
      sequences.push_back(*seq);
    } else if (auto sidecar_seq = ParseDlqSidecarName(name)) {
      sidecars.insert(*sidecar_seq);
    }
  }
  if (ec) return Status::IoError("dlq: list " + options_.directory + ": " + ec.message());
  std::sort(sequences.begin(), sequences.end());

  // A sidecar without its data file: the data file was deleted, the sidecar not yet.
  std::vector<std::string> orphans;
  for (uint64_t seq : sidecars) {
    if (!std::binary_search(sequences.begin(), sequences.end(), seq)) orphans.push_back(DlqDataFileName(seq));
  }
  UnlinkAll(orphans);

  DlqLineReader reader;
  DlqRecordParser parser;
  DlqRecordView view;
  std::vector<std::string> finished;
  for (uint64_t seq : sequences) {
    next_sequence_ = std::max(next_sequence_, seq + 1);
    auto f = std::make_unique<DataFile>();
    f->sequence = seq;
    f->name = DlqDataFileName(seq);
    const std::string path = PathOf(f->name);
    Status s = ReadDlqDoneOffsets(PathOf(DlqSidecarName(f->name)), &f->done);
    if (!s.ok()) return s;
    s = reader.Open(path, UINT64_MAX);
    if (!s.ok()) return s;
    std::string_view line;
    uint64_t offset = 0;
    while (reader.Next(&line, &offset)) {
      if (!parser.Parse(line, &view).ok()) {
        ++corrupt_lines_;
        continue;
      }
      ++f->entries;
      f->newest = std::max(f->newest, view.time);
      if (f->done.count(offset) == 0) {
        ++f->live;
        CountLive(f->live_by_key, view.sink, view.reason, 1);
        f->oldest_live = std::min(f->oldest_live, view.time);
      }
    }
    if (!reader.status().ok()) return reader.status();
    f->size = reader.complete_bytes();
    if (reader.torn_bytes() > 0) {
      // A write cut short by a crash: cut it off, so the file holds whole lines only. Should that
      // fail, readers still stop at f->size.
      ++torn_lines_;
      [[maybe_unused]] const int ignored = ::truncate(path.c_str(), static_cast<off_t>(f->size));
    }
    if (f->live == 0) {  // fully replayed (or empty): nothing to keep
      finished.push_back(f->name);
      continue;
    }
    files_.emplace(seq, std::move(f));
  }
  UnlinkAll(finished);
  return Status::Ok();
}

Status DeadLetterQueue::Append(std::span<const DlqEntry> entries) {
  if (entries.empty()) return Status::Ok();
  const Nanos now = WallNowNanos();

  // Format outside the locks.
  std::string records;
  TimestampFormatter ts;
  std::vector<Nanos> times;
  times.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const DlqEntry& in = entries[i];
    const std::string_view event = StorableEvent(in.event_json);
    if (event.empty()) {
      return Status::InvalidArgument("dlq: entry " + std::to_string(i) +
                                     ": event_json must be one JSON object on one line");
    }
    DlqEntry e;
    e.sink = in.sink;
    e.reason = in.reason;
    e.error = in.error;
    e.attempts = in.attempts;
    e.last_attempt = in.last_attempt != 0 ? in.last_attempt : now;
    e.first_attempt = in.first_attempt != 0 ? in.first_attempt : e.last_attempt;
    e.event_json = event;
    AppendDlqRecord(e, ts, &records);
    times.push_back(e.last_attempt);
  }

  std::lock_guard write_lock(write_mu_);
  bool start_file;
  {
    std::lock_guard lock(mu_);
    start_file = active_ == nullptr || active_broken_ ||
                 (active_->size > 0 && active_->size + records.size() > options_.max_file_size);
  }
  if (start_file) {
    Status s = StartFileLocked();
    if (!s.ok()) {
      std::lock_guard lock(mu_);
      ++write_errors_;
      return s;
    }
  }
  // write_mu_ keeps the active file in place: only holders of it remove or replace it.
  DataFile* f;
  int fd;
  uint64_t offset;
  {
    std::lock_guard lock(mu_);
    f = active_;
    fd = active_fd_;
    offset = f->size;
  }
  const std::string path = PathOf(f->name);
  Status s = DlqWriteAt(fd, records, offset, path);
  if (s.ok()) s = DlqSyncData(fd, path);
  if (!s.ok()) {
    // Take back what was written, so the file ends with a whole line. If even that fails, the
    // next append starts a new file; readers never look past f->size.
    const bool truncated = ::ftruncate(fd, static_cast<off_t>(offset)) == 0;
    std::lock_guard lock(mu_);
    ++write_errors_;
    if (!truncated) active_broken_ = true;
    return s;
  }
  {
    std::lock_guard lock(mu_);
    f->size += records.size();
    f->entries += entries.size();
    f->live += entries.size();
    for (size_t i = 0; i < entries.size(); ++i) {
      CountLive(f->live_by_key, entries[i].sink, entries[i].reason, 1);
      f->oldest_live = std::min(f->oldest_live, times[i]);
      f->newest = std::max(f->newest, times[i]);
    }
    written_total_ += entries.size();
  }
  return EnforceLimitsLocked(now);
}

Status DeadLetterQueue::StartFileLocked() {
  uint64_t seq;
  {
    std::lock_guard lock(mu_);
    seq = next_sequence_++;
  }
  auto f = std::make_unique<DataFile>();
  f->sequence = seq;
  f->name = DlqDataFileName(seq);
  const std::string path = PathOf(f->name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoErrorFromErrno("dlq: create " + path, errno);
  Status s = DlqSyncDirectory(options_.directory);
  if (!s.ok()) {
    ::close(fd);
    ::unlink(path.c_str());
    return s;
  }
  std::vector<std::string> finished;
  {
    std::lock_guard lock(mu_);
    DataFile* previous = active_;
    if (active_fd_ >= 0) ::close(active_fd_);
    active_ = f.get();
    active_fd_ = fd;
    active_broken_ = false;
    files_.emplace(seq, std::move(f));
    // The file appends leave may have been fully replayed meanwhile (a replay keeps an active one).
    if (previous != nullptr && previous->entries > 0 && previous->live == 0 && previous->pins == 0 &&
        !previous->removed) {
      finished.push_back(previous->name);
      files_.erase(previous->sequence);
    }
  }
  UnlinkAll(finished);
  return Status::Ok();
}

Status DeadLetterQueue::EnforceLimits(Nanos now_wall) {
  std::lock_guard write_lock(write_mu_);
  return EnforceLimitsLocked(now_wall);
}

Status DeadLetterQueue::EnforceLimitsLocked(Nanos now_wall) {
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mu_);
    const Nanos cutoff = now_wall < INT64_MIN + options_.retention ? INT64_MIN : now_wall - options_.retention;
    for (auto it = files_.begin(); it != files_.end();) {
      auto next = std::next(it);
      const DataFile& f = *it->second;
      if (!f.removed && f.entries > 0 && f.newest < cutoff) RemoveFileLocked(it, &expired_total_, &gone);
      it = next;
    }
    uint64_t total = 0;
    for (const auto& [seq, f] : files_)
      if (!f->removed) total += f->size;
    for (auto it = files_.begin(); it != files_.end() && total > options_.max_total_size;) {
      auto next = std::next(it);
      if (!it->second->removed) {
        total -= it->second->size;
        RemoveFileLocked(it, &evicted_total_, &gone);
      }
      it = next;
    }
  }
  UnlinkAll(gone);
  return Status::Ok();
}

void DeadLetterQueue::RemoveFileLocked(FileMap::iterator it, uint64_t* counter, std::vector<std::string>* unlink) {
  DataFile* f = it->second.get();
  *counter += f->live;
  f->removed = true;
  if (f == active_) {
    ::close(active_fd_);
    active_fd_ = -1;
    active_ = nullptr;
    active_broken_ = false;
  }
  if (f->pins == 0) {
    unlink->push_back(f->name);
    files_.erase(it);
  }
}

void DeadLetterQueue::UnlinkAll(const std::vector<std::string>& names) {
  if (names.empty()) return;
  // Data files first, made durable, then their sidecars: a crash in between leaves an orphan
  // sidecar (removed at Open), never a data file whose done marks are lost.
  for (const std::string& name : names) ::unlink(PathOf(name).c_str());
  if (!DlqSyncDirectory(options_.directory).ok()) {
    // Then the removals may come back after a crash: those entries would be seen again, which is
    // the safe direction.
  }
  for (const std::string& name : names) ::unlink(PathOf(DlqSidecarName(name)).c_str());
}

DlqStats DeadLetterQueue::Stats() const {
  std::lock_guard lock(mu_);
  DlqStats s;
  s.written_total = written_total_;
  s.replayed_total = replayed_total_;
  s.expired_total = expired_total_;
  s.evicted_total = evicted_total_;
  s.write_errors = write_errors_;
  s.torn_lines = torn_lines_;
  s.corrupt_lines = corrupt_lines_;
  Nanos oldest = INT64_MAX;
  for (const auto& [seq, f] : files_) {
    if (f->removed) continue;
    ++s.files;
    s.bytes += f->size;
    s.entries += f->live;
    for (const auto& [key, n] : f->live_by_key) s.live_by_sink_reason[key] += n;
    if (f->live > 0) oldest = std::min(oldest, f->oldest_live);
  }
  s.oldest = oldest == INT64_MAX ? 0 : oldest;
  return s;
}

std::string DeadLetterQueue::StatsJson() const {
  const DlqStats s = Stats();
  std::string out = "{\"entries\":" + std::to_string(s.entries) + ",\"bytes\":" + std::to_string(s.bytes) +
                    ",\"files\":" + std::to_string(s.files) + ",\"oldest\":";
  if (s.entries == 0) {
    out += "null";
  } else {
    TimestampFormatter ts;
    out += '"';
    out += ts.Format(s.oldest);
    out += '"';
  }
  out += ",\"by_sink\":{";
  const std::string* current_sink = nullptr;
  for (const auto& [key, n] : s.live_by_sink_reason) {
    if (current_sink == nullptr || *current_sink != key.first) {
      if (current_sink != nullptr) out += "},";
      AppendJsonString(key.first, out);
      out += ":{";
      current_sink = &key.first;
    } else {
      out += ',';
    }
    AppendJsonString(key.second, out);
    out += ':';
    out += std::to_string(n);
  }
  if (current_sink != nullptr) out += '}';
  out += '}';
  auto add = [&out](const char* name, uint64_t v) {
    out += ",\"";
    out += name;
    out += "\":";
    out += std::to_string(v);
  };
  add("written_total", s.written_total);
  add("replayed_total", s.replayed_total);
  add("expired_total", s.expired_total);
  add("evicted_total", s.evicted_total);
  add("write_errors", s.write_errors);
  add("torn_lines", s.torn_lines);
  add("corrupt_lines", s.corrupt_lines);
  out += '}';
  return out;
}

Status DeadLetterQueue::Replay(const DlqReplayFilter& filter, size_t chunk,
                               const std::function<std::vector<bool>(std::span<const DlqStoredEntry>)>& deliver,
                               uint64_t* delivered, uint64_t* failed) {
  if (replaying_.exchange(true)) return Status::Unavailable("dlq: a replay is already running");
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = false; }
  } done{replaying_};
  if (chunk == 0) chunk = 1;

  std::vector<uint64_t> sequences;
  {
    std::lock_guard lock(mu_);
    for (const auto& [seq, f] : files_)
      if (!f->removed) sequences.push_back(seq);
  }
  DlqLineReader reader;
  DlqRecordParser parser;
  uint64_t handed = 0, ok = 0, not_ok = 0;
  Status result;
  for (uint64_t seq : sequences) {
    if (handed >= filter.max_entries) break;
    DataFile* f = nullptr;
    uint64_t limit = 0;
    {
      std::lock_guard lock(mu_);
      auto it = files_.find(seq);
      if (it == files_.end() || it->second->removed) continue;
      f = it->second.get();
      ++f->pins;
      limit = f->size;  // what is durable now; appends go on past it
    }
    result = ReplayFile(f, limit, filter, chunk, deliver, &reader, &parser, &handed, &ok, &not_ok);
    Unpin(f);
    if (!result.ok()) break;
  }
  if (delivered != nullptr) *delivered += ok;
  if (failed != nullptr) *failed += not_ok;
  return result;
}

Status DeadLetterQueue::ReplayFile(
    DataFile* f, uint64_t limit, const DlqReplayFilter& filter, size_t chunk,
    const std::function<std::vector<bool>(std::span<const DlqStoredEntry>)>& deliver, DlqLineReader* reader,
    DlqRecordParser* parser, uint64_t* handed, uint64_t* delivered, uint64_t* failed) {
  Status s = reader->Open(PathOf(f->name), limit);
  if (!s.ok()) return s;

  std::vector<DlqStoredEntry> pending;
  std::vector<Nanos> pending_times;
  Nanos oldest_left = INT64_MAX;  // the oldest entry still live after this pass

  // Delivers pending, then marks what was delivered (sidecar first, then the counts).
  auto flush = [&]() -> Status {
    if (pending.empty()) return Status::Ok();
    const std::vector<bool> answers = deliver(std::span<const DlqStoredEntry>(pending));
    std::vector<uint64_t> offsets;
    std::vector<size_t> indices;
    for (size_t i = 0; i < pending.size(); ++i) {
      if (i < answers.size() && answers[i]) {
        offsets.push_back(pending[i].offset);
        indices.push_back(i);
      } else {
        ++*failed;
        oldest_left = std::min(oldest_left, pending_times[i]);
      }
    }
    Status written;
    if (!offsets.empty()) {
      *delivered += offsets.size();
      bool removed;
      {
        std::lock_guard lock(mu_);
        removed = f->removed;
      }
      // A file the limits removed meanwhile is unlinked when unpinned: no marks needed.
      if (!removed) {
        written = DlqAppendDurably(options_.directory, PathOf(DlqSidecarName(f->name)), FormatDlqDoneOffsets(offsets));
      }
      if (written.ok()) {
        std::lock_guard lock(mu_);
        replayed_total_ += offsets.size();
        if (!f->removed) {
          for (size_t i : indices) {
            if (!f->done.insert(pending[i].offset).second) continue;
            --f->live;
            CountLive(f->live_by_key, pending[i].entry.sink, pending[i].entry.reason, -1);
          }
        }
      }
    }
    pending.clear();
    pending_times.clear();
    return written;
  };

  bool whole_file = true;
  std::string_view line;
  uint64_t offset = 0;
  DlqRecordView view;
  while (reader->Next(&line, &offset)) {
    bool is_done;
    {
      std::lock_guard lock(mu_);
      if (f->removed) return Status::Ok();  // expired or evicted meanwhile: nothing left to replay
      is_done = f->done.count(offset) > 0;
    }
    if (is_done) continue;
    if (!parser->Parse(line, &view).ok()) continue;  // counted when the file was scanned at Open
    if ((!filter.sink.empty() && view.sink != filter.sink) || (!filter.reason.empty() && view.reason != filter.reason)) {
      oldest_left = std::min(oldest_left, view.time);
      continue;
    }
    if (*handed >= filter.max_entries) {
      whole_file = false;
      break;
    }
    pending.push_back(DlqStoredEntry{view.ToEntry(), f->name, offset});
    pending_times.push_back(view.time);
    ++*handed;
    if (pending.size() >= chunk) {
      s = flush();
      if (!s.ok()) return s;
    }
  }
  if (!reader->status().ok()) return reader->status();
  s = flush();
  if (!s.ok()) return s;
  if (whole_file) {
    // Every live entry was seen: the lower bound becomes exact. Not for the file appends go to:
    // entries past `limit` were not seen.
    std::lock_guard lock(mu_);
    if (!f->removed && f != active_) f->oldest_live = oldest_left;
  }
  return Status::Ok();
}

void DeadLetterQueue::Unpin(DataFile* f) {
  std::vector<std::string> gone;
  {
    std::lock_guard write_lock(write_mu_);  // the file may be the active one
    std::lock_guard lock(mu_);
    if (--f->pins > 0) return;
    const bool finished = f->entries > 0 && f->live == 0;
    if (f->removed || finished) {
      if (f == active_) {
        ::close(active_fd_);
        active_fd_ = -1;
        active_ = nullptr;
        active_broken_ = false;
      }
      gone.push_back(f->name);
      files_.erase(f->sequence);  // f is destroyed here
    }
  }
  UnlinkAll(gone);
}

}  // namespace logcap
