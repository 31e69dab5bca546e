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
  // A string value, escaped here (quotes, backslashes and control characters).
  JsonObject& AddString(std::string_view key, std::string_view value) {
    Key(key);
    out_ += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += "\\u00";
        out_ += kHex[(c >> 4) & 0xf];
        out_ += kHex[c & 0xf];
      } else {
        out_ += c;
      }
    }
    out_ += '"';
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
