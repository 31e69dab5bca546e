// ParsedMembers: what the structured parsing steps (json_parse, logfmt_parse) share once a line
// has been split into key/value members: which keys become the event's message, level and time,
// which become labels, and how the rest become fields.
//
// Roles (a member takes at most one of message/level/time; `labels` come on top of that):
//   - message: the first key of `message_keys` (in list order) present with a string value
//     replaces the event message (unless keep_original) and is not kept as a field;
//   - level: the first key of `level_keys` present whose value ParseLevel knows (or a
//     bunyan/pino number: 10 trace .. 60 fatal) sets the event level and is not kept; a value it
//     does not know stays a field;
//   - time: the first key of `time_keys` present whose value is RFC 3339 text or epoch
//     seconds/ms/us/ns (a number or a string of digits; the unit from the magnitude) sets the
//     event's source_time and is not kept; a value that does not parse stays a field;
//   - labels: every member named in `labels` becomes an event label (its text; a nested object
//     or array as its JSON) and is not kept as a field;
//   - every other member becomes a field of its own kind (or, with a target, a member of the one
//     JSON object written to the target).
// Compile-time reading (ReadMemberRoles) reports through the StepConfigReader; Apply never
// allocates once warm beyond the record's own strings (labels excepted: Labels owns its strings).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/event.h"
#include "processing/event_record.h"
#include "processing/field_map.h"
#include "processing/step_config_reader.h"

namespace logcap {

struct ParsedMember {
  std::string_view key;
  FieldKind kind = FieldKind::kString;
  std::string_view value;  // kString: unescaped text; otherwise the JSON literal
};

struct MemberRoles {
  std::vector<std::string> message_keys;
  std::vector<std::string> level_keys;
  std::vector<std::string> time_keys;
  std::vector<std::string> labels;
  bool keep_original = false;

  // Applies members to the record as described above. target: nullptr = members become fields;
  // else the non-role members are written to target as one JSON object (kJson).
  void Apply(const std::vector<ParsedMember>& members, const FieldRef* target, EventRecord& record) const;
};

// Reads message_key, level_key, time_key (each a string or a list; "" turns the role off),
// labels and keep_original, with the step's defaults for the keys.
MemberRoles ReadMemberRoles(StepConfigReader& config, const std::vector<std::string>& default_message_keys,
                            const std::vector<std::string>& default_level_keys,
                            const std::vector<std::string>& default_time_keys);

// RFC 3339, or a string of epoch digits (see ParseEpochNumber); nullopt otherwise.
std::optional<Nanos> ParseTimeText(std::string_view text);
// A non-negative JSON number as epoch time; the unit follows the magnitude of its integer part:
// below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
std::optional<Nanos> ParseEpochNumber(std::string_view number);
// ParseLevel for text; bunyan/pino levels (10, 20, .. 60) for numbers.
Level ParseLevelValue(std::string_view value, FieldKind kind);

// The index of key in keys, or -1.
inline int KeyIndex(const std::vector<std::string>& keys, std::string_view key) {
  for (size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return static_cast<int>(i);
  return -1;
}

}  // namespace logcap
