#include "config/config_tree_yaml.h"

#include <algorithm>
#include <map>
#include <string>

#include "config/did_you_mean.h"
#include "config/yaml_location.h"

namespace logcap {
namespace {

class TreeBuilder {
 public:
  TreeBuilder(const EnvLookup& env, std::string_view what, LoadContext& ctx) : env_(env), what_(what), ctx_(ctx) {}

  ConfigTree Build(const YAML::Node& node) {
    ConfigTree tree;
    SourceLocation at = LocationOf(node);
    tree.line = at.line;
    tree.column = at.column;
    if (!node.IsDefined() || node.IsNull()) return tree;
    if (node.IsScalar()) {
      tree.kind = ConfigTree::Kind::kScalar;
      std::string error;
      if (!env_) {
        tree.scalar = node.Scalar();
      } else if (!ExpandEnv(node.Scalar(), env_, &tree.scalar, &error)) {
        ctx_.AddError(at, std::string(what_) + ": " + error);
        tree.scalar = node.Scalar();
      }
      return tree;
    }
    if (node.IsSequence()) {
      tree.kind = ConfigTree::Kind::kList;
      for (const YAML::Node& item : node) tree.items.push_back(Build(item));
      return tree;
    }
    tree.kind = ConfigTree::Kind::kMap;
    std::map<std::string, int> first_line;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      SourceLocation key_at = LocationOf(key);
      if (!key.IsScalar() && !key.IsNull()) {
        ctx_.AddError(key_at, std::string(what_) + ": keys must be plain names, got " + DescribeNode(key));
        continue;
      }
      std::string name = key.IsNull() ? "null" : key.Scalar();
      auto [first, inserted] = first_line.emplace(name, key_at.line);
      if (!inserted) {
        ctx_.AddError(key_at, std::string(what_) + ": duplicate key '" + name + "' (first defined at line " +
                                  std::to_string(first->second) + ")");
        continue;
      }
      ConfigTreeEntry entry;
      entry.key = std::move(name);
      entry.key_line = key_at.line;
      entry.key_column = key_at.column;
      entry.value = Build(it->second);
      tree.entries.push_back(std::move(entry));
    }
    return tree;
  }

 private:
  const EnvLookup& env_;
  std::string_view what_;
  LoadContext& ctx_;
};

}  // namespace

void ReportUnknownKeys(const ConfigTree& map, const std::vector<std::string>& allowed, const std::string& where,
                       LoadContext& ctx) {
  for (const ConfigTreeEntry& entry : map.entries) {
    if (std::find(allowed.begin(), allowed.end(), entry.key) != allowed.end()) continue;
    std::string hint = DidYouMeanHint(entry.key, allowed);
    std::string list;
    for (const std::string& k : allowed) list += (list.empty() ? "" : ", ") + k;
    ctx.AddError(SourceLocation{entry.key_line, entry.key_column},
                 where + ": unknown key '" + entry.key + "'" + (hint.empty() ? "; valid keys: " + list : hint));
  }
}

ConfigTree ConfigTreeFromYaml(const YAML::Node& node, const EnvLookup& env, std::string_view what, LoadContext& ctx) {
  return TreeBuilder(env, what, ctx).Build(node);
}

}  // namespace logcap
