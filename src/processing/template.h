// Template: a string with `{{reference}}` placeholders (field_add values), compiled once.
//
// Contract: `{{ name }}` (spaces allowed) expands to the reference's value (processing/
// event_record.h: message, level, source_id, labels.x, a field, ...); a reference that names
// nothing expands to "" (so "{{missing}}" never leaves the braces in the output), and
// Expand() reports how many were missing so a step may count it. Text without placeholders
// expands to itself. `{{` without a closing `}}` is a compile error. Expand is const and
// thread-safe; it appends to `out` and allocates only when `out` must grow.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "processing/event_record.h"

namespace logcap {

class Template {
 public:
  // nullopt + *error for an unclosed or empty placeholder.
  static std::optional<Template> Compile(std::string_view text, std::string* error);

  // Appends the expansion to out; returns the number of references that named nothing.
  size_t Expand(EventRecord& record, std::string& out) const;
  bool is_literal() const { return refs_.empty(); }
  const std::string& literal() const { return parts_.front(); }

 private:
  std::vector<std::string> parts_;  // literal text around the references: parts_.size() == refs_.size() + 1
  std::vector<FieldRef> refs_;
};

}  // namespace logcap
