#include "config/option_reader.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "config/config_tree_yaml.h"
#include "config/did_you_mean.h"
#include "config/units.h"
#include "config/yaml_location.h"

namespace logcap {
namespace {

std::string Prefix(const Option& option) { return std::string(option.path) + ": "; }

std::string JoinEnumValues(const Option& option) {
  std::string out;
  for (std::string_view value : option.enum_values) {
    if (!out.empty()) out += ", ";
    out += value;
  }
  return out;
}

// What the option's type accepts, for "expected ..." messages.
std::string Expected(const Option& option) {
  switch (option.type) {
    case OptionType::kBool: return "true or false";
    case OptionType::kInt: return "an integer";
    case OptionType::kUint: return "a non-negative integer";
    case OptionType::kString: return "a string";
    case OptionType::kEnum: return "one of: " + JoinEnumValues(option);
    case OptionType::kDuration: return "a duration such as 250ms, 5s, 1m, 2h or 7d";
    case OptionType::kSize: return "a size such as 1048576, 64KiB, 100MiB or 1GiB";
    case OptionType::kStringList: return "a list of strings, e.g. [\"a\", \"b\"]";
    case OptionType::kStringMap: return "a map of strings, e.g. {key: value}";
    case OptionType::kTree: return "a structure";
  }
  return "";
}

// Expands ${VAR} in a scalar node; reports at the node on failure.
std::optional<std::string> ExpandScalar(const Option& option, const YAML::Node& node, const EnvLookup& env,
                                        LoadContext& ctx) {
  std::string expanded;
  std::string error;
  if (!ExpandEnv(node.Scalar(), env, &expanded, &error)) {
    ctx.AddKeyError(option.path, LocationOf(node), Prefix(option) + error);
    return std::nullopt;
  }
  return expanded;
}

// Splits a numeric OptionValue into its signed or unsigned form; false if it is not numeric.
bool NumericValue(const OptionValue& value, int64_t* as_signed, uint64_t* as_unsigned, bool* is_unsigned) {
  if (const auto* v = std::get_if<int64_t>(&value)) {
    *as_signed = *v;
    *is_unsigned = false;
    return true;
  }
  if (const auto* v = std::get_if<uint64_t>(&value)) {
    *as_unsigned = *v;
    *is_unsigned = true;
    return true;
  }
  if (const auto* v = std::get_if<Duration>(&value)) {
    *as_signed = v->count();
    *is_unsigned = false;
    return true;
  }
  return false;
}

bool BelowMin(const OptionValue& value, int64_t min) {
  int64_t s = 0;
  uint64_t u = 0;
  bool is_unsigned = false;
  if (!NumericValue(value, &s, &u, &is_unsigned)) return false;
  if (is_unsigned) return min > 0 && u < static_cast<uint64_t>(min);
  return s < min;
}

bool AboveMax(const OptionValue& value, int64_t max) {
  int64_t s = 0;
  uint64_t u = 0;
  bool is_unsigned = false;
  if (!NumericValue(value, &s, &u, &is_unsigned)) return false;
  if (is_unsigned) return max < 0 || u > static_cast<uint64_t>(max);
  return s > max;
}

// Bounds, enum membership and emptiness; "" when the value is acceptable.
std::string CheckConstraints(const Option& option, const OptionValue& value, const std::string& shown) {
  bool below = option.min && BelowMin(value, *option.min);
  bool above = option.max && AboveMax(value, *option.max);
  if (below || above) {
    if (option.max) {
      return shown + " is out of range: must be between " + FormatOptionBound(option, *option.min) + " and " +
             FormatOptionBound(option, *option.max);
    }
    return shown + " is out of range: must be at least " + FormatOptionBound(option, *option.min);
  }
  if (option.type == OptionType::kEnum) {
    const std::string& text = std::get<std::string>(value);
    auto& allowed = option.enum_values;
    if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
      std::vector<std::string> candidates(allowed.begin(), allowed.end());
      return shown + " is not allowed; allowed values: " + JoinEnumValues(option) + DidYouMeanHint(text, candidates);
    }
  }
  if (option.non_empty && option.type == OptionType::kString && std::get<std::string>(value).empty()) {
    return "must not be empty";
  }
  return "";
}

// Runs parse(text, &value, error) for a value of type T; the OptionValue, or nothing on failure.
template <typename T, typename Parse>
std::optional<OptionValue> ParseAs(Parse parse, const std::string& text, std::string* error) {
  T value{};
  if (!parse(text, &value, error)) return std::nullopt;
  return OptionValue(value);
}

// Parses expanded scalar text as the option's scalar type; sets *error when it fails.
std::optional<OptionValue> ParseScalar(const Option& option, const std::string& text, std::string* error) {
  switch (option.type) {
    case OptionType::kBool: return ParseAs<bool>(ParseBool, text, error);
    case OptionType::kInt: return ParseAs<int64_t>(ParseInt, text, error);
    case OptionType::kUint: return ParseAs<uint64_t>(ParseUint, text, error);
    case OptionType::kSize: return ParseAs<uint64_t>(ParseSize, text, error);
    case OptionType::kDuration: return ParseAs<Duration>(ParseDuration, text, error);
    case OptionType::kString:
    case OptionType::kEnum: return OptionValue(text);
    case OptionType::kStringList:
    case OptionType::kStringMap:
    case OptionType::kTree: break;
  }
  *error = "internal error: not a scalar type";
  return std::nullopt;
}

std::optional<OptionValue> ReadScalarOption(const Option& option, const YAML::Node& value, SourceLocation key_at,
                                            const EnvLookup& env, LoadContext& ctx) {
  if (value.IsNull()) {
    if (option.type == OptionType::kString && !option.non_empty) return OptionValue(std::string());
    ctx.AddKeyError(option.path, key_at, Prefix(option) + "missing value; expected " + Expected(option));
    return std::nullopt;
  }
  if (!value.IsScalar()) {
    ctx.AddKeyError(option.path, LocationOf(value),
                    Prefix(option) + "expected " + Expected(option) + ", got " + DescribeNode(value));
    return std::nullopt;
  }
  std::optional<std::string> text = ExpandScalar(option, value, env, ctx);
  if (!text) return std::nullopt;
  std::string shown = "'" + *text + "'";
  if (*text != value.Scalar()) shown += " (from '" + value.Scalar() + "')";
  std::string error;
  std::optional<OptionValue> parsed = ParseScalar(option, *text, &error);
  if (parsed) error = CheckConstraints(option, *parsed, shown);
  if (!error.empty()) {
    if (*text != value.Scalar() && error.find("(from '") == std::string::npos) {
      error += " (after expanding '" + value.Scalar() + "')";
    }
    ctx.AddKeyError(option.path, LocationOf(value), Prefix(option) + error);
    return std::nullopt;
  }
  return parsed;
}

std::optional<OptionValue> ReadList(const Option& option, const YAML::Node& value, const EnvLookup& env,
                                    LoadContext& ctx) {
  if (value.IsNull()) return OptionValue(StringList{});
  if (!value.IsSequence()) {
    ctx.AddKeyError(option.path, LocationOf(value),
                    Prefix(option) + "expected " + Expected(option) + ", got " + DescribeNode(value));
    return std::nullopt;
  }
  StringList items;
  bool ok = true;
  for (const YAML::Node& item : value) {
    if (!item.IsScalar()) {
      ctx.AddKeyError(option.path, LocationOf(item), Prefix(option) + "list items must be strings, got " +
                                                         DescribeNode(item));
      ok = false;
      continue;
    }
    std::optional<std::string> text = ExpandScalar(option, item, env, ctx);
    if (!text) {
      ok = false;
      continue;
    }
    items.push_back(std::move(*text));
  }
  if (!ok) return std::nullopt;
  return OptionValue(std::move(items));
}

std::optional<OptionValue> ReadMap(const Option& option, const YAML::Node& value, const EnvLookup& env,
                                   LoadContext& ctx) {
  if (value.IsNull()) return OptionValue(StringMap{});
  if (!value.IsMap()) {
    ctx.AddKeyError(option.path, LocationOf(value),
                    Prefix(option) + "expected " + Expected(option) + ", got " + DescribeNode(value));
    return std::nullopt;
  }
  StringMap entries;
  std::map<std::string, SourceLocation> first_seen;
  bool ok = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node item = it->second;
    if (!key.IsScalar() && !key.IsNull()) {
      ctx.AddKeyError(option.path, LocationOf(key), Prefix(option) + "keys must be strings, got " + DescribeNode(key));
      ok = false;
      continue;
    }
    std::string name = key.IsNull() ? "null" : key.Scalar();
    auto [first, inserted] = first_seen.emplace(name, LocationOf(key));
    if (!inserted) {
      ctx.AddKeyError(option.path, LocationOf(key),
                      Prefix(option) + "duplicate key '" + name + "' (first defined at line " +
                          std::to_string(first->second.line) + ")");
      ok = false;
      continue;
    }
    if (item.IsNull()) {
      entries[name] = "";
      continue;
    }
    if (!item.IsScalar()) {
      ctx.AddKeyError(option.path, LocationOf(item),
                      Prefix(option) + "value of '" + name + "' must be a string, got " + DescribeNode(item));
      ok = false;
      continue;
    }
    std::optional<std::string> text = ExpandScalar(option, item, env, ctx);
    if (!text) {
      ok = false;
      continue;
    }
    entries[name] = std::move(*text);
  }
  if (!ok) return std::nullopt;
  return OptionValue(std::move(entries));
}

}  // namespace

std::optional<OptionValue> ReadOptionValue(const Option& option, const YAML::Node& value, SourceLocation key_at,
                                           const EnvLookup& env, LoadContext& ctx) {
  switch (option.type) {
    case OptionType::kStringList: return ReadList(option, value, env, ctx);
    case OptionType::kStringMap: return ReadMap(option, value, env, ctx);
    case OptionType::kTree: return OptionValue(ConfigTreeFromYaml(value, env, option.path, ctx));
    default: return ReadScalarOption(option, value, key_at, env, ctx);
  }
}

}  // namespace logcap
