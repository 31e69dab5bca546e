#include "config/yaml_walker.h"

#include <map>
#include <string>

#include "config/did_you_mean.h"
#include "config/option_reader.h"
#include "config/options.h"
#include "config/yaml_location.h"

namespace logcap {
namespace {

std::string JoinPath(std::string_view section, std::string_view name) {
  return section.empty() ? std::string(name) : std::string(section) + "." + std::string(name);
}

std::string UnknownKeyMessage(std::string_view section, const std::string& name) {
  std::vector<std::string> valid = ChildKeys(section);
  std::string where = section.empty() ? "unknown top-level key '" + name + "'"
                                      : "unknown key '" + name + "' in section '" + std::string(section) + "'";
  std::string hint = DidYouMeanHint(name, valid);
  if (!hint.empty()) return where + hint;
  std::string list;
  for (const std::string& key : valid) list += (list.empty() ? "" : ", ") + key;
  return where + "; valid " + (section.empty() ? "sections" : "keys") + ": " + list;
}

class Walker {
 public:
  Walker(const EnvLookup& env, Config& config, LoadContext& ctx) : env_(env), config_(config), ctx_(ctx) {}

  void WalkSection(const YAML::Node& node, const std::string& section) {
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      std::string what = section.empty() ? std::string("the top level must be a map of sections")
                                          : section + ": expected a map of keys";
      ctx_.AddKeyError(section, LocationOf(node), what + ", got " + DescribeNode(node));
      return;
    }
    std::map<std::string, SourceLocation> first_seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      SourceLocation key_at = LocationOf(key);
      if (!key.IsScalar() && !key.IsNull()) {
        ctx_.AddError(key_at, "keys must be plain names, got " + DescribeNode(key) +
                                  (section.empty() ? std::string() : " in section '" + section + "'"));
        continue;
      }
      std::string name = key.IsNull() ? "null" : key.Scalar();
      std::string path = JoinPath(section, name);
      auto [first, inserted] = first_seen.emplace(name, key_at);
      if (!inserted) {
        ctx_.AddKeyError(path, key_at, "duplicate key '" + path + "' (first defined at line " +
                                           std::to_string(first->second.line) + ")");
        continue;
      }
      WalkKey(path, key_at, value, section, name);
    }
  }

 private:
  void WalkKey(const std::string& path, SourceLocation key_at, const YAML::Node& value, const std::string& section,
               const std::string& name) {
    if (const Option* option = FindOption(path)) {
      ctx_.RecordKey(path, key_at);
      if (std::optional<OptionValue> read = ReadOptionValue(*option, value, key_at, env_, ctx_)) {
        option->set(config_, *read);
      }
      return;
    }
    if (IsSection(path)) {
      ctx_.RecordKey(path, key_at);
      WalkSection(value, path);
      return;
    }
    ctx_.AddError(key_at, UnknownKeyMessage(section, name));
  }

  const EnvLookup& env_;
  Config& config_;
  LoadContext& ctx_;
};

}  // namespace

void ApplyYamlDocument(const YAML::Node& root, const EnvLookup& env, Config& config, LoadContext& ctx) {
  Walker(env, config, ctx).WalkSection(root, "");
}

}  // namespace logcap
