#include "sources/file/tailed_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace logcap {

namespace {

constexpr size_t kEndSearchWindow = 64 * 1024;

ssize_t PreadFull(int fd, char* buf, size_t len, uint64_t offset) {
  while (true) {
    ssize_t n = ::pread(fd, buf, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

}  // namespace

Status TailedFile::Open(const std::string& path, const TailOptions& options, std::shared_ptr<const SourceInfo> info,
                        std::unique_ptr<TailedFile>* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Status::IoErrorFromErrno("open " + path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IoErrorFromErrno("fstat " + path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + " is not a regular file");
  }
  std::unique_ptr<TailedFile> file(new TailedFile(path, options, std::move(info), fd));
  file->identity_.key = FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  file->size_ = static_cast<uint64_t>(st.st_size);
  file->nlink_ = static_cast<uint64_t>(st.st_nlink);
  Status s = ComputeFingerprint(fd, options.fingerprint_size, &file->identity_.fingerprint,
                                &file->identity_.fingerprint_len);
  if (!s.ok()) return s;  // the destructor closes fd
  *out = std::move(file);
  return Status::Ok();
}

TailedFile::TailedFile(std::string path, const TailOptions& options, std::shared_ptr<const SourceInfo> info, int fd)
    : path_(std::move(path)), options_(options), info_(std::move(info)), fd_(fd) {}

TailedFile::~TailedFile() {
  if (fd_ >= 0) ::close(fd_);
}

void TailedFile::StartAt(uint64_t offset, uint64_t stream_id) {
  splitter_ = std::make_unique<LineSplitter>(options_.max_line_size, offset);
  tracker_ = std::make_shared<AckTracker>(stream_id, offset);
  line_start_ = offset;
  registered_end_ = offset;
  size_at_last_turn_ = size_;
  last_growth_ = MonotonicNowNanos();
  drained_since_rotation_ = true;
}

bool TailedFile::Refresh() {
  if (fd_ < 0) return false;
  struct stat st;
  if (::fstat(fd_, &st) != 0) return false;
  size_ = static_cast<uint64_t>(st.st_size);
  nlink_ = static_cast<uint64_t>(st.st_nlink);
  return true;
}

void TailedFile::BeginBatch() {
  batch_.Reserve(std::min<size_t>(options_.max_batch_events, 64));
  if (decoder_) {
    for (const auto& source : decoder_->sources()) batch_.RetainSource(source);
  } else {
    batch_source_ = batch_.RetainSource(info_);
  }
  batch_truncated_ = 0;
}

void TailedFile::AddLine(const LineSplitter::Line& line, Nanos read_time) {
  if (closed_) return;
  if (decoder_) {
    const uint64_t start = line_start_;
    line_start_ = line.end_offset;
    batch_end_offset_ = line.end_offset;
    decoder_->Decode(line, start, *this);
    return;
  }
  if (batch_.empty()) BeginBatch();
  batch_.RetainBlock(*line.block);
  Event e;
  e.message = line.text;
  e.read_time = read_time;
  e.source = batch_source_;
  e.flags = line.flags;
  e.position = SourcePosition{tracker_->stream_id(), line.end_offset};
  batch_.Add(e);
  batch_end_offset_ = line.end_offset;
  if ((line.flags & kFlagTruncated) != 0) ++batch_truncated_;
}

void TailedFile::Add(const DecodedEvent& decoded) {
  if (batch_.empty()) BeginBatch();
  Event e;
  if (decoded.block != nullptr) {
    batch_.RetainBlock(*decoded.block);
    e.message = decoded.text;
  } else {
    e.message = CopyText(decoded.text);
  }
  e.source_time = decoded.source_time;
  e.read_time = read_time_;
  e.source = decoded.source;
  e.flags = decoded.flags;
  e.position = SourcePosition{tracker_->stream_id(), decoded.end_offset};
  batch_.Add(e);
  if ((decoded.flags & kFlagTruncated) != 0) ++batch_truncated_;
}

std::string_view TailedFile::CopyText(std::string_view text) {
  if (text.empty()) return {};
  if (!text_block_ || text_block_->capacity() - text_used_ < text.size()) {
    if (text_block_) text_block_->set_size(text_used_);
    text_block_ = ByteBlock::Create(std::max(text_block_size_, text.size()));
    text_used_ = 0;
    batch_.RetainBlock(text_block_);
  }
  char* dst = text_block_->data() + text_used_;
  std::memcpy(dst, text.data(), text.size());
  text_used_ += text.size();
  batch_text_bytes_ += text.size();
  return std::string_view(dst, text.size());
}

void TailedFile::FlushHeld() {
  auto add = [this](const LineSplitter::Line& line) { AddLine(line, read_time_); };
  splitter_->FlushPartial(add);
  if (decoder_) decoder_->Flush(splitter_->next_read_offset(), *this);
}

bool TailedFile::FlushBatch(TailOutput& out) {
  if (closed_) return false;
  uint64_t ack_end = batch_end_offset_;
  if (decoder_) {
    // Never past a line whose parts are held: a restart must read them again.
    if (auto held = decoder_->held_start_offset(); held && *held < ack_end) ack_end = *held;
    ack_end = std::max(ack_end, registered_end_);
    if (text_block_) {
      text_block_->set_size(text_used_);
      text_block_.reset();  // shared with the batch now: the next batch writes a new block
      text_block_size_ = std::clamp<size_t>(batch_text_bytes_ + batch_text_bytes_ / 8, 64 * 1024, 4 << 20);
      batch_text_bytes_ = 0;
    }
    if (batch_.empty()) {
      // Lines that made no event (held parts, filtered streams) still move the position.
      if (ack_end > registered_end_) {
        tracker_->Finalize(tracker_->Register(ack_end), DeliveryOutcome::kDropped);
        registered_end_ = ack_end;
      }
      return true;
    }
  }
  if (batch_.empty()) return true;
  batch_.AddAck(AckTracker::MakeToken(tracker_, ack_end));
  registered_end_ = ack_end;
  const size_t truncated = batch_truncated_;
  batch_truncated_ = 0;
  EventBatch batch = std::move(batch_);
  batch_ = EventBatch();
  if (!out.PushBatch(std::move(batch), truncated)) closed_ = true;
  return !closed_;
}

bool TailedFile::RestartAfterTruncation(TailOutput& out) {
  read_time_ = WallNowNanos();
  FlushHeld();
  if (!FlushBatch(out)) return false;
  splitter_->Reset(0);
  if (decoder_) decoder_->Reset();
  tracker_ = std::make_shared<AckTracker>(out.NewStreamId(), 0);
  line_start_ = 0;
  registered_end_ = 0;
  batch_end_offset_ = 0;
  identity_.fingerprint_len = 0;
  identity_.fingerprint = EmptyFingerprint();
  UpdateFingerprint();
  return true;
}

void TailedFile::UpdateFingerprint() {
  if (identity_.fingerprint_len >= options_.fingerprint_size || size_ <= identity_.fingerprint_len) return;
  uint64_t fp = 0;
  uint32_t len = 0;
  if (ComputeFingerprint(fd_, options_.fingerprint_size, &fp, &len).ok()) {
    identity_.fingerprint = fp;
    identity_.fingerprint_len = len;
  }
}

TailedFile::TurnResult TailedFile::ReadTurn(TailOutput& out) {
  TurnResult r;
  if (closed_) {
    r.closed = true;
    return r;
  }
  if (!Refresh()) {
    r.read_error = true;
    r.error = errno;
    return r;
  }
  r.deleted = nlink_ == 0;

  // Copytruncate: the file is shorter than where we are, or its first bytes are not the ones we
  // fingerprinted (truncated and rewritten past our offset between two looks).
  const uint64_t offset = splitter_->next_read_offset();
  bool replaced = size_ < offset;
  if (!replaced && size_ != size_at_last_turn_ && identity_.fingerprint_len > 0) {
    replaced = !FingerprintMatches(fd_, identity_);
  }
  if (replaced) {
    if (!RestartAfterTruncation(out)) {
      r.closed = true;
      return r;
    }
    r.truncated = true;
  }
  size_at_last_turn_ = size_;

  auto on_line = [this, &out](const LineSplitter::Line& line) {
    AddLine(line, read_time_);
    if (batch_.size() >= options_.max_batch_events) FlushBatch(out);
  };
  bool hit_end = false;  // read everything there is (as far as size or read() say)
  while (r.bytes < options_.turn_bytes && !closed_) {
    const uint64_t off = splitter_->next_read_offset();
    if (off >= size_) {
      hit_end = true;
      break;
    }
    const size_t want = static_cast<size_t>(
        std::min<uint64_t>({size_ - off, options_.read_buffer_size, options_.turn_bytes - r.bytes}));
    std::span<char> buf = splitter_->PrepareRead(want);
    ssize_t n = PreadFull(fd_, buf.data(), buf.size(), off);
    if (n < 0) {
      r.read_error = true;
      r.error = errno;
      break;
    }
    if (n == 0) {  // shrank since fstat (the next turn sees it), or a size that read() disagrees with
      hit_end = true;
      break;
    }
    read_time_ = WallNowNanos();
    splitter_->Commit(static_cast<size_t>(n), on_line);
    r.bytes += static_cast<uint64_t>(n);
  }
  if (r.bytes > 0) last_growth_ = MonotonicNowNanos();
  if (!FlushBatch(out)) r.closed = true;
  if (r.closed) return r;
  UpdateFingerprint();
  if (splitter_->next_read_offset() >= size_) hit_end = true;
  if (hit_end) {
    drained_since_rotation_ = true;
  } else if (!r.read_error) {
    r.more = true;  // stopped by the byte budget only
  }
  return r;
}

bool TailedFile::FlushPartialIfIdle(TailOutput& out, Nanos now, Nanos timeout) {
  if (closed_ || !splitter_ || !has_partial()) return !closed_;
  const Nanos idle = now - last_growth_;
  // A decoder may hold complete lines due sooner (multiline groups, flush_timeout); parts of
  // unfinished lines still wait for the full timeout.
  const std::optional<Nanos> due = decoder_ ? decoder_->flush_after() : std::nullopt;
  const bool all = idle >= timeout;
  if (!all && !(due && idle >= *due)) return true;
  if (Refresh() && size_ > splitter_->next_read_offset()) return true;  // unread bytes may complete it
  read_time_ = WallNowNanos();
  if (all) {
    FlushHeld();
  } else {
    decoder_->FlushIdle(idle, *this);
  }
  return FlushBatch(out);
}

bool TailedFile::Release(TailOutput& out) {
  bool ok = !closed_;
  if (ok && splitter_) {
    read_time_ = WallNowNanos();
    FlushHeld();
    ok = FlushBatch(out);
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  return ok;
}

void TailedFile::MarkRotated(Nanos now) {
  state_ = State::kRotated;
  rotated_at_ = now;
  drained_since_rotation_ = false;
}

void TailedFile::MarkMoved(std::string new_path, Nanos now) {
  path_ = std::move(new_path);
  state_ = State::kActive;
  rotated_at_ = now;
  drained_since_rotation_ = false;
}

PositionEntry TailedFile::Position() const {
  PositionEntry e;
  e.path = path_;
  e.identity = identity_;
  e.offset = tracker_ ? tracker_->committed_offset() : 0;
  return e;
}

uint64_t EndStartOffset(int fd, uint64_t size) {
  if (size == 0) return 0;
  const size_t window = static_cast<size_t>(std::min<uint64_t>(size, kEndSearchWindow));
  std::vector<char> buf(window);
  const uint64_t begin = size - window;
  ssize_t n = PreadFull(fd, buf.data(), window, begin);
  if (n != static_cast<ssize_t>(window)) return size;
  for (size_t i = window; i > 0; --i) {
    if (buf[i - 1] == '\n') return begin + i;
  }
  return begin == 0 ? 0 : size;
}

}  // namespace logcap
