// JsonObject: builds one flat JSON object, for the stats and health endpoints (not a hot path).
//
// Keys are written as they are, so they must be plain identifiers chosen in code (component and
// counter names). Numbers and booleans are formatted here; AddRaw inserts a value that is already
// serialised JSON (a nested object, or a string escaped by the caller).
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

namespace logcap {

// Appends s as a JSON string: quotes, backslashes and control characters escaped, other bytes as
// they are. For messages chosen or relayed by the agent's own code (errors, names), not the hot
// path: event text goes through codec/json_escape, which also repairs invalid UTF-8.
inline void AppendJsonQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

class JsonObject {
 public:
  template <typename T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
  JsonObject& Add(std::string_view key, T value) {
    Key(key);
    out_ += std::to_string(value);
    return *this;
  }
  JsonObject& Add(std::string_view key, bool value) {
    Key(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  JsonObject& Add(std::string_view key, const char* value) = delete;  // would bind to bool: use AddString
  // A string value, escaped by AppendJsonQuoted.
  JsonObject& AddString(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonQuoted(out_, value);
    return *this;
  }
  JsonObject& AddRaw(std::string_view key, std::string_view json) {
    Key(key);
    out_ += json;
    return *this;
  }
  // Closes the object and returns it; the builder is empty afterwards.
  std::string Take() {
    out_ += '}';
    std::string done = std::move(out_);
    out_ = "{";
    return done;
  }

 private:
  void Key(std::string_view key) {
    if (out_.size() > 1) out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  std::string out_ = "{";
};

}  // namespace logcap
