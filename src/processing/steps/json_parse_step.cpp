// json_parse: parses a JSON object held by one part of the event into fields, labels, message,
// level and time.
//
// Config:
//   field          what to parse (a reference, default `message`); a record without it is left
//                  as is
//   target         where the members go: absent = the record's top-level fields; a field or
//                  label reference (`x`, `fields.x`, `labels.x`) = one kJson value holding the
//                  object of the members that took no role below
//   message_key    string or list (default [message, msg, log]): the first present with a string
//                  value becomes the event message and is not kept ("" = never)
//   level_key      string or list (default [level, severity, lvl]): sets the event level
//                  (ParseLevel; bunyan/pino numbers 10..60); an unknown word stays a field
//   time_key       string or list (default [time, timestamp, ts, @timestamp]): RFC 3339 text or
//                  epoch s/ms/us/ns (number or digits) sets the event time; else stays a field
//   labels         list of member names promoted to event labels (a nested value as its JSON)
//   keep_original  bool, default false: the message stays the original text even when a
//                  message key is present (the key is then an ordinary field)
// Values: strings -> kString (unescaped), numbers -> kNumber, true/false -> kBool, null -> kNull,
// objects and arrays -> kJson (their JSON text as written, validated).
// Failure (the record flows on with `_error`, nothing of it applied): empty text, invalid JSON,
// a value other than an object, content after the object, or nesting deeper than kMaxDepth.
//
// Speed: simdjson On-Demand with one parser per thread; the text is copied into a per-thread
// padded buffer (the parser reads past the end). Members are collected as views first and applied
// only when the whole object is valid, so a failure leaves the record untouched. No allocation per
// record once warm beyond the record's own strings.
#include <simdjson.h>

#include "codec/padded_line.h"
#include "processing/steps/parsed_members.h"
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

namespace od = simdjson::ondemand;

// Deeper values fail the record: the walk is recursive, and simdjson's own limit is 1024.
constexpr int kMaxDepth = 128;

struct JsonScratch {
  od::parser parser;
  PaddedLine text;
  std::vector<ParsedMember> members;
};

JsonScratch& Scratch() {
  thread_local JsonScratch scratch;
  return scratch;
}

