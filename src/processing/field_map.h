// FieldMap: the structured fields of one event while a pipeline runs over it.
//
// Contract: an ordered map (insertion order, unique keys) of name -> value, where a value keeps
// its JSON kind: a string (raw text, escaped only when written out), or a number, true/false,
// null, or a nested object/array kept as its JSON text. Lookups are linear: events carry a
// handful of fields, and a scan of a few short keys beats hashing. Clear() keeps every string's
// capacity, so a FieldMap reused event after event stops allocating once warm.
// Written back into EventAttributes::fields_json by AppendJson (the event's `fields` object).
// Not thread-safe: one per record, used by one worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace logcap {

enum class FieldKind : uint8_t { kString, kNumber, kBool, kNull, kJson };

struct Field {
  std::string key;
  FieldKind kind = FieldKind::kString;
  std::string value;  // kString: the text itself; others: the JSON literal ("12", "true", "{...}")
};

class FieldMap {
 public:
  const Field* Find(std::string_view key) const;
  Field* Find(std::string_view key);
  // Inserts or replaces (a replaced field keeps its position).
  void Set(std::string_view key, FieldKind kind, std::string_view value);
  void SetString(std::string_view key, std::string_view value) { Set(key, FieldKind::kString, value); }
  bool Remove(std::string_view key);
  // Moves `from` to the name `to`, replacing a field already called `to`. False when `from` is absent.
  bool Rename(std::string_view from, std::string_view to);
  void Clear() { size_ = 0; }
  // Frees the storage of values whose capacity grew past `limit` bytes (a 1 MiB field once must
  // not stay reserved by a reused map forever).
  void TrimCapacity(size_t limit) {
    for (Field& f : fields_)
      if (f.value.capacity() > limit) std::string().swap(f.value);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Field* begin() const { return fields_.data(); }
  const Field* end() const { return fields_.data() + size_; }

  // Appends `{"k":v,...}` (valid JSON: string values and keys escaped, invalid UTF-8 replaced).
  // Reserves what the object needs when nothing has to be escaped, so it grows `out` once.
  void AppendJson(std::string& out) const;
  // Replaces the contents with the members of a JSON object (EventAttributes::fields_json).
  // False, leaving the map empty, when the text is not a JSON object.
  bool LoadJson(std::string_view json);

 private:
  std::vector<Field> fields_;  // [0, size_) are live; the rest keep their capacity for reuse
  size_t size_ = 0;
};

}  // namespace logcap
