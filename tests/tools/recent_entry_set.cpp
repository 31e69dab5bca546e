// See recent_entry_set.h.
#include "recent_entry_set.h"

namespace logcap::testtools {

size_t RecentEntrySet::Home(int64_t ts, uint64_t hash) const {
  // The content hash is already well mixed; fold the timestamp in with a multiplicative step.
  const uint64_t h = hash ^ (static_cast<uint64_t>(ts) * 0x9E3779B97F4A7C15ull);
  return static_cast<size_t>(h ^ (h >> 29)) & (index_.size() - 1);
}

bool RecentEntrySet::Contains(int64_t ts, uint64_t hash) {
  if (ring_.empty()) return false;
  if (!indexed_) BuildIndex();
  since_query_ = 0;
  const size_t mask = index_.size() - 1;
  for (size_t i = Home(ts, hash);; i = (i + 1) & mask) {
    const uint16_t at = index_[i];
    if (at == kEmpty) return false;
    // A stale position holds a newer pair now: it simply does not match.
    if (ring_[at].ts == ts && ring_[at].hash == hash) return true;
  }
}

void RecentEntrySet::Index(uint16_t ring_index) {
  const size_t mask = index_.size() - 1;
  size_t i = Home(ring_[ring_index].ts, ring_[ring_index].hash);
  while (index_[i] != kEmpty) i = (i + 1) & mask;
  index_[i] = ring_index;
}

void RecentEntrySet::BuildIndex() {
  size_t slots = 16;
  while (slots < ring_.size() * 4) slots *= 2;
  index_.assign(slots, kEmpty);
  for (size_t r = 0; r < ring_.size(); ++r) Index(static_cast<uint16_t>(r));
  overwritten_ = 0;
  since_query_ = 0;
  indexed_ = true;
}

void RecentEntrySet::Insert(int64_t ts, uint64_t hash) {
  if (capacity_ == 0) return;
  uint16_t r;
  if (ring_.size() < capacity_) {
    r = static_cast<uint16_t>(ring_.size());
    ring_.push_back(Item{ts, hash});
  } else {
    r = static_cast<uint16_t>(next_);
    ring_[r] = Item{ts, hash};
    next_ = next_ + 1 == capacity_ ? 0 : next_ + 1;
    ++overwritten_;
  }
  if (!indexed_) return;
  if (++since_query_ > capacity_) {
    indexed_ = false;  // nobody asks: stop maintaining it (rebuilt by the next query)
    return;
  }
  // Rebuild when the ring outgrew the index or stale entries reach N (at most half full).
  if (index_.size() < ring_.size() * 4 || overwritten_ > capacity_) {
    BuildIndex();
    since_query_ = 1;
    return;
  }
  Index(r);
}

}  // namespace logcap::testtools
