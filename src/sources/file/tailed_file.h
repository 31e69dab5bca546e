// TailedFile: one open file being tailed, from open to release.
//
// It owns the file descriptor, the file's identity, its LineSplitter and its current AckTracker,
// and builds the batches of its lines (one AckToken per batch, events of this file only). It does
// not decide about rotation: the FileSource does, and tells it through MarkRotated()/MarkMoved().
//
// Lines and events: without a LineDecoder every line is one event, its message a view into the
// splitter's block. With one (container logs), the decoder makes the events; text it does not
// point into a line's block is copied into a block of the batch's own. A batch's AckToken then
// covers the lines decoded so far, except a line the decoder still holds parts of (its
// held_start_offset), and lines that produced no event (parts, filtered streams) still move the
// position: they are registered with the tracker as dropped.
//
// States:
//   kActive   the file is at a path that matches the include globs; it is read as it grows.
//   kRotated  its path is gone or names another file now (rename rotation, deletion): it is read
//             to its end, then released (at once if deleted, else after rotate_wait).
// After Release() the descriptor is closed; only its AckTracker lives on until the last ack.
//
// Per-path order: a file discovered at a path where an older file was (its predecessor) is not
// read before the predecessor has been read to its end once after its rotation (CanRead()).
//
// Thread-safety: used only by the source's reader thread. The AckTracker it hands to tokens is the
// only part touched by other threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/event_batch.h"
#include "core/status.h"
#include "sources/common/ack_tracker.h"
#include "sources/file/file_identity.h"
#include "sources/file/line_decoder.h"
#include "sources/file/line_splitter.h"
#include "sources/file/positions_store.h"

namespace logcap {

struct TailOptions {
  size_t read_buffer_size = 256 * 1024;
  size_t max_line_size = 1024 * 1024;
  size_t fingerprint_size = 256;
  size_t max_batch_events = 1000;
  size_t turn_bytes = 1024 * 1024;  // at most this many bytes per ReadTurn (fairness between files)
};

// Where a TailedFile sends what it reads. Implemented by FileSource (and by tests).
class TailOutput {
 public:
  virtual ~TailOutput() = default;
  // Hands over a batch (it carries one AckToken). false: the pipeline is shutting down.
  virtual bool PushBatch(EventBatch&& batch, size_t truncated_lines) = 0;
  // A new unique stream id (for SourcePosition::stream_id), one per stream generation.
  virtual uint64_t NewStreamId() = 0;
};

class TailedFile : private DecodedEventSink {
 public:
  enum class State { kActive, kRotated };

  struct TurnResult {
    bool more = false;            // stopped at the byte budget: more data is waiting
    bool closed = false;          // the pipeline refused a batch: stop reading
    bool truncated = false;       // the file shrank (copytruncate) or its first bytes changed: restarted at 0
    bool read_error = false;      // fstat/pread failed (logged by the caller)
    bool deleted = false;         // the file has no links any more
    uint64_t bytes = 0;           // bytes read
    int error = 0;                // errno of read_error
  };

  // Opens path read-only (non-blocking, close-on-exec) and computes its identity. Fails with the
  // errno of open()/fstat(), or InvalidArgument for a non-regular file.
  static Status Open(const std::string& path, const TailOptions& options, std::shared_ptr<const SourceInfo> info,
                     std::unique_ptr<TailedFile>* out);
  ~TailedFile();
  TailedFile(const TailedFile&) = delete;
  TailedFile& operator=(const TailedFile&) = delete;

  // Replaces the file's description and makes decoder (optional) turn its lines into events. Call
  // before StartAt, at most once.
  void Describe(std::shared_ptr<const SourceInfo> info, std::unique_ptr<LineDecoder> decoder) {
    info_ = std::move(info);
    decoder_ = std::move(decoder);
  }

  // Sets where reading starts and the stream generation. Call once, before ReadTurn.
  void StartAt(uint64_t offset, uint64_t stream_id);

  // Reads up to options.turn_bytes and pushes the lines found, in batches of at most
  // max_batch_events. Detects truncation (size < offset, or changed first bytes) and restarts the
  // file at 0 under a new stream generation (the held partial line is first emitted kFlagPartial).
  TurnResult ReadTurn(TailOutput& out);

  // Emits the held incomplete line (kFlagPartial) if the file has not grown for `timeout`, and
  // sooner what the decoder asks to (LineDecoder::flush_after: multiline groups).
  // Returns false if the pipeline refused it.
  bool FlushPartialIfIdle(TailOutput& out, Nanos now, Nanos timeout);
  // Emits the held partial line and closes the descriptor. Returns false if the pipeline refused.
  bool Release(TailOutput& out);

