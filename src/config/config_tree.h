// ConfigTree: a YAML value kept as a tree, for configuration whose shape belongs to a component
// rather than to the options table (processing pipelines and their steps' `config`).
//
// Contract: scalars are kept as text, after ${VAR} expansion; maps keep the order they were
// written in (pipeline selection is "first match in file order"), and every node remembers its
// line and column so the component that interprets it reports FILE:LINE:COL errors. Two trees
// are equal when their values are equal, wherever they were written (a reload that only moves
// lines changes nothing). Plain data: copyable, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace logcap {

struct ConfigTreeEntry;

struct ConfigTree {
  enum class Kind { kNull, kScalar, kList, kMap };

  Kind kind = Kind::kNull;
  std::string scalar;                   // kScalar: the text, ${VAR} expanded
  std::vector<ConfigTree> items;        // kList
  std::vector<ConfigTreeEntry> entries; // kMap, in file order, keys unique
  int line = 0;                         // 1-based; 0 when not from a file
  int column = 0;

  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_list() const { return kind == Kind::kList; }
  bool is_map() const { return kind == Kind::kMap; }
  // kMap: the value of `key`, or nullptr.
  const ConfigTree* Find(std::string_view key) const;
  // "a map", "a list", "'text'", "nothing": for "expected X, got Y" messages.
  std::string Describe() const;

  bool operator==(const ConfigTree& other) const;
};

struct ConfigTreeEntry {
  std::string key;
  int key_line = 0;
  int key_column = 0;
  ConfigTree value;

  bool operator==(const ConfigTreeEntry& other) const { return key == other.key && value == other.value; }
};

inline bool ConfigTree::operator==(const ConfigTree& other) const {
  return kind == other.kind && scalar == other.scalar && items == other.items && entries == other.entries;
}

}  // namespace logcap
