#include "config/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <limits>

namespace logcap {
namespace {

struct Unit {
  std::string_view name;
  uint64_t factor;
};

constexpr std::array<Unit, 5> kDurationUnits = {{
    {"d", 24ULL * 60 * 60 * 1000},
    {"h", 60ULL * 60 * 1000},
    {"m", 60ULL * 1000},
    {"s", 1000ULL},
    {"ms", 1ULL},
}};

constexpr std::array<Unit, 9> kSizeUnits = {{
    {"B", 1ULL},
    {"KiB", kKiB},
    {"MiB", kMiB},
    {"GiB", kGiB},
    {"TiB", 1024ULL * kGiB},
    {"KB", 1000ULL},
    {"MB", 1000ULL * 1000},
    {"GB", 1000ULL * 1000 * 1000},
    {"TB", 1000ULL * 1000 * 1000 * 1000},
}};

constexpr std::string_view kDurationHint = "write e.g. 250ms, 5s, 1m30s, 2h or 7d (units: ms, s, m, h, d)";
constexpr std::string_view kSizeHint =
    "write bytes as an integer, or e.g. 64KiB, 100MiB, 1GiB (KiB, MiB, GiB, TiB are 1024-based; "
    "KB, MB, GB, TB are 1000-based)";

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

// Reads the leading run of digits of *text into *out and removes it; false on none or overflow.
bool ConsumeNumber(std::string_view* text, uint64_t* out) {
  size_t n = 0;
  while (n < text->size() && std::isdigit(static_cast<unsigned char>((*text)[n]))) ++n;
  if (n == 0) return false;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + n, *out);
  if (ec != std::errc() || ptr != text->data() + n) return false;
  text->remove_prefix(n);
  return true;
}

bool MultiplyChecked(uint64_t a, uint64_t b, uint64_t* out) {
  if (b != 0 && a > std::numeric_limits<uint64_t>::max() / b) return false;
  *out = a * b;
  return true;
}

}  // namespace

bool ParseBool(std::string_view text, bool* out, std::string* error) {
  if (text == "true" || text == "True" || text == "TRUE") {
    *out = true;
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    *out = false;
    return true;
  }
  *error = "expected true or false, got " + Quote(text) + " (yes/no/on/off/1/0 are not accepted)";
  return false;
}

bool ParseInt(std::string_view text, int64_t* out, std::string* error) {
  std::string_view digits = text;
  bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  if (!AllDigits(negative ? digits.substr(1) : digits)) {
    *error = "expected an integer, got " + Quote(text);
    return false;
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) {
    *error = "integer " + Quote(text) + " is too large";
    return false;
  }
  *out = value;
  return true;
}

bool ParseUint(std::string_view text, uint64_t* out, std::string* error) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  if (!AllDigits(digits)) {
    *error = "expected a non-negative integer, got " + Quote(text);
    return false;
  }
  uint64_t value = 0;
  if (!ConsumeNumber(&digits, &value)) {
    *error = "integer " + Quote(text) + " is too large";
    return false;
  }
  *out = value;
  return true;
}

bool ParseDuration(std::string_view text, Duration* out, std::string* error) {
  if (text == "0") {
    *out = Duration::zero();
    return true;
  }
  if (AllDigits(text)) {
    *error = "duration " + Quote(text) + " has no unit; " + std::string(kDurationHint);
    return false;
  }
  if (text.empty()) {
    *error = "empty duration; " + std::string(kDurationHint);
    return false;
  }
  std::string_view rest = text;
  uint64_t total_ms = 0;
  constexpr uint64_t kMaxMs = static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 2);
  while (!rest.empty()) {
    uint64_t number = 0;
    if (!ConsumeNumber(&rest, &number)) {
      bool overflow = std::isdigit(static_cast<unsigned char>(rest.front()));
      *error = overflow ? "duration " + Quote(text) + " is too large"
                        : "invalid duration " + Quote(text) + "; " + std::string(kDurationHint);
      return false;
    }
    size_t unit_len = 0;
    while (unit_len < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_len]))) ++unit_len;
    std::string_view unit = rest.substr(0, unit_len);
    rest.remove_prefix(unit_len);
    const Unit* found = nullptr;
    for (const Unit& candidate : kDurationUnits) {
      if (candidate.name == unit) found = &candidate;
    }
    uint64_t part = 0;
    if (found == nullptr) {
      *error = "invalid duration " + Quote(text) + "; " + std::string(kDurationHint);
      if (text.find('.') != std::string_view::npos) *error += " (fractions are not accepted: write 1500ms, not 1.5s)";
      return false;
    }
    if (!MultiplyChecked(number, found->factor, &part) || part > kMaxMs || total_ms + part > kMaxMs) {
      *error = "duration " + Quote(text) + " is too large";
      return false;
    }
    total_ms += part;
  }
  *out = Duration(static_cast<int64_t>(total_ms));
  return true;
}

bool ParseSize(std::string_view text, uint64_t* out, std::string* error) {
  std::string_view rest = text;
  uint64_t number = 0;
  bool has_number = !rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()));
  if (has_number && !ConsumeNumber(&rest, &number)) {
    *error = "size " + Quote(text) + " is too large";
    return false;
  }
  if (!has_number) {
    *error = "invalid size " + Quote(text) + "; " + std::string(kSizeHint);
    return false;
  }
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  uint64_t factor = 1;
  if (!rest.empty()) {
    const Unit* found = nullptr;
    for (const Unit& candidate : kSizeUnits) {
      if (candidate.name == rest) found = &candidate;
    }
    if (found == nullptr) {
      std::string message = "invalid size " + Quote(text);
      char first = static_cast<char>(std::toupper(static_cast<unsigned char>(rest.front())));
      if (first == 'K' || first == 'M' || first == 'G' || first == 'T') {
        message += " (did you mean '" + std::to_string(number) + first + "iB'?)";
      }
      *error = message + "; " + std::string(kSizeHint);
      return false;
    }
    factor = found->factor;
  }
  if (!MultiplyChecked(number, factor, out)) {
    *error = "size " + Quote(text) + " is too large";
    return false;
  }
  return true;
}

std::string FormatDuration(Duration value) {
  int64_t ms = value.count();
  if (ms == 0) return "0s";
  std::string text;
  if (ms < 0) {
    text = "-";
    ms = -ms;
  }
  for (const Unit& unit : kDurationUnits) {
    uint64_t count = static_cast<uint64_t>(ms) / unit.factor;
    if (count == 0) continue;
    text += std::to_string(count) + std::string(unit.name);
    ms -= static_cast<int64_t>(count * unit.factor);
  }
  return text;
}

std::string FormatSize(uint64_t bytes) {
  if (bytes == 0) return "0";
  for (std::string_view name : {"TiB", "GiB", "MiB", "KiB"}) {
    for (const Unit& unit : kSizeUnits) {
      if (unit.name == name && bytes % unit.factor == 0) return std::to_string(bytes / unit.factor) + std::string(name);
    }
  }
  return std::to_string(bytes);
}

}  // namespace logcap