  // Rotation bookkeeping (decided by the FileSource).
  void MarkRotated(Nanos now);                      // path lost: read to the end, then release
  void MarkMoved(std::string new_path, Nanos now);  // renamed to another matching path: stays active
  void SetActive() { state_ = State::kActive; }
  // A newer file appeared at this file's path: it waits until this one has been read to its end
  // again (bytes written here before the new file existed are read first).
  void RequireDrain() { drained_since_rotation_ = false; }

  // Re-reads size and link count with fstat; returns false on error.
  bool Refresh();

  // Queries.
  const std::string& path() const { return path_; }
  const FileIdentity& identity() const { return identity_; }
  int fd() const { return fd_; }
  State state() const { return state_; }
  uint64_t size() const { return size_; }
  bool deleted() const { return nlink_ == 0; }
  bool at_eof() const { return splitter_ && splitter_->next_read_offset() >= size_; }
  uint64_t read_offset() const { return splitter_ ? splitter_->next_read_offset() : 0; }
  Nanos rotated_at() const { return rotated_at_; }
  // Read to its end at least once since its last rotation or move (or never rotated).
  bool drained_since_rotation() const { return drained_since_rotation_; }
  // An incomplete line is held: by the splitter (no newline yet) or by the decoder (parts).
  bool has_partial() const { return (splitter_ && splitter_->has_partial()) || (decoder_ && decoder_->holding()); }
  const std::shared_ptr<AckTracker>& tracker() const { return tracker_; }
  const std::shared_ptr<const SourceInfo>& info() const { return info_; }
  // Position to save: where a restart must resume.
  PositionEntry Position() const;

  // Links managed by the FileSource.
  TailedFile* predecessor = nullptr;  // older file at the same path, to be drained first
  TailedFile* successor = nullptr;    // newer file at the same path, waiting for this one
  int watch = -1;                     // inotify watch descriptor, or -1
  bool queued = false;                // in the source's ready queue
  uint64_t seen_scan = 0;             // last scan that found it
  Nanos last_event = 0;               // last inotify event for it (monotonic)
  bool inotify_silent = false;        // the poll found data inotify did not report: poll it often

  bool CanRead() const { return predecessor == nullptr || predecessor->drained_since_rotation(); }

 private:
  TailedFile(std::string path, const TailOptions& options, std::shared_ptr<const SourceInfo> info, int fd);
  void AddLine(const LineSplitter::Line& line, Nanos read_time);
  void BeginBatch();
  // DecodedEventSink: an event of the decoder.
  void Add(const DecodedEvent& event) override;
  std::string_view CopyText(std::string_view text);
  // Emits what the splitter and the decoder hold, flagged partial.
  void FlushHeld();
  bool FlushBatch(TailOutput& out);
  bool RestartAfterTruncation(TailOutput& out);
  void UpdateFingerprint();

  std::string path_;
  const TailOptions options_;
  std::shared_ptr<const SourceInfo> info_;
  int fd_;
  FileIdentity identity_;
  uint64_t size_ = 0;
  uint64_t nlink_ = 1;
  uint64_t size_at_last_turn_ = 0;
  State state_ = State::kActive;
  Nanos rotated_at_ = 0;
  Nanos last_growth_ = 0;
  bool drained_since_rotation_ = true;

  std::unique_ptr<LineSplitter> splitter_;
  std::unique_ptr<LineDecoder> decoder_;
  std::shared_ptr<AckTracker> tracker_;
  uint64_t line_start_ = 0;       // where the next line from the splitter starts
  uint64_t registered_end_ = 0;   // the last offset registered with tracker_

  // The batch being built.
  EventBatch batch_;
  const SourceInfo* batch_source_ = nullptr;
  uint64_t batch_end_offset_ = 0;
  size_t batch_truncated_ = 0;
  // Decoded text that points into no line's block is copied here; one block (or more) per batch.
  ByteBlockPtr text_block_;
  size_t text_used_ = 0;
  size_t text_block_size_ = 64 * 1024;  // grows to what a batch needed, up to 4 MiB
  size_t batch_text_bytes_ = 0;
  Nanos read_time_ = 0;
  bool closed_ = false;  // the pipeline refused a batch
};

// Where reading starts for read_from: end: just past the last newline in the file's last 64 KiB
// (so a line being written is read whole), else the file size.
uint64_t EndStartOffset(int fd, uint64_t size);

}  // namespace logcap
