#include "config/config_tree.h"

namespace logcap {

const ConfigTree* ConfigTree::Find(std::string_view key) const {
  for (const ConfigTreeEntry& entry : entries)
    if (entry.key == key) return &entry.value;
  return nullptr;
}

std::string ConfigTree::Describe() const {
  switch (kind) {
    case Kind::kMap: return "a map";
    case Kind::kList: return "a list";
    case Kind::kScalar: return "'" + scalar + "'";
    case Kind::kNull: return "nothing";
  }
  return "nothing";
}

}  // namespace logcap
