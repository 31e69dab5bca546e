#include "buffer/wal_reader.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "buffer/log_reader.h"
#include "buffer/monotonic_deadline.h"
#include "buffer/wal.h"
#include "buffer/wal_filenames.h"

namespace logcap {

WalReader::WalReader(Wal* wal, ReaderState* state) : wal_(wal), state_(state), name_(state->name) {}

WalReader::~WalReader() {
  if (fd_ >= 0) ::close(fd_);
  std::lock_guard<std::mutex> l(wal_->mu_);
  state_->open = false;
}

bool WalReader::Next(std::string* payload, WalRecordId* id, uint32_t* event_count, Nanos deadline) {
  while (true) {
    uint64_t segment_number = 0, start = 0, end = 0;
    {
      std::unique_lock<std::mutex> l(wal_->mu_);
      Segment* segment = nullptr;
      size_t index = 0;
      while (true) {
        if (wal_->closed_) return false;
        segment = wal_->FindSegmentLocked(state_->read.segment);
        if (segment != nullptr) {
          if (segment->number != state_->read.segment) {
            // Its segment is gone (kDropOldest, or it was fully read): continue at the next one.
            state_->read = WalRecordId{segment->number, 0};
          }
          const std::vector<SegmentIndexEntry>& entries = segment->entries;
          const size_t cached = state_->cached_index;
          if (state_->cached_segment == segment->number && cached > 0 && cached <= entries.size() &&
              entries[cached - 1].end == state_->read.offset) {
            index = cached;
          } else {
            index = segment->FirstAfter(state_->read.offset);
          }
          if (index < entries.size()) break;
          if (segment->sealed && segment != wal_->segments_.back().get()) {
            // Finished a sealed segment: move to the next one.
            Segment* next = wal_->FindSegmentLocked(segment->number + 1);
            state_->read = WalRecordId{next->number, 0};
            state_->cached_segment = UINT64_MAX;
            continue;
          }
        }
        if (deadline == 0 || MonotonicNowNanos() >= deadline) return false;
        wal_->data_cv_.wait_until(l, ToSteadyTimePoint(deadline));
      }
      segment_number = segment->number;
      start = segment->RecordStart(index);
      end = segment->entries[index].end;
      if (fd_ < 0 || fd_segment_ != segment_number) {
        // Opened under the lock: a segment in the list still has its file.
        if (fd_ >= 0) ::close(fd_);
        fd_ = ::open(segment->path.c_str(), O_RDONLY | O_CLOEXEC);
        fd_segment_ = segment_number;
        if (fd_ < 0) {
          const int err = errno;
          wal_->NoteErrorLocked(Wal::ErrorSource::kRead, Status::IoErrorFromErrno("open " + segment->path, err));
          // Most likely out of descriptors: retry later rather than skip data.
          if (deadline != 0) wal_->data_cv_.wait_until(l, ToSteadyTimePoint(deadline));
          return false;
        }
        wal_->ClearErrorLocked(Wal::ErrorSource::kRead);
      }
      // Claimed before reading, so drop accounting and Commit clamping see it as read.
      state_->read = WalRecordId{segment_number, end};
      state_->cached_segment = segment_number;
      state_->cached_index = index + 1;
    }

    const char* error = nullptr;
    if (ReadRecord(start, end, payload, event_count, &error)) {
      *id = WalRecordId{segment_number, end};
      return true;
    }
    std::lock_guard<std::mutex> l(wal_->mu_);
    ++wal_->corrupt_records_;
    wal_->corrupt_bytes_ += end - start;
    spdlog::warn("disk buffer {}: reader '{}' skipped a corrupt record at {} offset {} ({} bytes): {}", wal_->dir_,
                 name_, walfiles::SegmentFileName(segment_number), start, end - start, error);
  }
}

bool WalReader::ReadRecord(uint64_t start, uint64_t end, std::string* payload, uint32_t* event_count,
                           const char** error) {
  const size_t n = static_cast<size_t>(end - start);
  raw_.resize(n);
  size_t done = 0;
  while (done < n) {
    const ssize_t r = pread(fd_, raw_.data() + done, n - done, static_cast<off_t>(start + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      *error = r < 0 ? "read error" : "segment shorter than its index";
      return false;
    }
    done += static_cast<size_t>(r);
  }
  if (!log::ParseRecordAt(raw_, start, &fragments_, error)) return false;

  // The framing header (at most 16 bytes) may itself straddle fragments.
  char head[1 + coding::kMaxVarint32Bytes + coding::kMaxVarint64Bytes];
  size_t head_size = 0, total = 0;
  for (std::string_view f : fragments_) {
    const size_t k = std::min(f.size(), sizeof(head) - head_size);
    if (k > 0) std::memcpy(head + head_size, f.data(), k);
    head_size += k;
    total += f.size();
  }
  RecordHeader header;
  if (!DecodeRecordHeader(std::string_view(head, head_size), &header)) {
    *error = "bad_record_header";
    return false;
  }
  *event_count = header.event_count;
  const size_t body_size = total - header.header_size;

  // One copy from the read buffer into the payload (or into the decompressor).
  auto for_each_body_piece = [&](auto&& fn) {
    size_t skip = header.header_size;
    for (std::string_view f : fragments_) {
      const size_t k = std::min(skip, f.size());
      skip -= k;
      f.remove_prefix(k);
      if (!f.empty()) fn(f);
    }
  };
  if (!header.compressed()) {
    payload->resize(body_size);
    char* out = payload->data();
    for_each_body_piece([&](std::string_view f) {
      std::memcpy(out, f.data(), f.size());
      out += f.size();
    });
    return true;
  }
  std::string_view body;
  if (fragments_.size() == 1) {
    body = fragments_[0].substr(header.header_size);
  } else {
    joined_.clear();
    for_each_body_piece([&](std::string_view f) { joined_.append(f.data(), f.size()); });
    body = joined_;
  }
  if (!decompressor_.Decompress(header, body, payload)) {
    *error = "bad_compressed_data";
    return false;
  }
  return true;
}

void WalReader::Commit(const WalRecordId& id) {
  std::lock_guard<std::mutex> l(wal_->mu_);
  if (wal_->closed_) return;
  const WalRecordId done = std::min(id, state_->read);
  if (done <= state_->committed) return;
  state_->committed = done;
  state_->dirty = true;
  // Wake the sync thread when its schedule changes: first dirty cursor, or an Append waits
  // for the space this commit may free (then the cursor is saved at once).
  const bool urgent = wal_->blocked_appends_ > 0;
  if (!wal_->cursors_dirty_ || urgent) {
    wal_->cursors_dirty_ = true;
    wal_->cursor_save_urgent_ = wal_->cursor_save_urgent_ || urgent;
    wal_->sync_cv_.notify_one();
  }
}

Status WalReader::Checkpoint() {
  {
    std::lock_guard<std::mutex> l(wal_->mu_);
    if (wal_->closed_) return Status::Unavailable("disk buffer closed");
  }
  Status s = wal_->SaveCursorsNow(&name_);
  wal_->DeleteObsoleteSegments();
  return s;
}

}  // namespace logcap
