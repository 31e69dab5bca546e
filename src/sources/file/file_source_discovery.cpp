// FileSource, part two: discovering files (glob scans) and the life of each file in the source
// (open with the right start offset, rotation, release). See file_source.h for the contracts.
#include "sources/file/file_source.h"
#include "sources/file/multiline_decoder.h"

#include <dirent.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "telemetry/metrics.h"

namespace logcap {

void FileSource::Scan(bool first) {
  ++scan_count_;
  const Nanos now = MonotonicNowNanos();
  last_scan_ = now;
  next_scan_ = now + scan_interval_;
  rescan_requested_ = false;

  GlobExpansion expansion = ExpandGlobs(filter_);
  watcher_->SyncDirectories(expansion.directories);

  // Identify what the globs match now; a file reachable by two paths counts once (first path).
  std::vector<std::pair<std::string, FileKey>> found;
  std::unordered_map<FileKey, size_t, FileKeyHash> found_index;
  for (const std::string& path : expansion.files) {
    FileKey key;
    if (!StatFileKey(path, &key)) continue;
    if (found_index.emplace(key, found.size()).second) found.emplace_back(path, key);
  }

  // Known files: still at their path, or moved to another matching path.
  std::unordered_map<std::string, TailedFile*> by_path;
  for (const auto& [path, key] : found) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) continue;
    TailedFile* file = it->second;
    file->seen_scan = scan_count_;
    if (file->path() != path) {
      spdlog::info("file source {}: {} was renamed to {}", name_, file->path(), path);
      file->MarkMoved(path, now);
      ++structure_changes_;
      stats_.rotations.fetch_add(1, std::memory_order_relaxed);
      m_.rotated->Increment();
      Enqueue(file);
    } else if (file->state() == TailedFile::State::kRotated && !file->deleted()) {
      file->SetActive();  // back at a matching path
    }
    by_path[path] = file;
  }
  // Active files the globs no longer find at their path: rotated away or deleted.
  for (auto& owned : files_) {
    TailedFile* file = owned.get();
    if (file->state() != TailedFile::State::kActive || file->seen_scan == scan_count_) continue;
    FileKey key;
    if (StatFileKey(file->path(), &key) && key == file->identity().key && filter_.Accepts(file->path())) {
      file->seen_scan = scan_count_;  // a transient miss (e.g. an unreadable directory for a moment)
      by_path[file->path()] = file;
      continue;
    }
    Rotate(file, now, file->deleted());
  }
  by_path_ = std::move(by_path);

  if (first && !saved_.empty()) {
    // Files rotated while the agent was down: look for them next to where they were.
    std::unordered_map<std::string, std::unordered_map<FileKey, std::string, FileKeyHash>> listings;
    for (auto it = saved_.begin(); it != saved_.end();) {
      if (found_index.count(it->first) != 0) {
        ++it;
        continue;
      }
      const PositionEntry entry = it->second;
      it = saved_.erase(it);
      const std::string dir = Dirname(entry.path);
      auto listing = listings.find(dir);
      if (listing == listings.end()) {
        listing = listings.emplace(dir, std::unordered_map<FileKey, std::string, FileKeyHash>()).first;
        if (DIR* d = ::opendir(dir.c_str())) {
          while (dirent* e = ::readdir(d)) {
            if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
            const std::string p = JoinPath(dir, e->d_name);
            FileKey k;
            if (StatFileKey(p, &k)) listing->second.emplace(k, p);
          }
          ::closedir(d);
        }
      }
      auto match = listing->second.find(entry.identity.key);
      if (match == listing->second.end()) {
        spdlog::info("file source {}: {} is gone; forgetting its position", name_, entry.path);
        continue;
      }
      if (match->second == entry.path) continue;  // not rotated: no longer matched by the globs
      if (OpenFile(match->second, /*first_scan=*/true, &entry) != nullptr) {
        spdlog::info("file source {}: {} was rotated to {} while stopped; reading the rest of it", name_,
                     entry.path, match->second);
      }
    }
  }

  // Files renamed from a matching path to a non-matching one before any scan saw them: read them
  // whole, as rotated files, in rename order (each after the one that was at the path before it).
  for (const auto& [from, to] : renamed_out_) {
    FileKey key;
    if (!StatFileKey(to, &key) || by_key_.count(key) != 0 || found_index.count(key) != 0) continue;
    PositionEntry entry;
    entry.path = from;
    entry.identity.key = key;  // fingerprint_len 0: nothing to compare, read from 0
    if (OpenFile(to, /*first_scan=*/false, &entry) != nullptr) {
      spdlog::info("file source {}: {} was rotated to {} before it was read; reading it", name_, from, to);
      stats_.rotations.fetch_add(1, std::memory_order_relaxed);
      m_.rotated->Increment();
    }
  }
  renamed_out_.clear();

  // New files.
  for (const auto& [path, key] : found) {
    if (by_key_.count(key) != 0 || skipped_.count(key) != 0) continue;
    if (first) first_scan_keys_.insert(key);
    OpenFile(path, first || first_scan_keys_.count(key) != 0, nullptr);
  }
  for (auto it = skipped_.begin(); it != skipped_.end();) {
    it = found_index.count(*it) != 0 ? std::next(it) : skipped_.erase(it);
  }
  if (!first) {
    for (auto it = saved_.begin(); it != saved_.end();) {
      it = found_index.count(it->first) != 0 ? std::next(it) : saved_.erase(it);
    }
    for (auto it = first_scan_keys_.begin(); it != first_scan_keys_.end();) {
      it = found_index.count(*it) != 0 ? std::next(it) : first_scan_keys_.erase(it);
    }
  }
}

