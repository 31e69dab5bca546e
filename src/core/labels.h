// Labels: a small ordered set of string key/value pairs.
//
// Kept sorted by key with unique keys, so equal label sets compare equal and lookups are a
// binary search. Label sets are built at configuration time or once per source, not per line.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace logcap {

class Labels {
 public:
  using Pair = std::pair<std::string, std::string>;

  Labels() = default;
  Labels(std::initializer_list<Pair> pairs) {
    for (const auto& p : pairs) Set(p.first, p.second);
  }

  // Inserts or replaces.
  void Set(std::string_view key, std::string_view value) {
    auto it = std::lower_bound(pairs_.begin(), pairs_.end(), key,
                               [](const Pair& p, std::string_view k) { return p.first < k; });
    if (it != pairs_.end() && it->first == key) {
      it->second.assign(value);
    } else {
      pairs_.emplace(it, std::string(key), std::string(value));
    }
  }
  // Returns nullptr when absent.
  const std::string* Find(std::string_view key) const {
    auto it = std::lower_bound(pairs_.begin(), pairs_.end(), key,
                               [](const Pair& p, std::string_view k) { return p.first < k; });
    return (it != pairs_.end() && it->first == key) ? &it->second : nullptr;
  }
  bool Remove(std::string_view key) {
    auto it = std::lower_bound(pairs_.begin(), pairs_.end(), key,
                               [](const Pair& p, std::string_view k) { return p.first < k; });
    if (it == pairs_.end() || it->first != key) return false;
    pairs_.erase(it);
    return true;
  }
  // Adds every pair of other, replacing equal keys.
  void Merge(const Labels& other) {
    for (const auto& p : other.pairs_) Set(p.first, p.second);
  }

  void Clear() { pairs_.clear(); }
  bool empty() const { return pairs_.empty(); }
  size_t size() const { return pairs_.size(); }
  auto begin() const { return pairs_.begin(); }
  auto end() const { return pairs_.end(); }
  bool operator==(const Labels&) const = default;

 private:
  std::vector<Pair> pairs_;
};

}  // namespace logcap
