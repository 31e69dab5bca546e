// The options table's own invariants: unique paths, bindings that hit exactly one member, defaults
// that satisfy the table's own constraints, and the contract's YAML names.
#include "config/options.h"

#include <functional>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "config/loader.h"
#include "config_test_util.h"

namespace logcap {
namespace {

// A value of the option's type that differs from `current`.
OptionValue DifferentValue(const Option& option, const OptionValue& current) {
  switch (option.type) {
    case OptionType::kBool: return !std::get<bool>(current);
    case OptionType::kInt: return std::get<int64_t>(current) == 0 ? int64_t{1} : int64_t{0};
    case OptionType::kUint:
    case OptionType::kSize: return std::get<uint64_t>(current) + 1;
    case OptionType::kDuration: return std::get<Duration>(current) + Duration(1);
    case OptionType::kString:
    case OptionType::kEnum: return std::get<std::string>(current) + "-changed";
    case OptionType::kStringList: {
      StringList list = std::get<StringList>(current);
      list.push_back("changed");
      return list;
    }
    case OptionType::kStringMap: {
      StringMap map = std::get<StringMap>(current);
      map["changed"] = "yes";
      return map;
    }
    case OptionType::kTree: {
      ConfigTree tree;
      tree.kind = ConfigTree::Kind::kScalar;
      tree.scalar = "changed";
      return tree;
    }
  }
  return current;
}

TEST(OptionsTable, PathsAreUnique) {
  std::set<std::string_view> seen;
  for (const Option& option : ConfigOptions()) {
    EXPECT_TRUE(seen.insert(option.path).second) << "duplicate path " << option.path;
  }
}

TEST(OptionsTable, EveryOptionHasADescriptionAndBindings) {
  for (const Option& option : ConfigOptions()) {
    EXPECT_FALSE(option.description.empty()) << option.path;
    EXPECT_TRUE(option.get && option.set) << option.path;
    EXPECT_EQ(option.type == OptionType::kEnum, !option.enum_values.empty()) << option.path;
  }
}

TEST(OptionsTable, SetThenGetRoundTrips) {
  for (const Option& option : ConfigOptions()) {
    Config config;
    OptionValue changed = DifferentValue(option, option.get(config));
    option.set(config, changed);
    EXPECT_EQ(option.get(config), changed) << option.path;
  }
}

// Catches copy-paste bindings: two paths bound to the same member, or a path bound to the wrong one.
TEST(OptionsTable, EachOptionChangesOnlyItsOwnMember) {
  const Config defaults;
  for (const Option& option : ConfigOptions()) {
    Config config;
    option.set(config, DifferentValue(option, option.get(config)));
    for (const Option& other : ConfigOptions()) {
      if (&other == &option) continue;
      EXPECT_EQ(other.get(config), other.get(defaults)) << "setting " << option.path << " changed " << other.path;
    }
  }
}

TEST(OptionsTable, DefaultsSatisfyTheTableConstraints) {
  const Config defaults;
  for (const Option& option : ConfigOptions()) {
    OptionValue value = option.get(defaults);
    if (option.type == OptionType::kEnum) {
      const std::string& text = std::get<std::string>(value);
      bool allowed = false;
      for (std::string_view v : option.enum_values) allowed = allowed || v == text;
      EXPECT_TRUE(allowed) << option.path << " default '" << text << "' is not in its enum list";
    }
    if (option.non_empty) {
      EXPECT_FALSE(std::get<std::string>(value).empty()) << option.path;
    }
    int64_t number = 0;
    if (auto* v = std::get_if<int64_t>(&value)) number = *v;
    if (auto* v = std::get_if<uint64_t>(&value)) number = static_cast<int64_t>(*v);
    if (auto* v = std::get_if<Duration>(&value)) number = v->count();
    if (option.min) {
      EXPECT_GE(number, *option.min) << option.path;
    }
    if (option.max) {
      EXPECT_LE(number, *option.max) << option.path;
    }
  }
}

// Writes every option's default as YAML and loads it back: every key is loadable by its path and
// every formatted default reads back to the same value.
TEST(OptionsTable, FormattedDefaultsLoadBackUnchanged) {
  const Config defaults;
  std::string yaml;
  // Build nested YAML by grouping on path segments.
  struct Node {
    std::map<std::string, Node> children;
    std::string value;
  };
  Node root;
  for (const Option& option : ConfigOptions()) {
    Node* node = &root;
    std::string_view rest = option.path;
    while (true) {
      size_t dot = rest.find('.');
      node = &node->children[std::string(rest.substr(0, dot))];
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    node->value = FormatOptionValue(option, option.get(defaults));
  }
  std::function<void(const Node&, int)> emit = [&](const Node& node, int depth) {
    for (const auto& [name, child] : node.children) {
      yaml += std::string(depth * 2, ' ') + name + ":";
      if (child.children.empty()) {
        yaml += " " + child.value + "\n";
      } else {
        yaml += "\n";
        emit(child, depth + 1);
      }
    }
  };
  emit(root, 0);
  ConfigLoadResult result = LoadConfigString(yaml, "defaults.yaml");
  // The defaults enable no sink; that must be the only complaint.
  ASSERT_EQ(result.errors.size(), 1u) << yaml << "\n" << AllErrors(result);
  EXPECT_NE(result.errors[0].message.find("no sink is enabled"), std::string::npos);
  for (const Option& option : ConfigOptions()) {
    EXPECT_EQ(option.get(result.config), option.get(defaults)) << option.path;
  }
}

TEST(OptionsTable, ContractSectionNamesAreKeys) {
  for (std::string_view path : {"app", "server", "metrics", "file_monitor", "container_monitor", "dispatcher",
                                "sinks", "sinks.loki", "sinks.loki.auth", "sinks.loki.tls", "sinks.kafka",
                                "sinks.kafka.partitioning", "sinks.kafka.auth", "sinks.kafka.tls",
                                "sinks.local_file", "sinks.local_file.rotation", "sinks.stdout", "sinks.null",
                                "positions", "disk_buffer", "dlq"}) {
    EXPECT_TRUE(IsSection(path)) << path;
    EXPECT_EQ(FindOption(path), nullptr) << path;
  }
  EXPECT_EQ(ChildKeys("sinks"), (std::vector<std::string>{"loki", "kafka", "http", "local_file", "stdout", "null"}));
}

TEST(OptionsTable, KeysBeyondTheContractAreKeys) {
  for (std::string_view path : {"file_monitor.poll_interval", "file_monitor.scan_interval", "file_monitor.rotate_wait",
                                "file_monitor.partial_line_timeout", "file_monitor.read_buffer_size",
                                "file_monitor.max_open_files", "file_monitor.fingerprint_size",
                                "sinks.local_file.fsync", "dispatcher.retry_base_delay", "dispatcher.retry_max_delay",
                                "dispatcher.circuit_breaker_threshold", "disk_buffer.sync_interval",
                                "disk_buffer.compression", "dlq.max_file_size", "sinks.http.url"}) {
    EXPECT_NE(FindOption(path), nullptr) << path;
  }
}

TEST(OptionsTable, SectionGroupsSinksByName) {
  EXPECT_EQ(FindOption("sinks.loki.auth.type")->Section(), "sinks.loki");
  EXPECT_EQ(FindOption("sinks.loki.auth.type")->KeyInSection(), "auth.type");
  EXPECT_EQ(FindOption("app.name")->Section(), "app");
  EXPECT_EQ(FindOption("app.name")->KeyInSection(), "name");
}

}  // namespace
}  // namespace logcap
