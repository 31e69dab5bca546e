// TimeZoneRules: how one time zone turns a civil time read without an offset into Unix time.
//
// Create(spec) understands "UTC" (also "Z", "GMT", and "" meaning the default, UTC), "Local" (the
// zone of /etc/localtime, or of the TZ environment variable when set, resolved once here; an
// unusable TZ falls back to UTC as the C library does), a fixed offset ("+02:00", "-0530", "+02",
// optionally after "UTC": "UTC+02:00") and an IANA name ("Europe/Berlin"), read from the system's
// tzdata (/usr/share/zoneinfo, or $TZDIR) through abseil.
//
// Contract of LocalToUnixSeconds: for UTC and fixed offsets, local - offset. For a zone with
// transitions, the offset in force at that civil time; when the civil time is ambiguous (it
// happens twice as clocks go back) or skipped (it never happens as clocks go forward), the offset
// from BEFORE the transition is used: a repeated 02:30 reads as its first occurrence (still summer
// time), a skipped 02:30 reads as if the clock had not jumped yet (so it lands one hour later,
// 03:30 in summer time). This is abseil's TimeInfo::pre.
//
// Speed: abseil is used only by Create. It writes the zone's offset changes over the whole span
// Nanos can hold (1677 to 2262) into a table of "local time from which the next offset applies",
// with an index by ~194-day bucket of local time: a conversion reads the bucket's first segment
// and steps past at most a few changes (no search, no abseil). Copies share the table.
// Thread-safe: nothing changes after Create.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace logcap {

class TimeZoneRules {
 public:
  static TimeZoneRules Utc() { return TimeZoneRules("UTC", 0); }
  // seconds_east: +7200 for "+02:00".
  static TimeZoneRules FixedOffset(int32_t seconds_east);
  // nullopt and *error (one line, naming spec) when spec is none of the forms above.
  static std::optional<TimeZoneRules> Create(std::string_view spec, std::string* error);

  // local_seconds: the civil time as seconds since 1970-01-01 00:00 on this zone's wall clock.
  int64_t LocalToUnixSeconds(int64_t local_seconds) const {
    if (!transitions_) return local_seconds - fixed_offset_;
    return local_seconds - OffsetFromTable(local_seconds);
  }

  // The zone's name ("UTC", "+02:00", "Europe/Berlin"; for Local, the zone it resolved to).
  const std::string& name() const { return name_; }
  // True for UTC and fixed offsets, and for IANA zones without any offset change since 1677.
  bool has_fixed_offset() const { return transitions_ == nullptr; }

 private:
  // Segment i of the zone's history uses offsets[i] (seconds east); it ends, in local time, at
  // local_ends[i]: offsets.size() == local_ends.size() + 1, the last offset has no end. Where two
  // segments' local times overlap or leave a gap, the end is the later of the two readings of the
  // change, so both the repeated and the skipped hour read with the earlier segment's offset.
  // bucket_first_segment[b]: the segment in force at local time bucket_origin + b * 2^kBucketShift.
  static constexpr int kBucketShift = 24;  // 2^24 s, ~194 days: a bucket holds at most a few changes
  struct Transitions {
    std::vector<int64_t> local_ends;
    std::vector<int32_t> offsets;
    int64_t bucket_origin = 0;
    std::vector<uint32_t> bucket_first_segment;
  };

  TimeZoneRules(std::string name, int32_t fixed_offset) : name_(std::move(name)), fixed_offset_(fixed_offset) {}
  static std::optional<TimeZoneRules> FromNamedZone(std::string_view name, bool local, std::string* error);
  int32_t OffsetFromTable(int64_t local_seconds) const;

  std::string name_;
  int32_t fixed_offset_ = 0;
  std::shared_ptr<const Transitions> transitions_;  // null: fixed_offset_ applies at all times
};

// Reads "+02:00", "-0530", "+02" (and "+2", "-5:30") as seconds east; at most 24 hours, minutes
// below 60. nullopt for anything else.
std::optional<int32_t> ParseUtcOffsetSpec(std::string_view text);

}  // namespace logcap