// Short reasons: the record's `_error` should fit on a line.
std::string_view ShortError(simdjson::error_code error) {
  switch (error) {
    case simdjson::EMPTY: return "empty";
    case simdjson::TAPE_ERROR: return "malformed JSON";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "unterminated object or array";
    case simdjson::UNCLOSED_STRING: return "unterminated string";
    case simdjson::STRING_ERROR: return "invalid string";
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return "invalid number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR: return "invalid literal";
    case simdjson::DEPTH_ERROR: return "nested too deeply";
    case simdjson::CAPACITY: return "too large";
    case simdjson::INCORRECT_TYPE: return "malformed JSON";
    default: return simdjson::error_message(error);
  }
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimRight(std::string_view token) {
  while (!token.empty() && IsJsonSpace(token.back())) token.remove_suffix(1);
  return token;
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  (big integers are fine:
// the text is kept, not converted).
bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i >= t.size()) return false;
  if (t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

// Walks a whole nested value so that all of it is checked: On-Demand validates only what is read,
// and the text is copied out as JSON later. depth: of this value (the top object is 1).
simdjson::error_code ValidateValue(od::value value, int depth) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto error = value.get_object().get(object)) return error;
      for (auto item : object) {
        od::field field;
        if (auto error = std::move(item).get(field)) return error;
        std::string_view key;
        if (auto error = field.unescaped_key().get(key)) return error;
        if (auto error = ValidateValue(field.value(), depth + 1)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array array;
      if (auto error = value.get_array().get(array)) return error;
      for (auto item : array) {
        od::value element;
        if (auto error = std::move(item).get(element)) return error;
        if (auto error = ValidateValue(element, depth + 1)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return value.get_string().get(s);
    }
    case od::json_type::number:
      return IsJsonNumber(TrimRight(value.raw_json_token())) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    case od::json_type::boolean: {
      bool b;
      return value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return error;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

// What a JSON text that is not an object holds, from its first byte ("" when unclear).
std::string_view WhatValue(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsJsonSpace(text[i])) ++i;
  if (i == text.size()) return "";
  const char c = text[i];
  if (c == '[') return "an array";
  if (c == '"') return "a string";
  if (c == '-' || (c >= '0' && c <= '9')) return "a number";
  if (c == 't' || c == 'f') return "a boolean";
  if (c == 'n') return "null";
  return "";
}

class JsonParseStep final : public Step {
 public:
  JsonParseStep(Common&& common, FieldRef source, std::optional<FieldRef> target, MemberRoles roles)
      : Step(std::move(common)), source_(std::move(source)), target_(std::move(target)), roles_(std::move(roles)) {}

 protected:
  Outcome Apply(EventRecord& record, StepContext&) const override {
    const std::optional<std::string_view> text = record.Lookup(source_);
    if (!text) return Outcome::kDone;
    JsonScratch& s = Scratch();
    s.members.clear();
    if (simdjson::error_code error = Parse(*text, s)) return Fail(record, error, *text);
    roles_.Apply(s.members, target_ ? &*target_ : nullptr, record);
    return Outcome::kDone;
  }

 private:
  // Collects the object's members into s.members (views into the parser and the padded copy).
  static simdjson::error_code Parse(std::string_view text, JsonScratch& s) {
    if (text.empty()) return simdjson::EMPTY;
    s.text.Load(text);
    od::document doc;
    if (auto error = s.parser.iterate(s.text.data(), text.size(), s.text.capacity()).get(doc)) return error;
    od::object object;
    if (auto error = doc.get_object().get(object)) return error;
    for (auto item : object) {
      od::field field;
      if (auto error = std::move(item).get(field)) return error;
      ParsedMember m;
      if (auto error = field.unescaped_key().get(m.key)) return error;
      od::value value = field.value();
      od::json_type type;
      if (auto error = value.type().get(type)) return error;
      switch (type) {
        case od::json_type::string:
          m.kind = FieldKind::kString;
          if (auto error = value.get_string().get(m.value)) return error;
          break;
        case od::json_type::number:
          m.kind = FieldKind::kNumber;
          m.value = TrimRight(value.raw_json_token());
          if (!IsJsonNumber(m.value)) return simdjson::NUMBER_ERROR;
          break;
        case od::json_type::boolean: {
          bool b = false;
          if (auto error = value.get_bool().get(b)) return error;
          m.kind = FieldKind::kBool;
          m.value = b ? "true" : "false";
          break;
        }
        case od::json_type::null: {
          bool is_null = false;
          if (auto error = value.is_null().get(is_null)) return error;
          if (!is_null) return simdjson::N_ATOM_ERROR;
          m.kind = FieldKind::kNull;
          m.value = "null";
          break;
        }
        case od::json_type::object:
        case od::json_type::array: {
          // Kept as written: from its first byte to where the next token starts, less blanks.
          const char* start = value.raw_json_token().data();
          if (auto error = ValidateValue(value, 2)) return error;
          const char* end = nullptr;
          if (auto error = doc.current_location().get(end)) return error;
          m.kind = FieldKind::kJson;
          m.value = TrimRight(std::string_view(start, static_cast<size_t>(end - start)));
          break;
        }
      }
      s.members.push_back(m);
    }
    // The object must be the whole text.
    auto location = doc.current_location();
    if (location.error() != simdjson::OUT_OF_BOUNDS) return simdjson::TAPE_ERROR;
    return simdjson::SUCCESS;
  }

  Outcome Fail(EventRecord& record, simdjson::error_code error, std::string_view text) const {
    std::string reason = "not a JSON object: ";
    std::string_view got;
    if (error == simdjson::INCORRECT_TYPE) got = WhatValue(text);  // say what it was instead
    if (!got.empty()) {
      reason.append("got ").append(got);
    } else {
      reason.append(ShortError(error));
    }
    return Failure(record, reason);
  }

  FieldRef source_;
  std::optional<FieldRef> target_;
  MemberRoles roles_;
};

}  // namespace

std::unique_ptr<Step> MakeJsonParseStep(Step::Common&& common, StepConfigReader& config) {
  const std::string field = config.String("field", "message");
  if (field.empty()) config.ErrorAt("field", "field: must name a part of the event (e.g. message)");
  std::optional<FieldRef> target;
  if (std::optional<std::string> text = config.String("target")) {
    FieldRef ref = FieldRef::Parse(*text);
    const bool writable = ref.kind == FieldRef::Kind::kField || ref.kind == FieldRef::Kind::kLabel ||
                          ref.kind == FieldRef::Kind::kFieldOrLabel;
    if (text->empty() || !writable || ref.name.empty()) {
      config.ErrorAt("target", "target: expected a field or label (`name`, `fields.name`, `labels.name`), got '" +
                                   *text + "'");
    }
    target = std::move(ref);
  }
  MemberRoles roles = ReadMemberRoles(config, {"message", "msg", "log"}, {"level", "severity", "lvl"},
                                      {"time", "timestamp", "ts", "@timestamp"});
  if (!config.ok()) return nullptr;
  return std::make_unique<JsonParseStep>(std::move(common), FieldRef::Parse(field), std::move(target), std::move(roles));
}

}  // namespace logcap