TailedFile* FileSource::OpenFile(const std::string& path, bool first_scan, const PositionEntry* rotated_entry) {
  if (config_.max_open_files != 0 && files_.size() >= config_.max_open_files) {
    if (!open_limit_logged_) {
      open_limit_logged_ = true;
      spdlog::warn("file source {}: max_open_files ({}) reached; more files wait until others are released",
                   name_, config_.max_open_files);
    }
    return nullptr;
  }
  const std::string& origin = rotated_entry ? rotated_entry->path : path;  // the path it was found at
  std::unique_ptr<TailedFile> owned;
  Status s = TailedFile::Open(path, tail_options_, profile_ ? nullptr : MakeSourceInfo(origin), &owned);
  if (!s.ok()) {
    if (s.code() == Status::Code::kIoError) CountReadError(path, s.message());
    return nullptr;
  }
  if (unreadable_.erase(path) != 0) spdlog::info("file source {}: {} is readable now", name_, path);
  const FileKey key = owned->identity().key;
  if (by_key_.count(key) != 0) return nullptr;  // renamed under us: known by its other path
  if (profile_) {
    FileAdmission admission = profile_->Admit(origin, rotated_entry != nullptr);
    if (admission.verdict == FileAdmission::Verdict::kSkip) skipped_.insert(key);
    if (admission.verdict != FileAdmission::Verdict::kOpen) return nullptr;
    std::unique_ptr<LineDecoder> decoder =
        WrapWithMultiline(std::move(admission.decoder), admission.info, multiline_);
    owned->Describe(std::move(admission.info), std::move(decoder));
  } else if (multiline_) {
    // A plain file whose pipeline starts with multiline: its lines are joined as they are read.
    if (std::unique_ptr<LineDecoder> decoder = WrapWithMultiline(nullptr, owned->info(), multiline_)) {
      owned->Describe(owned->info(), std::move(decoder));
    }
  }

  const Nanos now = MonotonicNowNanos();
  uint64_t start = 0;
  auto truncated_while_down = [&](uint64_t saved_offset) {
    spdlog::info("file source {}: {} is shorter than its saved position {}; reading it from the start", name_,
                 path, saved_offset);
    stats_.truncations.fetch_add(1, std::memory_order_relaxed);
    m_.truncated->Increment();
  };
  if (rotated_entry != nullptr) {
    if (!(key == rotated_entry->identity.key) || !FingerprintMatches(owned->fd(), rotated_entry->identity)) {
      return nullptr;  // replaced under us, or the inode was reused
    }
    start = rotated_entry->offset;
    if (start > owned->size()) {
      truncated_while_down(start);
      start = 0;
    }
  } else if (auto saved = saved_.find(key); saved != saved_.end()) {
    if (FingerprintMatches(owned->fd(), saved->second.identity)) {
      start = saved->second.offset;
      if (start > owned->size()) {
        truncated_while_down(start);
        start = 0;
      }
    } else {
      spdlog::info("file source {}: {} reuses the inode of a file read before; reading it as a new file", name_,
                   path);
    }
    saved_.erase(saved);
  } else if (first_scan && config_.read_from == "end") {
    start = EndStartOffset(owned->fd(), owned->size());
  }
  first_scan_keys_.erase(key);
  owned->StartAt(start, NewStreamId());
  ++structure_changes_;

  TailedFile* file = owned.get();
  files_.push_back(std::move(owned));
  by_key_[key] = file;
  // Per-path order: the file that was at this path before must be read to its end first.
  const std::string& order_path = rotated_entry != nullptr ? rotated_entry->path : path;
  auto last = last_at_path_.find(order_path);
  if (last != last_at_path_.end() && last->second != file && last->second->successor == nullptr) {
    file->predecessor = last->second;
    last->second->successor = file;
    last->second->RequireDrain();
    Enqueue(last->second);
  }
  last_at_path_[order_path] = file;
  if (rotated_entry != nullptr) {
    file->MarkRotated(now);
  } else {
    by_path_[path] = file;
  }
  file->watch = watcher_->AddFile(file->fd(), path);
  if (file->watch >= 0) by_watch_[file->watch] = file;
  m_.opened->Increment();
  m_.files_monitored->Increment();
  stats_.files_opened.fetch_add(1, std::memory_order_relaxed);
  stats_.files_open.fetch_add(1, std::memory_order_relaxed);
  spdlog::debug("file source {}: opened {} at offset {}", name_, path, start);
  Enqueue(file);
  return file;
}

