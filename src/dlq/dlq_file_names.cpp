#include "dlq/dlq_file_names.h"

#include <cstdio>

namespace logcap {

namespace {
constexpr std::string_view kPrefix = "dlq-";
constexpr std::string_view kSuffix = ".ndjson";
constexpr std::string_view kSidecarSuffix = ".done";
constexpr size_t kDigits = 20;
}  // namespace

std::string DlqDataFileName(uint64_t sequence) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "dlq-%020llu.ndjson", static_cast<unsigned long long>(sequence));
  return buf;
}

std::optional<uint64_t> ParseDlqDataFileName(std::string_view name) {
  if (name.size() != kPrefix.size() + kDigits + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (char c : name.substr(kPrefix.size(), kDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<uint64_t> ParseDlqSidecarName(std::string_view name) {
  if (!name.ends_with(kSidecarSuffix)) return std::nullopt;
  return ParseDlqDataFileName(name.substr(0, name.size() - kSidecarSuffix.size()));
}

}  // namespace logcap
