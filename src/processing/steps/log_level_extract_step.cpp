// log_level_extract: finds a log level in the text and sets the event level (or a field/label)
// to its normalised name (trace, debug, info, warn, error, fatal: core/event.h ParseLevel).
//
// Config:
//   field      where to look (a reference, default `message`). The original system used `field`
//              for the TARGET (`field: level`): `field: level` without `target` is read that way
//              (look in the message, write the level)
//   target     where the level goes (default `level` = the event level); any field or label
//              reference gets the normalised name as a string
//   pattern    optional PCRE2 regex: the group named `level`, else group 1, else the whole match,
//              is the level word. Default: no regex; the first word (a run of [A-Za-z0-9_]) that
//              is, case-insensitively, one of trace debug dbg info information notice warn
//              warning error err fatal critical crit panic emerg alert (or a `mapping` key,
//              exactly as written)
//   mapping    map from a found word to a level, e.g. {E: error, W: warn}; checked exactly, then
//              case-insensitively, before ParseLevel
//   overwrite  bool, default false: leave records whose target is already set (the event level
//              not unknown, or the field/label present)
// Nothing found, or a word that names no level: the record is left as is (not an error). A
// pattern that hits PCRE2's limits: Failure "regex match limit reached".
// The default scan reads each byte once and allocates nothing.
#include <algorithm>
#include <cctype>

#include "processing/regex.h"
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

class LogLevelExtractStep final : public Step {
 public:
  LogLevelExtractStep(Common&& common, FieldRef source, FieldRef target, std::optional<Regex> regex,
                      std::vector<std::pair<std::string, Level>> mapping, bool overwrite)
      : Step(std::move(common)),
        source_(std::move(source)),
        target_(std::move(target)),
        regex_(std::move(regex)),
        mapping_(std::move(mapping)),
        overwrite_(overwrite) {
    if (regex_) {
      for (const auto& [name, number] : regex_->named_groups()) {
        if (name == "level") level_group_ = number;
      }
      if (level_group_ == 0 && regex_->group_count() > 0) level_group_ = 1;
    }
    for (const auto& entry : mapping_) {
      longest_mapping_key_ = std::max(longest_mapping_key_, entry.first.size());
    }
  }

 protected:
  Outcome Apply(EventRecord& record, StepContext&) const override {
    if (!overwrite_ && AlreadySet(record)) return Outcome::kDone;
    std::optional<std::string_view> text = record.Lookup(source_);
    if (!text) return Outcome::kDone;
    Level level = Level::kUnknown;
    if (regex_) {
      thread_local std::vector<Regex::Group> groups;
      switch (regex_->Search(*text, &groups)) {
        case Regex::Result::kMatch: break;
        case Regex::Result::kNoMatch: return Outcome::kDone;
        case Regex::Result::kLimit: return Failure(record, "regex match limit reached");
      }
      const Regex::Group& g = groups[level_group_];
      if (!g.matched()) return Outcome::kDone;
      level = Normalise(text->substr(g.begin, g.end - g.begin));
    } else {
      level = ScanWords(*text);
    }
    if (level == Level::kUnknown) return Outcome::kDone;
    if (target_.kind == FieldRef::Kind::kLevel) {
      record.event->level = level;
    } else {
      record.Assign(target_, LevelName(level));
    }
    return Outcome::kDone;
  }

 private:
  bool AlreadySet(EventRecord& record) const {
    if (target_.kind == FieldRef::Kind::kLevel) return record.event->level != Level::kUnknown;
    return record.Lookup(target_).has_value();
  }

  Level FromMapping(std::string_view word) const {
    for (const auto& [key, level] : mapping_)
      if (key == word) return level;
    for (const auto& [key, level] : mapping_)
      if (EqualsIgnoreCase(key, word)) return level;
    return Level::kUnknown;
  }

  Level Normalise(std::string_view word) const {
    if (!mapping_.empty()) {
      if (Level level = FromMapping(word); level != Level::kUnknown) return level;
    }
    return ParseLevel(word);
  }

  // The first word that is a level word (or an exact mapping key).
  Level ScanWords(std::string_view text) const {
    // ParseLevel's longest word is "information" (11 bytes).
    const size_t longest = std::max<size_t>(11, longest_mapping_key_);
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
      while (i < n && !IsWordByte(text[i])) ++i;
      const size_t start = i;
      while (i < n && IsWordByte(text[i])) ++i;
      const size_t length = i - start;
      if (length == 0 || length > longest) continue;
      const std::string_view word = text.substr(start, length);
      for (const auto& [key, level] : mapping_)
        if (key == word) return level;
      // Every level word is 3 bytes or longer.
      if (length >= 3) {
        if (Level level = ParseLevel(word); level != Level::kUnknown) return level;
      }
    }
    return Level::kUnknown;
  }

  FieldRef source_;
  FieldRef target_;
  std::optional<Regex> regex_;
  std::vector<std::pair<std::string, Level>> mapping_;
  bool overwrite_;
  uint32_t level_group_ = 0;
  size_t longest_mapping_key_ = 0;
};

}  // namespace

std::unique_ptr<Step> MakeLogLevelExtractStep(Step::Common&& common, StepConfigReader& config) {
  std::string field = config.String("field", "message");
  std::optional<std::string> target_text = config.String("target");
  if (!target_text && field == "level") {
    // The original system's form: `field` named where the level goes.
    target_text = "level";
    field = "message";
  }
  if (field.empty()) config.ErrorAt("field", "field: must name a part of the event (e.g. message)");
  const FieldRef target = FieldRef::Parse(target_text.value_or("level"));
  const bool target_ok = target.kind == FieldRef::Kind::kLevel ||
                         ((target.kind == FieldRef::Kind::kField || target.kind == FieldRef::Kind::kLabel ||
                           target.kind == FieldRef::Kind::kFieldOrLabel) &&
                          !target.name.empty());
  if (!target_ok) {
    config.ErrorAt("target", "target: expected `level`, a field or a label, got '" + target_text.value_or("") + "'");
  }

  std::optional<Regex> regex;
  if (std::optional<std::string> pattern = config.String("pattern")) {
    std::string error;
    regex = Regex::Compile(*pattern, RegexOptions{}, &error);
    if (!regex) config.ErrorAt("pattern", "pattern: " + error);
  }

  std::vector<std::pair<std::string, Level>> mapping;
  for (auto& [word, name] : config.StringMap("mapping")) {
    const Level level = ParseLevel(name);
    if (level == Level::kUnknown) {
      config.ErrorAt("mapping", "mapping: '" + word + "' maps to '" + name +
                                    "', which is not a level (trace, debug, info, warn, error, fatal)");
      continue;
    }
    mapping.emplace_back(std::move(word), level);
  }
  const bool overwrite = config.Bool("overwrite", false);
  if (!config.ok()) return nullptr;
  return std::make_unique<LogLevelExtractStep>(std::move(common), FieldRef::Parse(field), target, std::move(regex),
                                               std::move(mapping), overwrite);
}

}  // namespace logcap
