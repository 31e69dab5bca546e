#include "processing/condition.h"

#include <vector>

#include "processing/regex.h"

namespace logcap {
namespace {

SourceLocation At(const ConfigTree& node) { return SourceLocation{node.line, node.column}; }

class MessageMatches final : public Condition {
 public:
  explicit MessageMatches(Regex regex) : regex_(std::move(regex)) {}
  bool Evaluate(EventRecord& record) const override { return regex_.Matches(record.Message()); }

 private:
  Regex regex_;
};

class RefEquals final : public Condition {
 public:
  RefEquals(FieldRef ref, std::vector<std::string> values) : ref_(std::move(ref)), values_(std::move(values)) {}
  bool Evaluate(EventRecord& record) const override {
    std::optional<std::string_view> value = record.Lookup(ref_);
    if (!value) return false;
    for (const std::string& v : values_)
      if (*value == v) return true;
    return false;
  }

 private:
  FieldRef ref_;
  std::vector<std::string> values_;
};

class RefMatches final : public Condition {
 public:
  RefMatches(FieldRef ref, Regex regex) : ref_(std::move(ref)), regex_(std::move(regex)) {}
  bool Evaluate(EventRecord& record) const override {
    std::optional<std::string_view> value = record.Lookup(ref_);
    return value && regex_.Matches(*value);
  }

 private:
  FieldRef ref_;
  Regex regex_;
};

class RefExists final : public Condition {
 public:
  RefExists(FieldRef ref, bool want) : ref_(std::move(ref)), want_(want) {}
  bool Evaluate(EventRecord& record) const override { return record.Lookup(ref_).has_value() == want_; }

 private:
  FieldRef ref_;
  bool want_;
};

class LevelAtLeast final : public Condition {
 public:
  explicit LevelAtLeast(Level level) : level_(level) {}
  bool Evaluate(EventRecord& record) const override {
    Level level = record.event->level;
    return level != Level::kUnknown && level >= level_;
  }

 private:
  Level level_;
};

class AllOf final : public Condition {
 public:
  explicit AllOf(std::vector<std::unique_ptr<Condition>> parts) : parts_(std::move(parts)) {}
  bool Evaluate(EventRecord& record) const override {
    for (const auto& p : parts_)
      if (!p->Evaluate(record)) return false;
    return true;
  }

 private:
  std::vector<std::unique_ptr<Condition>> parts_;
};

class AnyOf final : public Condition {
 public:
  explicit AnyOf(std::vector<std::unique_ptr<Condition>> parts) : parts_(std::move(parts)) {}
  bool Evaluate(EventRecord& record) const override {
    for (const auto& p : parts_)
      if (p->Evaluate(record)) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<Condition>> parts_;
};

class NotOf final : public Condition {
 public:
  explicit NotOf(std::unique_ptr<Condition> inner) : inner_(std::move(inner)) {}
  bool Evaluate(EventRecord& record) const override { return !inner_->Evaluate(record); }

