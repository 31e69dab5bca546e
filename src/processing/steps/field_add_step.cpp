// field_add: sets fields, labels, the message or the level from `{{reference}}` templates.
//
// Config:
//   fields:    {NAME: TEMPLATE, ...}   targets are references (processing/event_record.h): a bare
//                                       name or `fields.x` sets a field, `labels.x` a label,
//                                       `message` the message, `level` the level (parsed; an
//                                       unknown word leaves it unset)
//   labels:    {LABEL: TEMPLATE, ...}  shorthand for `fields: {labels.LABEL: ...}`
//   overwrite: bool (default true)     false: set a target only when it is absent
// Templates (processing/template.h): `{{ref}}` expands to the reference's value; a reference
// that names nothing expands to "" (not an error). Targets are set in the order written, so a
// later template sees an earlier one's result. The timestamp and source attributes are not
// writable (a config error). Never fails on a record.
#include "processing/steps/step_types.h"
#include "processing/template.h"

namespace logcap {
namespace {

class FieldAddStep final : public Step {
 public:
  struct Assignment {
    FieldRef target;
    Template value;
  };

  FieldAddStep(Common common, std::vector<Assignment> assignments, bool overwrite)
      : Step(std::move(common)), assignments_(std::move(assignments)), overwrite_(overwrite) {}

 protected:
  Outcome Apply(EventRecord& record, StepContext&) const override {
    thread_local std::string expanded;
    for (const Assignment& a : assignments_) {
      if (!overwrite_ && IsSet(record, a.target)) continue;
      if (a.value.is_literal()) {
        record.Assign(a.target, a.value.literal());
        continue;
      }
      expanded.clear();
      a.value.Expand(record, expanded);
      record.Assign(a.target, expanded);
    }
    return Outcome::kDone;
  }

 private:
  // Whether the place the target writes already holds a value (a bare name writes a field, so
  // a label of the same name does not count).
  static bool IsSet(EventRecord& record, const FieldRef& target) {
    switch (target.kind) {
      case FieldRef::Kind::kField:
      case FieldRef::Kind::kFieldOrLabel: return record.fields.Find(target.name) != nullptr;
      case FieldRef::Kind::kLevel: return record.event->level != Level::kUnknown;
      default: return record.Lookup(target).has_value();
    }
  }

  std::vector<Assignment> assignments_;
  bool overwrite_;
};

}  // namespace

std::unique_ptr<Step> MakeFieldAddStep(Step::Common&& common, StepConfigReader& config) {
  std::vector<FieldAddStep::Assignment> assignments;
  bool ok = true;
  auto add = [&](std::string_view key, const std::string& target_text, const std::string& value) {
    FieldRef target = FieldRef::Parse(target_text);
    if (!target.writable()) {
      config.ErrorAt(key, std::string(key) + ": '" + target_text +
                              "' cannot be set (targets are fields, labels.NAME, message or level)");
      ok = false;
      return;
    }
    std::string error;
    std::optional<Template> compiled = Template::Compile(value, &error);
    if (!compiled) {
      config.ErrorAt(key, std::string(key) + ": " + target_text + ": " + error);
      ok = false;
      return;
    }
    assignments.push_back({std::move(target), std::move(*compiled)});
  };
  for (const auto& [name, value] : config.StringMap("fields")) add("fields", name, value);
  for (const auto& [name, value] : config.StringMap("labels")) add("labels", "labels." + name, value);
  const bool overwrite = config.Bool("overwrite", true);
  if (ok && assignments.empty()) {
    config.ErrorAt("", "field_add needs 'fields' or 'labels' (e.g. fields: {service: \"api\"})");
    return nullptr;
  }
  if (!ok) return nullptr;
  return std::make_unique<FieldAddStep>(std::move(common), std::move(assignments), overwrite);
}

}  // namespace logcap
