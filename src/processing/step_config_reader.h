// StepConfigReader: reads one step's `config` map (a ConfigTree) for the step's factory, and
// reports every problem as a FILE:LINE:COL error naming the pipeline and the step.
//
// Contract: each accessor marks its key as known; Finish() then reports every key no accessor
// asked for ("unknown key 'patern' (did you mean 'pattern'?)" with the step's valid keys), so a
// misspelt key is never silently ignored. A key of the wrong type is reported at its value and
// the fallback is returned, so one pass reports every problem. Values are already ${VAR}-expanded.
// Compile-time only (never on the hot path); single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/config_tree.h"
#include "config/load_context.h"

namespace logcap {

class StepConfigReader {
 public:
  // config: the step's `config` map (a null tree = no keys). where: "pipeline 'nginx' step
  // 'parse'" for messages. at: the step's own location, for errors about a missing key.
  StepConfigReader(const ConfigTree& config, std::string where, SourceLocation at, LoadContext& ctx);

  bool Has(std::string_view key) const { return config_.Find(key) != nullptr; }
  // The value's tree (marked known), or nullptr.
  const ConfigTree* Tree(std::string_view key);

  std::optional<std::string> String(std::string_view key);
  std::string String(std::string_view key, std::string_view fallback);
  // A string that must be present and non-empty; reports and returns "" otherwise.
  std::string RequiredString(std::string_view key);
  // A list of strings; a single scalar reads as a one-item list.
  std::vector<std::string> StringList(std::string_view key);
  // A map of strings, in the order written.
  std::vector<std::pair<std::string, std::string>> StringMap(std::string_view key);
  bool Bool(std::string_view key, bool fallback);
  uint64_t Uint(std::string_view key, uint64_t fallback, uint64_t min, uint64_t max);
  double Number(std::string_view key, double fallback, double min, double max);
  Duration DurationValue(std::string_view key, Duration fallback, Duration min, Duration max);
  // One of `allowed`; reports the allowed spellings otherwise.
  std::string Enum(std::string_view key, std::string_view fallback, const std::vector<std::string_view>& allowed);

  // An error at the value of `key` (or at the step when the key is absent).
  void ErrorAt(std::string_view key, const std::string& message);
  // An error at a given node.
  void ErrorAtNode(const ConfigTree& node, const std::string& message);
  // Reports the keys nobody asked for. Call once, after reading every key.
  void Finish();

  const std::string& where() const { return where_; }
  LoadContext& context() { return ctx_; }
  bool ok() const { return errors_ == 0; }

 private:
  const ConfigTree* Mark(std::string_view key);
  SourceLocation LocationOf(const ConfigTree& node) const;

  const ConfigTree& config_;
  std::string where_;
  SourceLocation at_;
  LoadContext& ctx_;
  std::vector<std::string> known_;
  size_t errors_ = 0;
};

}  // namespace logcap
