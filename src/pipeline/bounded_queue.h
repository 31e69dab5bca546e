// BoundedQueue: a bounded, weighted FIFO channel between threads (mutex + condition variables).
//
// It carries batches, never single events, so one lock per batch is cheap (STACK.md: with ~1000
// events a batch the channel is never the bottleneck). Capacity is in caller-defined weight units
// (events for the dispatcher, batches for a sink runner). An item heavier than the whole capacity
// still enters an empty queue, so an oversized batch cannot deadlock the pipeline.
//
// Close() makes every waiting and later Push fail; Pop calls keep returning what is queued and
// return nothing once the queue is closed and empty. All methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace logcap {

template <typename T>
class BoundedQueue {
 public:
  enum class PushResult { kOk, kClosed, kTimedOut };

  explicit BoundedQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Waits while the item does not fit, until the monotonic deadline (0 = no deadline).
  // On_wait is called once, under no lock, before the first wait (used to flag a paused source).
  template <typename OnWait>
  PushResult Push(T&& item, size_t weight, Nanos deadline, OnWait on_wait) {
    std::unique_lock lock(mu_);
    if (!Fits(weight) && !closed_) {
      lock.unlock();
      on_wait();
      lock.lock();
      while (!Fits(weight) && !closed_) {
        if (deadline == 0) {
          not_full_.wait(lock);
        } else if (!WaitUntil(not_full_, lock, deadline)) {
          if (!Fits(weight) && !closed_) return PushResult::kTimedOut;
        }
      }
    }
    if (closed_) return PushResult::kClosed;
    Insert(std::move(item), weight);
    return PushResult::kOk;
  }
  PushResult Push(T&& item, size_t weight, Nanos deadline = 0) {
    return Push(std::move(item), weight, deadline, [] {});
  }

  // Never waits. Returns false (leaving item untouched) when full or closed.
  bool TryPush(T&& item, size_t weight) {
    std::lock_guard lock(mu_);
    if (closed_ || !Fits(weight)) return false;
    Insert(std::move(item), weight);
    return true;
  }

  // Makes room by removing the oldest items into evicted, then pushes. False only when closed.
  bool PushEvictingOldest(T&& item, size_t weight, std::vector<T>& evicted) {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    while (!Fits(weight) && !items_.empty()) {
      weight_ -= items_.front().weight;
      evicted.push_back(std::move(items_.front().value));
      items_.pop_front();
    }
    Insert(std::move(item), weight);
    not_full_.notify_all();
    return true;
  }

  // Waits for at least one item, then until `min_weight` is queued or the oldest item has waited
  // `max_wait` (or the queue is closed), then moves items totalling at most max_weight (always at
  // least one) into out. Returns the weight taken; 0 means closed and empty. If oldest_enqueued is
  // given, it receives the monotonic time the first item taken was pushed.
  size_t PopBatch(std::vector<T>& out, size_t min_weight, size_t max_weight, Nanos max_wait,
                  Nanos* oldest_enqueued = nullptr) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return 0;
    while (weight_ < min_weight && !closed_) {
      const Nanos deadline = items_.front().enqueued + max_wait;
      if (MonotonicNowNanos() >= deadline) break;
      WaitUntil(not_empty_, lock, deadline);
      if (items_.empty()) {  // another consumer took everything: start over
        not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
        if (items_.empty()) return 0;
      }
    }
    size_t taken = 0;
    if (oldest_enqueued != nullptr) *oldest_enqueued = items_.front().enqueued;
    while (!items_.empty() && (taken == 0 || taken + items_.front().weight <= max_weight)) {
      taken += items_.front().weight;
      weight_ -= items_.front().weight;
      out.push_back(std::move(items_.front().value));
      items_.pop_front();
    }
    lock.unlock();
    not_full_.notify_all();
    return taken;
  }

  // Waits until at least one item is queued, the queue is closed, or the monotonic deadline; then
  // moves items totalling at most max_weight (at least one) into out. Returns the weight taken.
  size_t PopUntil(std::vector<T>& out, size_t max_weight, Nanos deadline) {
    std::unique_lock lock(mu_);
    while (items_.empty() && !closed_) {
      if (!WaitUntil(not_empty_, lock, deadline) && MonotonicNowNanos() >= deadline) break;
    }
    size_t taken = 0;
    while (!items_.empty() && (taken == 0 || taken + items_.front().weight <= max_weight)) {
      taken += items_.front().weight;
      weight_ -= items_.front().weight;
      out.push_back(std::move(items_.front().value));
      items_.pop_front();
    }
    lock.unlock();
    if (taken != 0) not_full_.notify_all();
    return taken;
  }

  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }
  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  size_t weight() const {
    std::lock_guard lock(mu_);
    return weight_;
  }
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    T value;
    size_t weight;
    Nanos enqueued;
  };

  bool Fits(size_t weight) const { return items_.empty() || weight_ + weight <= capacity_; }
  void Insert(T&& item, size_t weight) {
    items_.push_back(Entry{std::move(item), weight, MonotonicNowNanos()});
    weight_ += weight;
    not_empty_.notify_all();
  }
  static bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Nanos deadline) {
    const Nanos now = MonotonicNowNanos();
    if (now >= deadline) return false;
    return cv.wait_for(lock, std::chrono::nanoseconds(deadline - now)) == std::cv_status::no_timeout;
  }

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<Entry> items_;
  size_t weight_ = 0;
  bool closed_ = false;
};

}  // namespace logcap
