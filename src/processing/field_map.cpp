#include "processing/field_map.h"

#include <simdjson.h>

#include "codec/json_escape.h"

namespace logcap {
namespace {

std::string_view TrimRight(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' || token.back() == '\r'))
    token.remove_suffix(1);
  return token;
}

}  // namespace

const Field* FieldMap::Find(std::string_view key) const {
  for (size_t i = 0; i < size_; ++i)
    if (fields_[i].key == key) return &fields_[i];
  return nullptr;
}

Field* FieldMap::Find(std::string_view key) {
  for (size_t i = 0; i < size_; ++i)
    if (fields_[i].key == key) return &fields_[i];
  return nullptr;
}

void FieldMap::Set(std::string_view key, FieldKind kind, std::string_view value) {
  Field* field = Find(key);
  if (field == nullptr) {
    if (size_ == fields_.size()) fields_.emplace_back();
    field = &fields_[size_++];
    field->key.assign(key);
  }
  field->kind = kind;
  field->value.assign(value);
}

bool FieldMap::Remove(std::string_view key) {
  for (size_t i = 0; i < size_; ++i) {
    if (fields_[i].key != key) continue;
    // Keep order: rotate the removed slot (and its capacity) to the end of the live range.
    for (size_t j = i + 1; j < size_; ++j) std::swap(fields_[j - 1], fields_[j]);
    --size_;
    return true;
  }
  return false;
}

bool FieldMap::Rename(std::string_view from, std::string_view to) {
  if (from == to) return Find(from) != nullptr;
  Field* source = Find(from);
  if (source == nullptr) return false;
  if (Field* target = Find(to)) {
    target->kind = source->kind;
    target->value.swap(source->value);
    Remove(from);
    return true;
  }
  source->key.assign(to);
  return true;
}

void FieldMap::AppendJson(std::string& out) const {
  size_t estimate = 2;
  for (size_t i = 0; i < size_; ++i) estimate += fields_[i].key.size() + fields_[i].value.size() + 6;
  // AppendJsonEscaped asks for len/8 + 64 bytes of room beyond each value while it writes.
  out.reserve(out.size() + estimate + estimate / 8 + 64);
  out.push_back('{');
  for (size_t i = 0; i < size_; ++i) {
    const Field& f = fields_[i];
    if (i != 0) out.push_back(',');
    AppendJsonString(f.key, out);
    out.push_back(':');
    if (f.kind == FieldKind::kString) {
      AppendJsonString(f.value, out);
    } else {
      out.append(f.value);
    }
  }
  out.push_back('}');
}

bool FieldMap::LoadJson(std::string_view json) {
  Clear();
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return false;
  simdjson::ondemand::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return false;
  for (auto member : object) {
    std::string_view key;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS) return Clear(), false;
    simdjson::ondemand::value value;
    if (member.value().get(value) != simdjson::SUCCESS) return Clear(), false;
    simdjson::ondemand::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return Clear(), false;
    std::string key_copy(key);  // the next read may reuse the parser's string buffer
    switch (type) {
      case simdjson::ondemand::json_type::string: {
        std::string_view text;
        if (value.get_string().get(text) != simdjson::SUCCESS) return Clear(), false;
        Set(key_copy, FieldKind::kString, text);
        break;
      }
      case simdjson::ondemand::json_type::number: Set(key_copy, FieldKind::kNumber, TrimRight(value.raw_json_token())); break;
      case simdjson::ondemand::json_type::boolean: Set(key_copy, FieldKind::kBool, TrimRight(value.raw_json_token())); break;
      case simdjson::ondemand::json_type::null: Set(key_copy, FieldKind::kNull, "null"); break;
      default: {
        std::string_view raw;
        if (simdjson::to_json_string(value).get(raw) != simdjson::SUCCESS) return Clear(), false;
        Set(key_copy, FieldKind::kJson, TrimRight(raw));
        break;
      }
    }
  }
  return true;
}

}  // namespace logcap
