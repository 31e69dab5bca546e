#include "config/env_expand.h"

#include <cctype>
#include <cstdlib>

namespace logcap {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Expands one `${...}` whose body (between the braces) is `body`.
bool ExpandReference(std::string_view body, const EnvLookup& lookup, std::string* out, std::string* error) {
  size_t name_len = 0;
  while (name_len < body.size() && IsNameChar(body[name_len])) ++name_len;
  std::string name(body.substr(0, name_len));
  std::string_view rest = body.substr(name_len);
  bool has_default = rest.substr(0, 2) == ":-";
  if (name.empty() || !IsNameStart(name.front()) || (!rest.empty() && !has_default)) {
    *error = "invalid variable reference '${" + std::string(body) +
             "}': use ${NAME} or ${NAME:-default}, where NAME is letters, digits and _ (write $$ for a literal $)";
    return false;
  }
  std::optional<std::string> value = lookup(name);
  if (has_default) {
    *out += (value && !value->empty()) ? *value : std::string(rest.substr(2));
    return true;
  }
  if (!value) {
    *error = "environment variable '" + name + "' is not set; set it, or give a default with ${" + name +
             ":-default}";
    return false;
  }
  *out += *value;
  return true;
}

}  // namespace

EnvLookup ProcessEnvLookup() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

bool ExpandEnv(std::string_view text, const EnvLookup& lookup, std::string* out, std::string* error) {
  out->clear();
  out->reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out->push_back(c);
      ++i;
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out->push_back('$');
      i += 2;
      continue;
    }
    if (next != '{') {
      out->push_back(c);
      ++i;
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      *error = "unterminated '${' in '" + std::string(text) + "': add the closing '}' (or write $$ for a literal $)";
      return false;
    }
    if (!ExpandReference(text.substr(i + 2, close - i - 2), lookup, out, error)) return false;
    i = close + 1;
  }
  return true;
}

}  // namespace logcap
