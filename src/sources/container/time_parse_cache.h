// TimeParseCache: RFC 3339 parsing for runs of times from the same second, as container logs
// have them (every Docker record and CRI line starts with one; thousands share a second).
//
// Parse(text) gives exactly what ParseRfc3339InRange(text) gives (codec/event_json_decoder.h),
// including nullopt for malformed text. It remembers the last valid time's date-and-time part
// ("2026-11-24T07:00:00") and zone ("Z", "+01:00") with their value; a time with the same two
// differs only in its fraction, which is all that is parsed then (a few ns instead of a full
// parse).
//
// Threading: none; one cache per decoder. No allocation.
#pragma once

#include <cstddef>
#include <cstring>
#include <optional>
#include <string_view>

#include "codec/event_json_decoder.h"
#include "core/clock.h"

namespace logcap {

class TimeParseCache {
 public:
  std::optional<Nanos> Parse(std::string_view text) {
    constexpr size_t kPrefix = 19;  // "YYYY-MM-DDTHH:MM:SS"
    if (text.size() <= kPrefix) return ParseRfc3339InRange(text);
    // The fraction, with ParseRfc3339's rules: at least one digit, digits beyond 9 ignored.
    size_t pos = kPrefix;
    Nanos frac = 0;
    if (text[pos] == '.') {
      ++pos;
      int n = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (n < 9) {
          frac = frac * 10 + (text[pos] - '0');
          ++n;
        }
        ++pos;
      }
      if (n == 0) return std::nullopt;
      for (; n < 9; ++n) frac *= 10;
    }
    const std::string_view zone = text.substr(pos);
    if (valid_ && zone.size() == zone_size_ && std::memcmp(text.data(), prefix_, kPrefix) == 0 &&
        std::memcmp(zone.data(), zone_, zone.size()) == 0) {
      return base_ + frac;
    }
    const std::optional<Nanos> t = ParseRfc3339InRange(text);
    if (t && zone.size() <= sizeof zone_) {
      std::memcpy(prefix_, text.data(), kPrefix);
      std::memcpy(zone_, zone.data(), zone.size());
      zone_size_ = zone.size();
      base_ = *t - frac;
      valid_ = true;
    }
    return t;
  }

 private:
  bool valid_ = false;
  char prefix_[19] = {};
  char zone_[8] = {};
  size_t zone_size_ = 0;
  Nanos base_ = 0;
};

}  // namespace logcap
