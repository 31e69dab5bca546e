#include "processing/event_record.h"

#include "core/clock.h"

namespace logcap {

FieldRef FieldRef::Parse(std::string_view text) {
  FieldRef ref;
  if (text == "message") ref.kind = Kind::kMessage;
  else if (text == "level") ref.kind = Kind::kLevel;
  else if (text == "timestamp") ref.kind = Kind::kTimestamp;
  else if (text == "source_type") ref.kind = Kind::kSourceType;
  else if (text == "source_id" || text == "source_path") ref.kind = Kind::kSourceId;
  else if (text == "source_name" || text == "source_filename") ref.kind = Kind::kSourceName;
  else if (text.starts_with("labels.")) ref.kind = Kind::kLabel, ref.name = std::string(text.substr(7));
  else if (text.starts_with("fields.")) ref.kind = Kind::kField, ref.name = std::string(text.substr(7));
  else ref.name = std::string(text);
  return ref;
}

bool FieldRef::writable() const {
  switch (kind) {
    case Kind::kMessage:
    case Kind::kLevel: return true;
    case Kind::kLabel:
    case Kind::kField:
    case Kind::kFieldOrLabel: return !name.empty();
    default: return false;
  }
}

std::string FieldRef::ToString() const {
  switch (kind) {
    case Kind::kMessage: return "message";
    case Kind::kLevel: return "level";
    case Kind::kTimestamp: return "timestamp";
    case Kind::kSourceType: return "source_type";
    case Kind::kSourceId: return "source_id";
    case Kind::kSourceName: return "source_name";
    case Kind::kLabel: return "labels." + name;
    case Kind::kField: return "fields." + name;
    case Kind::kFieldOrLabel: return name;
  }
  return name;
}

const std::string* EventRecord::FindLabel(std::string_view key) const {
  if (const std::string* own = labels.Find(key)) return own;
  if (event->source != nullptr) return event->source->labels.Find(key);
  return nullptr;
}

std::optional<std::string_view> EventRecord::Lookup(const FieldRef& ref) {
  const SourceInfo* source = event->source;
  switch (ref.kind) {
    case FieldRef::Kind::kMessage: return Message();
    case FieldRef::Kind::kLevel: {
      std::string_view name = LevelName(event->level);
      if (name.empty()) return std::nullopt;
      return name;
    }
    case FieldRef::Kind::kTimestamp:
      time_text.resize(TimestampFormatter::kLength);
      time_formatter.Format(event->timestamp(), time_text.data());
      return std::string_view(time_text);
    case FieldRef::Kind::kSourceType:
      if (source == nullptr) return std::nullopt;
      return std::string_view(source->type);
    case FieldRef::Kind::kSourceId:
      if (source == nullptr) return std::nullopt;
      return std::string_view(source->id);
    case FieldRef::Kind::kSourceName:
      if (source == nullptr) return std::nullopt;
      return std::string_view(source->name);
    case FieldRef::Kind::kLabel: {
      const std::string* value = FindLabel(ref.name);
      if (value == nullptr) return std::nullopt;
      return std::string_view(*value);
    }
    case FieldRef::Kind::kField:
    case FieldRef::Kind::kFieldOrLabel: {
      if (const Field* field = fields.Find(ref.name)) return std::string_view(field->value);
      if (ref.kind == FieldRef::Kind::kField) return std::nullopt;
      const std::string* value = FindLabel(ref.name);
      if (value == nullptr) return std::nullopt;
      return std::string_view(*value);
    }
  }
  return std::nullopt;
}

bool EventRecord::Assign(const FieldRef& ref, std::string_view value, FieldKind kind) {
  switch (ref.kind) {
    case FieldRef::Kind::kMessage: SetMessage(value); return true;
    case FieldRef::Kind::kLevel: event->level = ParseLevel(value); return true;
    case FieldRef::Kind::kLabel: SetLabel(ref.name, value); return true;
    case FieldRef::Kind::kField:
    case FieldRef::Kind::kFieldOrLabel: SetField(ref.name, kind, value); return true;
    default: return false;
  }
}

bool EventRecord::Erase(const FieldRef& ref) {
  switch (ref.kind) {
    case FieldRef::Kind::kLabel:
      if (!labels.Remove(ref.name)) return false;
      attributes_changed = true;
      return true;
    case FieldRef::Kind::kField:
    case FieldRef::Kind::kFieldOrLabel:
      if (!fields.Remove(ref.name)) return false;
      attributes_changed = true;
      return true;
    default: return false;
  }
}

void EventRecord::Fail(std::string_view step, std::string_view reason) {
  if (!failed) {
    // Written in place: the record's reused field string, no temporary.
    SetField("_error", FieldKind::kString, step);
    fields.Find("_error")->value.append(": ").append(reason);
  }
  failed = true;
}

}  // namespace logcap
