// Allocation counting for tests that prove a hot path does not allocate per record or line.
//
// This header REPLACES the global operator new and delete (every form) of the test binary it is
// linked into, so include it in exactly one .cpp of a binary. The replacements allocate with
// malloc and free with free (ASan checks that every form of new pairs with a delete of the same
// family, and libraries such as simdjson use the array and nothrow forms), and count calls to new
// only while an AllocationCounter is counting: every other test of the binary is unaffected.
//
//   AllocationCounter counter;   // counts from here...
//   RunTheHotPath();
//   counter.Stop();              // ...to here (or to the end of its scope)
//   EXPECT_EQ(counter.count(), 0u);
//
// Threading: counts allocations of every thread while active; one counter at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace logcap::testing {

inline std::atomic<bool> g_count_allocations{false};
inline std::atomic<uint64_t> g_allocations_counted{0};

inline void CountAllocation() {
  if (g_count_allocations.load(std::memory_order_relaxed)) g_allocations_counted.fetch_add(1, std::memory_order_relaxed);
}

class AllocationCounter {
 public:
  AllocationCounter() {
    g_allocations_counted.store(0);
    g_count_allocations.store(true);
  }
  ~AllocationCounter() { Stop(); }
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;

  void Stop() { g_count_allocations.store(false); }
  uint64_t count() const { return g_allocations_counted.load(); }
};

}  // namespace logcap::testing

// Replacement functions may not be inline: hence "one .cpp per binary".
void* operator new(size_t n) {
  logcap::testing::CountAllocation();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  logcap::testing::CountAllocation();
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new[](size_t n, const std::nothrow_t& tag) noexcept { return operator new(n, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
