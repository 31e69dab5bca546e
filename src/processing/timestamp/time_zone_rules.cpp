#include "processing/timestamp/time_zone_rules.h"

#include <absl/time/time.h>

#include <algorithm>
#include <cstdio>

namespace logcap {

namespace {

// Nanos (int64 nanoseconds) spans 1677-09-21 to 2262-04-11; two days' margin either side so that
// any civil time near the ends still finds its offset.
constexpr int64_t kFirstUnixSecond = INT64_MIN / 1'000'000'000 - 2 * 86400;
constexpr int64_t kLastUnixSecond = INT64_MAX / 1'000'000'000 + 2 * 86400;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string FormatOffset(int32_t seconds_east) {
  const char sign = seconds_east < 0 ? '-' : '+';
  const int32_t magnitude = seconds_east < 0 ? -seconds_east : seconds_east;
  char text[16];
  const int hours = magnitude / 3600, minutes = magnitude / 60 % 60, seconds = magnitude % 60;
  if (seconds != 0) {
    std::snprintf(text, sizeof text, "%c%02d:%02d:%02d", sign, hours, minutes, seconds);
  } else {
    std::snprintf(text, sizeof text, "%c%02d:%02d", sign, hours, minutes);
  }
  return text;
}

}  // namespace

std::optional<int32_t> ParseUtcOffsetSpec(std::string_view text) {
  if (text.size() < 2 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  const int sign = text[0] == '-' ? -1 : 1;
  text.remove_prefix(1);
  auto take_number = [&](size_t max_digits, int* value) {
    size_t n = 0;
    *value = 0;
    while (n < text.size() && n < max_digits && text[n] >= '0' && text[n] <= '9') *value = *value * 10 + (text[n++] - '0');
    text.remove_prefix(n);
    return n;
  };
  int hours = 0, minutes = 0;
  const size_t hour_digits = take_number(2, &hours);
  if (hour_digits == 0) return std::nullopt;
  if (!text.empty()) {
    if (text[0] == ':') {
      text.remove_prefix(1);
      if (take_number(2, &minutes) != 2) return std::nullopt;
    } else if (hour_digits != 2 || take_number(2, &minutes) != 2) {  // "+0530", not "+530"
      return std::nullopt;
    }
  }
  if (!text.empty() || minutes > 59 || hours * 60 + minutes > 24 * 60) return std::nullopt;
  return sign * (hours * 3600 + minutes * 60);
}

TimeZoneRules TimeZoneRules::FixedOffset(int32_t seconds_east) {
  if (seconds_east == 0) return Utc();
  return TimeZoneRules(FormatOffset(seconds_east), seconds_east);
}

std::optional<TimeZoneRules> TimeZoneRules::Create(std::string_view spec, std::string* error) {
  if (spec.empty() || EqualsIgnoreCase(spec, "UTC") || EqualsIgnoreCase(spec, "Z") || EqualsIgnoreCase(spec, "GMT")) {
    return Utc();
  }
  if (EqualsIgnoreCase(spec, "Local")) return FromNamedZone("", true, error);
  std::string_view offset_text = spec;
  if (spec.size() > 3 && (EqualsIgnoreCase(spec.substr(0, 3), "UTC") || EqualsIgnoreCase(spec.substr(0, 3), "GMT")) &&
      (spec[3] == '+' || spec[3] == '-')) {
    offset_text = spec.substr(3);
  }
  if (offset_text[0] == '+' || offset_text[0] == '-') {
    if (std::optional<int32_t> offset = ParseUtcOffsetSpec(offset_text)) return FixedOffset(*offset);
    if (error) {
      *error = "invalid time zone offset \"" + std::string(spec) + "\": expected +hh:mm, +hhmm or +hh, at most 24 hours";
    }
    return std::nullopt;
  }
  return FromNamedZone(spec, false, error);
}

std::optional<TimeZoneRules> TimeZoneRules::FromNamedZone(std::string_view name, bool local, std::string* error) {
  absl::TimeZone zone;
  if (local) {
    zone = absl::LocalTimeZone();
  } else if (name.find("..") != std::string_view::npos || name.front() == '/' ||
             !absl::LoadTimeZone(std::string(name), &zone)) {  // a name, never a path out of the zoneinfo tree
    if (error) {
      *error = "unknown time zone \"" + std::string(name) +
               "\": expected UTC, Local, an offset like +02:00, or an IANA name like Europe/Berlin "
               "(from /usr/share/zoneinfo; is tzdata installed?)";
    }
    return std::nullopt;
  }

  // Walk the zone's offset changes over the span of Nanos. abseil reports each change as the
  // civil times jumped from and to; At(to).trans is the instant of the change.
  absl::Time cursor = absl::FromUnixSeconds(kFirstUnixSecond);
  int32_t offset = zone.At(cursor).offset;
  auto table = std::make_shared<Transitions>();
  table->offsets.push_back(offset);
  absl::TimeZone::CivilTransition change;
  while (zone.NextTransition(cursor, &change)) {
    const absl::Time instant = zone.At(change.to).trans;
    if (instant <= cursor) break;  // abseil promises progress; never loop if it did not make any
    cursor = instant;
    const int64_t unix_second = absl::ToUnixSeconds(instant);
    if (unix_second > kLastUnixSecond) break;
    const int32_t next_offset = zone.At(instant).offset;
    if (next_offset == offset) continue;  // only the abbreviation or the DST flag changed
    const int64_t local_end = unix_second + std::max(offset, next_offset);
    if (!table->local_ends.empty() && local_end <= table->local_ends.back()) {
      // Two changes closer together than their offsets differ: no zone does this; refuse rather
      // than convert wrongly.
      if (error) *error = "time zone \"" + zone.name() + "\" has offset changes too close together to convert";
      return std::nullopt;
    }
    table->local_ends.push_back(local_end);
    table->offsets.push_back(next_offset);
    offset = next_offset;
  }

  TimeZoneRules rules(zone.name(), table->offsets.front());
  if (table->local_ends.empty()) return rules;  // no change in the span: a fixed offset
  // Local times run up to a day beyond Unix times either way.
  table->bucket_origin = kFirstUnixSecond - 86400;
  const int64_t buckets = ((kLastUnixSecond + 86400 - table->bucket_origin) >> kBucketShift) + 1;
  table->bucket_first_segment.reserve(static_cast<size_t>(buckets));
  for (int64_t b = 0; b < buckets; ++b) {
    const int64_t bucket_start = table->bucket_origin + (b << kBucketShift);
    const auto first = std::upper_bound(table->local_ends.begin(), table->local_ends.end(), bucket_start);
    table->bucket_first_segment.push_back(static_cast<uint32_t>(first - table->local_ends.begin()));
  }
  rules.transitions_ = std::move(table);
  return rules;
}

int32_t TimeZoneRules::OffsetFromTable(int64_t local_seconds) const {
  const Transitions& table = *transitions_;
  const std::vector<int64_t>& ends = table.local_ends;
  const int64_t bucket_end = table.bucket_origin + (static_cast<int64_t>(table.bucket_first_segment.size()) << kBucketShift);
  size_t segment;
  if (local_seconds >= table.bucket_origin && local_seconds < bucket_end) {
    segment = table.bucket_first_segment[static_cast<size_t>((local_seconds - table.bucket_origin) >> kBucketShift)];
    while (segment < ends.size() && local_seconds >= ends[segment]) ++segment;
  } else {  // outside the span of Nanos (the caller's range check then refuses the time)
    segment = static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), local_seconds) - ends.begin());
  }
  return table.offsets[segment];
}

}  // namespace logcap
