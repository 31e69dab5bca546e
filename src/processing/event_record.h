// EventRecord: one event of a batch while a pipeline runs over it, with its fields and labels in
// an editable form; and FieldRef, how step configs name a part of an event.
//
// References (docs/processing.md): `message`, `level`, `timestamp`, `source_type`, `source_id`,
// `source_name` (and the original system's `source_path`, `source_filename`), `labels.NAME`,
// `fields.NAME`, and a bare `NAME`, which reads the field NAME, else the label NAME (the event's,
// else its source's), and writes the field NAME.
//
// Contract: the processor loads a record from an event (its attribute labels and fields_json),
// the steps read and edit the record, and the processor writes it back: message, level, time,
// labels and fields. Reading never copies: lookups return views into the record, the event or its
// SourceInfo, valid until the record is next edited. Records are reused from batch to batch by one
// worker; Reset() keeps their capacity.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/event.h"
#include "core/labels.h"
#include "processing/field_map.h"

namespace logcap {

struct FieldRef {
  enum class Kind : uint8_t {
    kMessage, kLevel, kTimestamp, kSourceType, kSourceId, kSourceName, kLabel, kField, kFieldOrLabel
  };
  Kind kind = Kind::kFieldOrLabel;
  std::string name;  // kLabel, kField, kFieldOrLabel

  // Parses a reference as written in a config; "" for an empty name is the caller's error.
  static FieldRef Parse(std::string_view text);
  // What EventRecord::Assign can write: the message, the level, a named field or label.
  bool writable() const;
  // The reference as written, for messages and the `test` command.
  std::string ToString() const;
  bool operator==(const FieldRef&) const = default;
};

struct EventRecord {
  Event* event = nullptr;
  FieldMap fields;
  Labels labels;               // the event's own labels (attributes); the source's stay in SourceInfo
  std::string message;         // the new message, when message_changed
  std::string time_text;       // scratch for Lookup(kTimestamp)
  TimestampFormatter time_formatter;
  bool message_changed = false;
  bool attributes_changed = false;  // labels or fields must be written back
  bool dropped = false;
  bool failed = false;              // some step failed: `_error` names it

  void Reset(Event* e) {
    event = e;
    fields.Clear();
    labels.Clear();
    message_changed = attributes_changed = dropped = failed = false;
  }

  // Frees strings that grew past `limit` bytes (records are reused by a worker for every batch).
  void TrimCapacity(size_t limit) {
    if (message.capacity() > limit) std::string().swap(message);
    fields.TrimCapacity(limit);
  }

  std::string_view Message() const { return message_changed ? std::string_view(message) : event->message; }
  void SetMessage(std::string_view text) {
    if (message_changed && text.data() >= message.data() && text.data() < message.data() + message.size()) {
      message = std::string(text);  // text may point into message itself
    } else {
      message.assign(text);
    }
    message_changed = true;
  }
  void SetField(std::string_view key, FieldKind kind, std::string_view value) {
    fields.Set(key, kind, value);
    attributes_changed = true;
  }
  void SetLabel(std::string_view key, std::string_view value) {
    labels.Set(key, value);
    attributes_changed = true;
  }
  // The label's value: the event's own, else its source's; nullptr when neither has it.
  const std::string* FindLabel(std::string_view key) const;

  // Reads a reference; nullopt when it names nothing (a missing field or label). Non-string fields
  // read as their JSON text ("42", "true").
  std::optional<std::string_view> Lookup(const FieldRef& ref);
  // Writes a reference: a field or label, the message, or the level (parsed, unknown words leave
  // it unset). Source attributes and the timestamp are not writable: false.
  bool Assign(const FieldRef& ref, std::string_view value, FieldKind kind = FieldKind::kString);
  // Removes a field or an event label; false when there was none.
  bool Erase(const FieldRef& ref);

  // Marks the record failed at `step`: sets the field `_error` to "<step>: <reason>" (the first
  // failure wins, so the field names where things first went wrong).
  void Fail(std::string_view step, std::string_view reason);
};

}  // namespace logcap
