#include "processing/steps/parsed_members.h"

#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>

#include "codec/json_escape.h"

namespace logcap {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Nanoseconds per unit of an epoch number whose integer part is `whole`.
int64_t EpochScale(uint64_t whole) {
  if (whole < 100'000'000'000ULL) return 1'000'000'000;     // seconds (until year 5138)
  if (whole < 100'000'000'000'000ULL) return 1'000'000;     // milliseconds
  if (whole < 100'000'000'000'000'000ULL) return 1'000;     // microseconds
  return 1;                                                 // nanoseconds
}

std::vector<std::string> ReadKeys(StepConfigReader& config, std::string_view key,
                                  const std::vector<std::string>& defaults) {
  if (!config.Has(key)) {
    config.Tree(key);  // known, even when absent
    return defaults;
  }
  std::vector<std::string> keys = config.StringList(key);
  std::erase(keys, std::string());  // "" turns the role off
  return keys;
}

}  // namespace

std::optional<Nanos> ParseEpochNumber(std::string_view number) {
  size_t i = 0;
  uint64_t whole = 0;
  int whole_digits = 0;
  while (i < number.size() && IsDigit(number[i])) {
    if (++whole_digits > 19) return std::nullopt;
    whole = whole * 10 + static_cast<uint64_t>(number[i] - '0');
    ++i;
  }
  if (whole_digits == 0) return std::nullopt;
  uint64_t fraction = 0;
  uint64_t fraction_scale = 1;
  if (i < number.size() && number[i] == '.') {
    ++i;
    const size_t first = i;
    while (i < number.size() && IsDigit(number[i])) {
      if (fraction_scale < 1'000'000'000ULL) {
        fraction = fraction * 10 + static_cast<uint64_t>(number[i] - '0');
        fraction_scale *= 10;
      }
      ++i;
    }
    if (i == first) return std::nullopt;
  }
  if (i != number.size()) {
    // An exponent (1.7e9): rare, so through a double.
    double value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size() || !(value >= 0) || value >= 9.2e18) {
      return std::nullopt;
    }
    const int64_t scale = EpochScale(static_cast<uint64_t>(value));
    const double nanos = value * static_cast<double>(scale);
    if (nanos >= 9.2e18) return std::nullopt;
    return static_cast<Nanos>(nanos);
  }
  const int64_t scale = EpochScale(whole);
  if (whole > static_cast<uint64_t>(INT64_MAX / scale)) return std::nullopt;
  const int64_t nanos = static_cast<int64_t>(whole) * scale;
  const int64_t fraction_nanos = static_cast<int64_t>(fraction * static_cast<uint64_t>(scale) / fraction_scale);
  if (nanos > INT64_MAX - fraction_nanos) return std::nullopt;
  return nanos + fraction_nanos;
}

std::optional<Nanos> ParseTimeText(std::string_view text) {
  if (!text.empty() && IsDigit(text[0])) {
    if (std::optional<Nanos> t = ParseRfc3339(text)) return t;
    return ParseEpochNumber(text);
  }
  return std::nullopt;
}

Level ParseLevelValue(std::string_view value, FieldKind kind) {
  if (kind == FieldKind::kString) return ParseLevel(value);
  if (kind != FieldKind::kNumber) return Level::kUnknown;
  // bunyan and pino: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
  if (value == "10") return Level::kTrace;
  if (value == "20") return Level::kDebug;
  if (value == "30") return Level::kInfo;
  if (value == "40") return Level::kWarn;
  if (value == "50") return Level::kError;
  if (value == "60") return Level::kFatal;
  return Level::kUnknown;
}

void MemberRoles::Apply(const std::vector<ParsedMember>& members, const FieldRef* target, EventRecord& record) const {
  constexpr size_t kNone = SIZE_MAX;
  size_t message_at = kNone, level_at = kNone, time_at = kNone;
  int message_rank = INT_MAX, level_rank = INT_MAX, time_rank = INT_MAX;
  Level level = Level::kUnknown;
  Nanos time = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const ParsedMember& m = members[i];
    if (!keep_original && m.kind == FieldKind::kString) {
      const int rank = KeyIndex(message_keys, m.key);
      if (rank >= 0 && rank < message_rank) message_at = i, message_rank = rank;
    }
    if (int rank = KeyIndex(level_keys, m.key); rank >= 0 && rank < level_rank && i != message_at) {
      const Level parsed = ParseLevelValue(m.value, m.kind);
      if (parsed != Level::kUnknown) level_at = i, level_rank = rank, level = parsed;
    }
    if (int rank = KeyIndex(time_keys, m.key); rank >= 0 && rank < time_rank && i != message_at && i != level_at) {
      std::optional<Nanos> parsed;
      if (m.kind == FieldKind::kString) parsed = ParseTimeText(m.value);
      else if (m.kind == FieldKind::kNumber) parsed = ParseEpochNumber(m.value);
      if (parsed && *parsed > 0) time_at = i, time_rank = rank, time = *parsed;
    }
  }
  if (message_at != kNone) record.SetMessage(members[message_at].value);
  if (level_at != kNone) record.event->level = level;
  if (time_at != kNone) record.event->source_time = time;

  thread_local std::string object;  // the target's JSON; keeps its capacity
  if (target != nullptr) object.assign(1, '{');
  bool first = true;
  for (size_t i = 0; i < members.size(); ++i) {
    const ParsedMember& m = members[i];
    if (!labels.empty() && KeyIndex(labels, m.key) >= 0) {
      record.SetLabel(m.key, m.value);
      continue;
    }
    if (i == message_at || i == level_at || i == time_at) continue;
    if (target == nullptr) {
      record.SetField(m.key, m.kind, m.value);
      continue;
    }
    if (!first) object.push_back(',');
    first = false;
    AppendJsonString(m.key, object);
    object.push_back(':');
    if (m.kind == FieldKind::kString) {
      AppendJsonString(m.value, object);
    } else {
      object.append(m.value);
    }
  }
  if (target != nullptr) {
    object.push_back('}');
    record.Assign(*target, object, FieldKind::kJson);
  }
}

MemberRoles ReadMemberRoles(StepConfigReader& config, const std::vector<std::string>& default_message_keys,
                            const std::vector<std::string>& default_level_keys,
                            const std::vector<std::string>& default_time_keys) {
  MemberRoles roles;
  roles.message_keys = ReadKeys(config, "message_key", default_message_keys);
  roles.level_keys = ReadKeys(config, "level_key", default_level_keys);
  roles.time_keys = ReadKeys(config, "time_key", default_time_keys);
  roles.labels = config.StringList("labels");
  if (std::find(roles.labels.begin(), roles.labels.end(), std::string()) != roles.labels.end()) {
    config.ErrorAt("labels", "labels: a label name must not be empty");
  }
  roles.keep_original = config.Bool("keep_original", false);
  return roles;
}

}  // namespace logcap
