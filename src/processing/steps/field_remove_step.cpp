// field_remove: removes fields or event labels.
//
// Config:
//   fields: [REF, ...]   references (processing/event_record.h): a bare name or `fields.x`
//                        removes a field, `labels.x` an event label. Required, non-empty.
// Removing something absent is not an error. Labels that come from the event's source (its
// SourceInfo) are shared by every event of the source and are not removed; the message, level,
// timestamp and source attributes cannot be removed (a config error). Never fails on a record.
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

class FieldRemoveStep final : public Step {
 public:
  FieldRemoveStep(Common common, std::vector<FieldRef> refs) : Step(std::move(common)), refs_(std::move(refs)) {}

 protected:
  Outcome Apply(EventRecord& record, StepContext&) const override {
    for (const FieldRef& ref : refs_) record.Erase(ref);
    return Outcome::kDone;
  }

 private:
  std::vector<FieldRef> refs_;
};

}  // namespace

std::unique_ptr<Step> MakeFieldRemoveStep(Step::Common&& common, StepConfigReader& config) {
  std::vector<FieldRef> refs;
  bool ok = true;
  for (const std::string& text : config.StringList("fields")) {
    FieldRef ref = FieldRef::Parse(text);
    const bool removable = ref.kind == FieldRef::Kind::kField || ref.kind == FieldRef::Kind::kLabel ||
                           ref.kind == FieldRef::Kind::kFieldOrLabel;
    if (!removable || ref.name.empty()) {
      config.ErrorAt("fields", "fields: '" + text + "' cannot be removed (only fields and labels.NAME)");
      ok = false;
      continue;
    }
    refs.push_back(std::move(ref));
  }
  if (ok && refs.empty()) {
    config.ErrorAt("fields", "field_remove needs 'fields': a list of fields or labels.NAME to remove");
    return nullptr;
  }
  if (!ok) return nullptr;
  return std::make_unique<FieldRemoveStep>(std::move(common), std::move(refs));
}

}  // namespace logcap
