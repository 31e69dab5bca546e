// RecentEntrySet: the last N (timestamp, content hash) pairs a stream accepted, for Loki's
// "exact duplicate" check in unordered mode.
//
// Contract: Insert() remembers a pair, forgetting the oldest one once N are held (N < 65535);
// Contains() says whether a pair is among those remembered. Both are O(1) amortised.
// How: a ring of the pairs in insertion order plus a linear-probing index of ring positions that
// exists only while queries come. Sorted input never queries (nothing newer than the newest entry
// can be a duplicate), so it pays only the ring write; the index is built on the first query and
// dropped again after N inserts without one. Forgetting a pair costs nothing: its index entry
// goes stale (the ring slot holds a newer pair, so it no longer matches) and the index is rebuilt
// after N overwrites, so live plus stale entries fill at most half of it. Memory grows with use,
// up to N*16 bytes of ring and 4N*2 bytes of index. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace logcap::testtools {

class RecentEntrySet {
 public:
  explicit RecentEntrySet(uint32_t capacity) : capacity_(capacity) {}

  bool Contains(int64_t ts, uint64_t hash);  // not const: may build the index
  void Insert(int64_t ts, uint64_t hash);

 private:
  struct Item {
    int64_t ts;
    uint64_t hash;
  };
  static constexpr uint16_t kEmpty = 0xFFFF;

  size_t Home(int64_t ts, uint64_t hash) const;
  void BuildIndex();
  void Index(uint16_t ring_index);

  uint32_t capacity_;
  std::vector<Item> ring_;       // insertion order until full, then overwritten from next_
  uint32_t next_ = 0;            // once full: the oldest item, replaced by the next Insert
  bool indexed_ = false;         // index_ describes ring_ (up to stale entries)
  uint32_t overwritten_ = 0;     // ring overwrites since the index was built
  uint32_t since_query_ = 0;     // inserts since the last Contains()
  std::vector<uint16_t> index_;  // ring positions, or kEmpty; a power of two >= 4 * ring_ size
};

}  // namespace logcap::testtools
