// The options table: one row per configuration key, the single description of the YAML schema.
//
// Contract: ConfigOptions() lists every key of Config (config.h) exactly once, in documentation
// order, with its YAML path ("sinks.local_file.rotation.max_size_mb"), type, description, allowed
// enum values or numeric bounds, and get/set bindings to the Config member. The loader, the
// validator, the "did you mean" hints and ConfigReferenceMarkdown() all read this table; defaults
// are never written here, they are read through `get` from a default-constructed Config.
// The table is built once on first use (thread-safe static) and immutable afterwards; returned
// pointers and references stay valid for the life of the process.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"

namespace logcap {

enum class OptionType { kBool, kInt, kUint, kString, kEnum, kDuration, kSize, kStringList, kStringMap, kTree };

// A value in the table's neutral form: kBool -> bool, kInt -> int64_t, kUint and kSize -> uint64_t
// (bytes), kString and kEnum -> std::string, kDuration -> Duration, kStringList -> StringList,
// kStringMap -> StringMap, kTree -> ConfigTree (a structure its component checks, e.g. pipelines).
using OptionValue = std::variant<bool, int64_t, uint64_t, std::string, Duration, StringList, StringMap, ConfigTree>;

struct Option {
  std::string_view path;  // dotted YAML path, e.g. "server.port"
  OptionType type = OptionType::kString;
  std::string_view description;
  std::vector<std::string_view> enum_values;  // kEnum: the allowed spellings
  // Inclusive bounds for kInt, kUint, kSize (bytes) and kDuration (milliseconds); nullopt = none.
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  bool non_empty = false;  // kString: an empty value is rejected
  std::function<OptionValue(const Config&)> get;
  std::function<void(Config&, const OptionValue&)> set;  // the value must have the type's form

  // "sinks.loki" for "sinks.loki.auth.type", "app" for "app.name": the documentation group.
  std::string_view Section() const;
  // The path below Section(): "auth.type", "name".
  std::string_view KeyInSection() const;
};

const std::vector<Option>& ConfigOptions();

// The row for `path`, or nullptr when `path` is not a key (sections are not keys).
const Option* FindOption(std::string_view path);

// True when `path` ("" = the document root) is a map of keys, e.g. "sinks" or "sinks.loki.tls".
bool IsSection(std::string_view path);

// The names valid directly under section `path` ("" = top level), in table order.
std::vector<std::string> ChildKeys(std::string_view path);

// "bool", "int", "uint", "string", "enum", "duration", "size", "list of strings", "map of strings".
std::string_view OptionTypeName(OptionType type);

// A YAML literal for `value` that the loader reads back to the same value: strings in double
// quotes, durations as "30s", sizes as "1MiB", lists as ["a", "b"], maps as {key: "value"}.
std::string FormatOptionValue(const Option& option, const OptionValue& value);

// A bound in the option's units: "65535", "1KiB", "250ms".
std::string FormatOptionBound(const Option& option, int64_t bound);

}  // namespace logcap
