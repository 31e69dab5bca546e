// regex_extract: matches a PCRE2 pattern against one part of the event and writes its capture
// groups to fields, labels, the message or the level.
//
// Config:
//   pattern        required, PCRE2 syntax; named groups `(?<name>...)` are written under their name
//   field          what to match (a reference, default `message`); a record without it is left
//   fields         list naming the groups by position (group 1, 2, ...), the original system's
//                  form: `fields: [_temp_time, level, msg]`; "" or "_" skips a group; a name
//                  given here wins over the group's own; groups past the list keep their own name
//                  (unnamed ones are not written). Names are references: `labels.x` writes a label
//   labels         list of group names (or `fields` names) written as event labels instead
//   target_prefix  prepended to every name written as a plain field (not to labels, message,
//                  level, or explicit `fields.x` / `labels.x` references)
//   on_no_match    error (default: Failure "pattern did not match") | skip (left as is, no error)
// A group named `message` or `level` writes the event message / level (ParseLevel). Groups that
// took no part in the match are not written. A match that hits PCRE2's match or depth limit is a
// Failure "regex match limit reached", whatever on_no_match says (it is a cost, not a verdict).
//
// Speed: the match runs on the subject in place when it is the original message (a view into the
// batch's block); otherwise the subject is first copied into a per-thread buffer, because the
// writes may move the string it lives in. Group spans go to a per-thread vector and are written
// with FieldMap's reused strings: no allocation per record once warm.
#include <algorithm>

#include "processing/regex.h"
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

struct GroupTarget {
  uint32_t group = 0;
  FieldRef ref;
};

class RegexExtractStep final : public Step {
 public:
  RegexExtractStep(Common&& common, FieldRef source, Regex regex, std::vector<GroupTarget> targets, bool fail_on_no_match)
      : Step(std::move(common)),
        source_(std::move(source)),
        regex_(std::move(regex)),
        targets_(std::move(targets)),
        fail_on_no_match_(fail_on_no_match) {}

 protected:
  Outcome Apply(EventRecord& record, StepContext&) const override {
    std::optional<std::string_view> found = record.Lookup(source_);
    if (!found) return Outcome::kDone;
    std::string_view subject = *found;
    // The original message lives in the batch's block, which no write here can move.
    const bool stable = source_.kind == FieldRef::Kind::kMessage && !record.message_changed;
    thread_local std::string copy;
    if (!stable) {
      copy.assign(subject);
      subject = copy;
    }
    thread_local std::vector<Regex::Group> groups;
    switch (regex_.Search(subject, &groups)) {
      case Regex::Result::kMatch: break;
      case Regex::Result::kNoMatch: return fail_on_no_match_ ? Failure(record, "pattern did not match") : Outcome::kDone;
      case Regex::Result::kLimit: return Failure(record, "regex match limit reached");
    }
    for (const GroupTarget& target : targets_) {
      const Regex::Group& g = groups[target.group];
      if (!g.matched()) continue;
      record.Assign(target.ref, subject.substr(g.begin, g.end - g.begin));
    }
    return Outcome::kDone;
  }

 private:
  FieldRef source_;
  Regex regex_;
  std::vector<GroupTarget> targets_;
  bool fail_on_no_match_;
};

}  // namespace

std::unique_ptr<Step> MakeRegexExtractStep(Step::Common&& common, StepConfigReader& config) {
  const std::string pattern = config.RequiredString("pattern");
  const std::string field = config.String("field", "message");
  if (field.empty()) config.ErrorAt("field", "field: must name a part of the event (e.g. message)");
  const std::vector<std::string> positional = config.StringList("fields");
  const std::vector<std::string> labels = config.StringList("labels");
  const std::string prefix = config.String("target_prefix", "");
  const bool fail_on_no_match = config.Enum("on_no_match", "error", {"error", "skip"}) == "error";
  if (pattern.empty()) return nullptr;

  std::string error;
  std::optional<Regex> regex = Regex::Compile(pattern, RegexOptions{}, &error);
  if (!regex) {
    config.ErrorAt("pattern", "pattern: " + error);
    return nullptr;
  }
  const uint32_t group_count = regex->group_count();
  if (group_count == 0) {
    config.ErrorAt("pattern", "pattern: has no capture groups, so there is nothing to extract");
  }
  if (positional.size() > group_count) {
    config.ErrorAt("fields", "fields: names " + std::to_string(positional.size()) + " groups but the pattern has " +
                                 std::to_string(group_count));
  }

  // The name each group is written under ("" = not written).
  std::vector<std::string> names(group_count + 1);
  for (const auto& [name, number] : regex->named_groups()) names[number] = name;
  for (size_t i = 0; i < positional.size() && i < group_count; ++i) {
    names[i + 1] = positional[i] == "_" ? std::string() : positional[i];
  }
  // A name listed under `labels` must be one that some group is written under.
  for (const std::string& label : labels) {
    if (std::find(names.begin(), names.end(), label) == names.end() || label.empty()) {
      config.ErrorAt("labels", "labels: '" + label + "' names no capture group of the pattern");
    }
  }

  std::vector<GroupTarget> targets;
  for (uint32_t group = 1; group <= group_count; ++group) {
    const std::string& name = names[group];
    if (name.empty()) continue;
    FieldRef ref;
    if (std::find(labels.begin(), labels.end(), name) != labels.end()) {
      ref.kind = FieldRef::Kind::kLabel;
      ref.name = name;
    } else {
      ref = FieldRef::Parse(name);
      if (ref.kind == FieldRef::Kind::kFieldOrLabel && !prefix.empty()) ref = FieldRef::Parse(prefix + name);
    }
    if (!ref.writable()) {
      config.ErrorAt(group <= positional.size() ? "fields" : "pattern",
                     "group " + std::to_string(group) + " would write '" + name +
                         "', which cannot be written (use a field, `labels.x`, message or level)");
      continue;
    }
    targets.push_back(GroupTarget{group, std::move(ref)});
  }
  if (!config.ok()) return nullptr;
  return std::make_unique<RegexExtractStep>(std::move(common), FieldRef::Parse(field), std::move(*regex),
                                            std::move(targets), fail_on_no_match);
}

}  // namespace logcap