 private:
  std::unique_ptr<Condition> inner_;
};

std::optional<Regex> CompileRegex(const ConfigTree& node, const std::string& where, LoadContext& ctx) {
  if (!node.is_scalar() || node.scalar.empty()) {
    ctx.AddError(At(node), where + ": condition: expected a regular expression, got " + node.Describe());
    return std::nullopt;
  }
  std::string error;
  std::optional<Regex> regex = Regex::Compile(node.scalar, RegexOptions{}, &error);
  if (!regex) ctx.AddError(At(node), where + ": condition: " + error);
  return regex;
}

std::unique_ptr<Condition> CompileList(const ConfigTree& node, const std::string& key, const std::string& where,
                                       LoadContext& ctx, bool all) {
  if (!node.is_list() || node.items.empty()) {
    ctx.AddError(At(node), where + ": condition: '" + key + "' takes a non-empty list of conditions, got " +
                               node.Describe());
    return nullptr;
  }
  std::vector<std::unique_ptr<Condition>> parts;
  bool ok = true;
  for (const ConfigTree& item : node.items) {
    auto part = CompileCondition(item, where, ctx);
    if (!part) ok = false;
    parts.push_back(std::move(part));
  }
  if (!ok) return nullptr;
  if (all) return std::make_unique<AllOf>(std::move(parts));
  return std::make_unique<AnyOf>(std::move(parts));
}


}  // namespace

std::unique_ptr<Condition> CompileCondition(const ConfigTree& tree, const std::string& where, LoadContext& ctx) {
  if (tree.is_scalar()) {
    std::optional<Regex> regex = CompileRegex(tree, where, ctx);
    if (!regex) return nullptr;
    return std::make_unique<MessageMatches>(std::move(*regex));
  }
  if (!tree.is_map() || tree.entries.empty()) {
    ctx.AddError(At(tree), where + ": condition: expected a regex or a map such as {field: status, equals: \"500\"}, got " +
                               tree.Describe());
    return nullptr;
  }
  if (tree.entries.size() == 1) {
    const ConfigTreeEntry& only = tree.entries.front();
    if (only.key == "all" || only.key == "any") return CompileList(only.value, only.key, where, ctx, only.key == "all");
    if (only.key == "not") {
      auto inner = CompileCondition(only.value, where, ctx);
      if (!inner) return nullptr;
      return std::make_unique<NotOf>(std::move(inner));
    }
    if (only.key == "level_at_least") {
      Level level = only.value.is_scalar() ? ParseLevel(only.value.scalar) : Level::kUnknown;
      if (level == Level::kUnknown) {
        ctx.AddError(At(only.value), where + ": condition: level_at_least: expected one of trace, debug, info, warn, "
                                             "error, fatal, got " + only.value.Describe());
        return nullptr;
      }
      return std::make_unique<LevelAtLeast>(level);
    }
  }
  // {field|label: NAME, equals|matches|exists: ...}
  const ConfigTree* subject = nullptr;
  FieldRef ref;
  const ConfigTree* test = nullptr;
  std::string test_key;
  for (const ConfigTreeEntry& entry : tree.entries) {
    if (entry.key == "field" || entry.key == "label") {
      if (subject != nullptr || !entry.value.is_scalar() || entry.value.scalar.empty()) {
        ctx.AddError(SourceLocation{entry.key_line, entry.key_column},
                     where + ": condition: name one field or label, e.g. {field: status, equals: \"500\"}");
        return nullptr;
      }
      subject = &entry.value;
      ref = entry.key == "label" ? FieldRef{FieldRef::Kind::kLabel, entry.value.scalar} : FieldRef::Parse(entry.value.scalar);
    } else if (entry.key == "equals" || entry.key == "matches" || entry.key == "exists") {
      if (test != nullptr) {
        ctx.AddError(SourceLocation{entry.key_line, entry.key_column},
                     where + ": condition: use one of equals, matches, exists (combine conditions with all/any)");
        return nullptr;
      }
      test = &entry.value;
      test_key = entry.key;
    } else {
      ctx.AddError(SourceLocation{entry.key_line, entry.key_column},
                   where + ": condition: unknown key '" + entry.key +
                       "'; a condition is a regex, {field|label, equals|matches|exists}, {level_at_least}, "
                       "{all: [...]}, {any: [...]} or {not: ...}");
      return nullptr;
    }
  }
  if (subject == nullptr || test == nullptr) {
    ctx.AddError(At(tree), where + ": condition: needs a field or label and one of equals, matches, exists");
    return nullptr;
  }
  if (test_key == "equals") {
    std::vector<std::string> values;
    if (test->is_scalar()) {
      values.push_back(test->scalar);
    } else if (test->is_list()) {
      for (const ConfigTree& item : test->items) {
        if (!item.is_scalar()) {
          ctx.AddError(At(item), where + ": condition: equals: list items must be strings, got " + item.Describe());
          return nullptr;
        }
        values.push_back(item.scalar);
      }
    } else if (test->is_null()) {
      values.push_back("");
    } else {
      ctx.AddError(At(*test), where + ": condition: equals: expected a value or a list, got " + test->Describe());
      return nullptr;
    }
    return std::make_unique<RefEquals>(std::move(ref), std::move(values));
  }
  if (test_key == "matches") {
    std::optional<Regex> regex = CompileRegex(*test, where, ctx);
    if (!regex) return nullptr;
    return std::make_unique<RefMatches>(std::move(ref), std::move(*regex));
  }
  bool want = true;
  if (!test->is_scalar() || (test->scalar != "true" && test->scalar != "false")) {
    ctx.AddError(At(*test), where + ": condition: exists: expected true or false, got " + test->Describe());
    return nullptr;
  }
  want = test->scalar == "true";
  return std::make_unique<RefExists>(std::move(ref), want);
}

}  // namespace logcap
