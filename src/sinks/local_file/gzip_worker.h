// GzipWorker: compresses rotated output files on one background thread.
//
// A job names a rotated file and the output file it came from. The worker gzips the file to
// <file>.gz (writing <file>.gz.tmp, fdatasync, rename, then removing the original, so a crash
// leaves either the original or the finished .gz, never a torn .gz), then prunes the rotated
// files of that output file down to the job's keep count.
//
// The queue is bounded: TryEnqueue() never blocks and answers false when it is full (the caller
// then leaves the file uncompressed and prunes by itself). Stop() cancels the running job between
// chunks (its .gz.tmp is removed, the original stays) and abandons queued jobs; those originals
// are found again and compressed by the next Start() of the sink (FindUncompressedRotatedFiles).
//
// Thread-safety: every method may be called from any thread. The destructor calls Stop().
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace logcap {

// Compresses path to path + ".gz" as described above. Stops early with kAborted when *cancel
// becomes true (may be null).
Status GzipFile(const std::string& path, const std::atomic<bool>* cancel);

class GzipWorker {
 public:
  struct Job {
    std::string rotated_path;  // the file to compress
    std::string base_path;     // the output file it was rotated from, for pruning
    uint64_t keep = 0;         // rotated files of base_path to keep afterwards
  };

  explicit GzipWorker(size_t capacity) : capacity_(capacity) {}
  ~GzipWorker() { Stop(); }
  GzipWorker(const GzipWorker&) = delete;
  GzipWorker& operator=(const GzipWorker&) = delete;

  void Start();
  bool TryEnqueue(Job job);
  void Stop();
  // Blocks until the queue is empty and no job is running (tests, orderly shutdown).
  void WaitIdle();

  uint64_t compressed() const { return compressed_.load(std::memory_order_relaxed); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  uint64_t removed() const { return removed_.load(std::memory_order_relaxed); }

 private:
  void Run();

  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::deque<Job> queue_;
  bool running_ = false;   // the thread exists
  bool stopping_ = false;
  bool busy_ = false;      // a job is being processed
  std::thread thread_;
  std::atomic<bool> cancel_{false};
  std::atomic<uint64_t> compressed_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> removed_{0};
};

}  // namespace logcap