void FileSource::Rotate(TailedFile* file, Nanos now, bool deleted) {
  if (file->state() != TailedFile::State::kActive) return;
  auto it = by_path_.find(file->path());
  if (it != by_path_.end() && it->second == file) by_path_.erase(it);
  file->MarkRotated(now);
  if (!deleted) {
    spdlog::info("file source {}: {} was rotated; reading the old file to its end", name_, file->path());
    stats_.rotations.fetch_add(1, std::memory_order_relaxed);
    m_.rotated->Increment();
  }
  Enqueue(file);
}

void FileSource::MaybeRelease(TailedFile* file, Nanos now) {
  if (file->state() != TailedFile::State::kRotated || !file->at_eof()) return;
  if (!file->deleted() && now - file->rotated_at() < rotate_wait_) return;
  Release(file);
}

void FileSource::Release(TailedFile* file) {
  if (!file->Release(*this)) pipeline_closed_ = true;
  if (file->watch >= 0) {
    watcher_->RemoveFile(file->watch);
    by_watch_.erase(file->watch);
    file->watch = -1;
  }
  by_key_.erase(file->identity().key);
  if (auto it = by_path_.find(file->path()); it != by_path_.end() && it->second == file) by_path_.erase(it);
  for (auto it = last_at_path_.begin(); it != last_at_path_.end();) {
    it = it->second == file ? last_at_path_.erase(it) : std::next(it);
  }
  if (file->successor != nullptr) {
    file->successor->predecessor = file->predecessor;
    Enqueue(file->successor);
  }
  if (file->predecessor != nullptr) file->predecessor->successor = file->successor;
  ready_.erase(std::remove(ready_.begin(), ready_.end(), file), ready_.end());
  released_.push_back(Released{file->Position(), file->tracker()});
  ++structure_changes_;
  spdlog::debug("file source {}: released {}", name_, file->path());
  m_.closed->Increment();
  m_.files_monitored->Decrement();
  stats_.files_closed.fetch_add(1, std::memory_order_relaxed);
  stats_.files_open.fetch_sub(1, std::memory_order_relaxed);
  auto owned = std::find_if(files_.begin(), files_.end(), [file](const auto& f) { return f.get() == file; });
  if (owned != files_.end()) {
    std::swap(*owned, files_.back());
    files_.pop_back();
  }
}

void FileSource::CountReadError(const std::string& path, const std::string& message) {
  if (!unreadable_.insert(path).second) return;  // logged and counted once until it works again
  spdlog::warn("file source {}: {}; retrying at each scan", name_, message);
  stats_.read_errors.fetch_add(1, std::memory_order_relaxed);
  m_.read_error->Increment();
}

std::shared_ptr<const SourceInfo> FileSource::MakeSourceInfo(const std::string& path) const {
  auto info = std::make_shared<SourceInfo>();
  info->type = "file";
  info->id = path;
  info->name = std::string(Basename(path));
  info->component = name_;
  info->labels = labels_;
  return info;
}

}  // namespace logcap
