#include "processing/template.h"

namespace logcap {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<Template> Template::Compile(std::string_view text, std::string* error) {
  Template t;
  std::string literal;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal.append(text.substr(pos));
      break;
    }
    literal.append(text.substr(pos, open - pos));
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      if (error) *error = "template '" + std::string(text) + "': '{{' at offset " + std::to_string(open) + " is never closed";
      return std::nullopt;
    }
    std::string_view name = Trim(text.substr(open + 2, close - open - 2));
    if (name.empty()) {
      if (error) *error = "template '" + std::string(text) + "': empty '{{}}' at offset " + std::to_string(open);
      return std::nullopt;
    }
    t.parts_.push_back(std::move(literal));
    literal.clear();
    t.refs_.push_back(FieldRef::Parse(name));
    pos = close + 2;
  }
  t.parts_.push_back(std::move(literal));
  return t;
}

size_t Template::Expand(EventRecord& record, std::string& out) const {
  size_t missing = 0;
  out.append(parts_[0]);
  for (size_t i = 0; i < refs_.size(); ++i) {
    if (std::optional<std::string_view> value = record.Lookup(refs_[i])) {
      out.append(*value);
    } else {
      ++missing;
    }
    out.append(parts_[i + 1]);
  }
  return missing;
}

}  // namespace logcap
