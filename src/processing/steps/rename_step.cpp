// rename: moves values from one name to another.
//
// Config:
//   fields: {FROM: TO, ...}   references (processing/event_record.h), applied in the order written.
//                             FROM is a field (`x`, `fields.x`) or a label (`labels.x`); a bare
//                             name that is not a field takes the event's label of that name.
//                             TO is a field, `labels.x`, `message` or `level`.
// A field->field rename keeps the value's JSON kind (a number stays a number); otherwise the
// value moves as a string. The old name is erased, except a label that comes from the event's
// source (shared by the whole source), which is only copied. An absent FROM is not an error.
// Never fails on a record.
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

class RenameStep final : public Step {
 public:
  struct Move {
    FieldRef from;
    FieldRef to;
  };

  RenameStep(Common common, std::vector<Move> moves) : Step(std::move(common)), moves_(std::move(moves)) {}

 protected:
  Outcome Apply(EventRecord& record, StepContext&) const override {
    for (const Move& move : moves_) Rename(record, move);
    return Outcome::kDone;
  }

 private:
  static bool IsField(const FieldRef& ref) {
    return ref.kind == FieldRef::Kind::kField || ref.kind == FieldRef::Kind::kFieldOrLabel;
  }

  static void Rename(EventRecord& record, const Move& move) {
    thread_local std::string value;  // the value moves through here: Assign may invalidate views
    if (IsField(move.from)) {
      if (Field* field = record.fields.Find(move.from.name)) {
        if (IsField(move.to)) {
          record.fields.Rename(move.from.name, move.to.name);
          record.attributes_changed = true;
          return;
        }
        value.assign(field->value);
        record.fields.Remove(move.from.name);
        record.attributes_changed = true;
        record.Assign(move.to, value);
        return;
      }
      if (move.from.kind == FieldRef::Kind::kField) return;
    }
    // A label: the event's own moves, its source's is copied.
    const std::string* label = record.FindLabel(move.from.name);
    if (label == nullptr) return;
    value.assign(*label);
    record.Erase(FieldRef{FieldRef::Kind::kLabel, move.from.name});
    record.Assign(move.to, value);
  }

  std::vector<Move> moves_;
};

}  // namespace

std::unique_ptr<Step> MakeRenameStep(Step::Common&& common, StepConfigReader& config) {
  std::vector<RenameStep::Move> moves;
  bool ok = true;
  for (const auto& [from_text, to_text] : config.StringMap("fields")) {
    FieldRef from = FieldRef::Parse(from_text);
    FieldRef to = FieldRef::Parse(to_text);
    const bool from_ok = (from.kind == FieldRef::Kind::kField || from.kind == FieldRef::Kind::kLabel ||
                          from.kind == FieldRef::Kind::kFieldOrLabel) &&
                         !from.name.empty();
    const bool to_named = to.kind == FieldRef::Kind::kField || to.kind == FieldRef::Kind::kLabel ||
                          to.kind == FieldRef::Kind::kFieldOrLabel;
    const bool to_ok = to_named ? !to.name.empty() : (to.kind == FieldRef::Kind::kMessage || to.kind == FieldRef::Kind::kLevel);
    if (!from_ok) {
      config.ErrorAt("fields", "fields: cannot rename '" + from_text + "' (only fields and labels.NAME can be renamed)");
      ok = false;
    } else if (!to_ok) {
      config.ErrorAt("fields", "fields: cannot rename '" + from_text + "' to '" + to_text +
                                   "' (targets are fields, labels.NAME, message or level)");
      ok = false;
    } else if (from.name == to.name && (from.kind == FieldRef::Kind::kLabel) == (to.kind == FieldRef::Kind::kLabel)) {
      config.ErrorAt("fields", "fields: '" + from_text + "' is renamed to itself");
      ok = false;
    } else {
      moves.push_back({std::move(from), std::move(to)});
    }
  }
  if (ok && moves.empty()) {
    config.ErrorAt("fields", "rename needs 'fields': a map {FROM: TO}");
    return nullptr;
  }
  if (!ok) return nullptr;
  return std::make_unique<RenameStep>(std::move(common), std::move(moves));
}

}  // namespace logcap
