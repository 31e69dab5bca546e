// redact: masks secrets and personal data in the message, fields or labels.
//
// Config:
//   fields:      [REF, ...]   what to scan (default [message]): `message`, fields, `labels.x`
//   patterns:    [NAME, ...]  built-in detectors (default [email, credit_card, bearer_token]):
//                  email         local@domain.tld
//                  credit_card   13-19 digits, optionally grouped by single spaces or dashes,
//                                masked only when the Luhn check passes (order numbers stay)
//                  bearer_token  the token of `Bearer <token>`, the value of `Authorization: ...`
//                  ipv4          dotted quads 0-255 (not versions like 1.2.3.4.5)
//                  jwt           eyJ....eyJ....signature
//                  aws_key       AKIA/ASIA access key ids
//                  password_kv   the value of password=..., "password":"...", pwd: ...
//   custom:      [PATTERN, ...] or [{pattern: PCRE2, replacement: TEXT}, ...]: the whole match is
//                masked
//   replacement: TEXT (default "[REDACTED]"), a fixed string
// Built-ins that name a secret inside context (bearer_token, password_kv) mask only the secret
// ("Authorization: Bearer [REDACTED]"). Each built-in first runs a cheap check (an '@' for
// e-mails, 13 digits for cards, "bearer"/"authorization" for tokens, ...) and skips its regex
// when the check says it cannot match, so clean lines cost a scan or two.
//
// Failure: a regex that hits its match limit cannot tell whether the value holds a secret; since
// leaking a secret is worse than losing a line's text, the whole value is replaced by the
// replacement and the record is marked failed ("redaction regex limit: value masked whole").
// Nothing matching is not an error. A field whose kind was a number becomes a string when masked;
// a nested JSON field stays JSON when the masked text is still valid JSON, else becomes a string.
#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "config/did_you_mean.h"
#include "processing/regex.h"
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

constexpr std::string_view kDefaultReplacement = "[REDACTED]";

enum class Prefilter { kNone, kAt, kThirteenDigits, kBearer, kDots, kJwt, kAwsKey, kPassword };

struct BuiltinPattern {
  std::string_view name;
  std::string_view regex;  // empty: scanned in code (credit_card)
  Prefilter prefilter;
  bool secret_group;  // mask the first capture group that took part instead of the whole match
};

constexpr std::string_view kCardName = "credit_card";

const std::vector<BuiltinPattern>& Builtins() {
  static const std::vector<BuiltinPattern> builtins = {
      {"email", R"((?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]++@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,})", Prefilter::kAt,
       false},
      {kCardName, "", Prefilter::kThirteenDigits, false},
      {"bearer_token",
       R"((?i)\bbearer\s+([A-Za-z0-9\-._~+/]{8,}=*)|\bauthorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token|digest|negotiate)\s+)?([^\s"'][^"'\r\n]*))",
       Prefilter::kBearer, true},
      {"ipv4",
       R"((?<![0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![0-9]|\.[0-9]))",
       Prefilter::kDots, false},
      {"jwt", R"(\beyJ[A-Za-z0-9_\-]++\.eyJ[A-Za-z0-9_\-]++\.[A-Za-z0-9_\-]*+)", Prefilter::kJwt, false},
      {"aws_key", R"(\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)", Prefilter::kAwsKey, false},
      {"password_kv",
       R"re((?i)(?:password|passwd|pwd)["']?\s*[:=]\s*(?:"((?:[^"\\]++|\\.)*+)"|'([^']*+)'|([^\s&,;"']++)))re",
       Prefilter::kPassword, true},
  };
  return builtins;
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

bool ContainsCaseless(std::string_view text, std::string_view lower_needle) {
  if (text.size() < lower_needle.size()) return false;
  for (size_t i = 0; i + lower_needle.size() <= text.size(); ++i) {
    size_t j = 0;
    while (j < lower_needle.size() && AsciiLower(text[i + j]) == lower_needle[j]) ++j;
    if (j == lower_needle.size()) return true;
  }
  return false;
}

bool MayMatch(Prefilter prefilter, std::string_view text) {
  switch (prefilter) {
    case Prefilter::kNone: return true;
    case Prefilter::kAt: return text.find('@') != std::string_view::npos;
    case Prefilter::kThirteenDigits: {
      int digits = 0;
      for (char c : text)
        if (c >= '0' && c <= '9' && ++digits >= 13) return true;
      return false;
    }
    case Prefilter::kBearer: return ContainsCaseless(text, "earer") || ContainsCaseless(text, "uthorization");
    case Prefilter::kDots: return std::count(text.begin(), text.end(), '.') >= 3;
    case Prefilter::kJwt: return text.find("eyJ") != std::string_view::npos;
    case Prefilter::kAwsKey:
      return text.find("AKIA") != std::string_view::npos || text.find("ASIA") != std::string_view::npos;
    case Prefilter::kPassword: return ContainsCaseless(text, "pass") || ContainsCaseless(text, "pwd");
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The Luhn checksum over the digits of text (separators skipped).
bool LuhnValid(std::string_view text) {
  int sum = 0;
  bool twice = false;
  for (size_t i = text.size(); i-- > 0;) {
    if (!IsDigit(text[i])) continue;
    int d = text[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

enum class Scan { kUnchanged, kChanged, kLimit };

struct Rule {
  std::string name;  // a built-in's name, or "custom N"
  std::optional<Regex> regex;
  Prefilter prefilter = Prefilter::kNone;
  bool secret_group = false;
  bool card = false;  // the credit card scanner instead of a regex
  std::string replacement;
};

// Card numbers: runs of digit groups joined by single spaces or dashes. Every span of whole groups
// holding 13-19 digits and starting with 2-6 (the issuers' ranges: Mastercard 2/5, Amex 3, Visa
// 4, Discover 6; so epoch timestamps, which start with 1, stay) is a candidate, leftmost-longest
// first; a candidate is masked when its Luhn checksum holds. Bounded: at most 19 digits' worth
// of spans per starting group.
Scan RedactCards(std::string_view in, const std::string& replacement, std::string& out) {
  thread_local std::vector<std::pair<size_t, size_t>> groups;  // [begin, end) of each digit group
  size_t copied = 0;
  size_t i = 0;
  bool changed = false;
  while (i < in.size()) {
    if (!IsDigit(in[i]) || (i > 0 && IsDigit(in[i - 1]))) {
      ++i;
      continue;
    }
    groups.clear();
    size_t p = i;
    while (true) {
      size_t begin = p;
      while (p < in.size() && IsDigit(in[p])) ++p;
      groups.emplace_back(begin, p);
      if (p + 1 < in.size() && (in[p] == ' ' || in[p] == '-') && IsDigit(in[p + 1])) {
        ++p;
        continue;
      }
      break;
    }
    const size_t run_end = p;
    size_t g = 0;
    while (g < groups.size()) {
      size_t masked_to = 0;  // the group after a masked span
      size_t digits = 0;
      size_t best_end = 0;
      const char first = in[groups[g].first];
      const bool issuer_digit = first >= '2' && first <= '6';
      for (size_t h = g; issuer_digit && h < groups.size(); ++h) {
        digits += groups[h].second - groups[h].first;
        if (digits > 19) break;
        if (digits >= 13 && LuhnValid(in.substr(groups[g].first, groups[h].second - groups[g].first))) best_end = h + 1;
      }
      if (best_end != 0) {
        const size_t begin = groups[g].first;
        const size_t end = groups[best_end - 1].second;
        out.append(in.substr(copied, begin - copied)).append(replacement);
        copied = end;
        changed = true;
        masked_to = best_end;
      }
      g = masked_to != 0 ? masked_to : g + 1;
    }
    i = run_end;
  }
  if (!changed) return Scan::kUnchanged;
  out.append(in.substr(copied));
  return Scan::kChanged;
}

Scan RedactRegex(const Rule& rule, std::string_view in, std::string& out) {
  thread_local std::vector<Regex::Group> groups;
  size_t copied = 0;
  size_t start = 0;
  bool changed = false;
  while (start <= in.size()) {
    Regex::Result result = rule.regex->Search(in, &groups, start);
    if (result == Regex::Result::kLimit) return Scan::kLimit;
    if (result == Regex::Result::kNoMatch) break;
    Regex::Group span = groups[0];
    if (rule.secret_group) {
      for (size_t k = 1; k < groups.size(); ++k) {
        if (groups[k].matched()) {
          span = groups[k];
          break;
        }
      }
    }
    if (span.end > span.begin && span.begin >= copied) {  // an empty match masks nothing
      out.append(in.substr(copied, span.begin - copied)).append(rule.replacement);
      copied = span.end;
      changed = true;
    }
    start = groups[0].end > groups[0].begin ? groups[0].end : groups[0].end + 1;
  }
  if (!changed) return Scan::kUnchanged;
  out.append(in.substr(copied));
  return Scan::kChanged;
}

bool IsValidJson(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  return parser.parse(text.data(), text.size(), true).error() == simdjson::SUCCESS;
}

class RedactStep final : public Step {
 public:
  RedactStep(Common common, std::vector<FieldRef> refs, std::vector<Rule> rules)
      : Step(std::move(common)), refs_(std::move(refs)), rules_(std::move(rules)) {}

 protected:
  Outcome Apply(EventRecord& record, StepContext&) const override {
    // current holds the value once a rule changed it; next receives the following rule's output.
    thread_local std::string current;
    thread_local std::string next;
    const Rule* limited_rule = nullptr;
    const FieldRef* limited_ref = nullptr;
    for (const FieldRef& ref : refs_) {
      std::optional<std::string_view> original = record.Lookup(ref);
      if (!original) continue;
      std::string_view value = *original;
      bool changed = false;
      const Rule* limited = nullptr;
      for (const Rule& rule : rules_) {
        if (!MayMatch(rule.prefilter, value)) continue;
        next.clear();
        Scan scan = rule.card ? RedactCards(value, rule.replacement, next) : RedactRegex(rule, value, next);
        if (scan == Scan::kLimit) {
          limited = &rule;
          break;
        }
        if (scan == Scan::kChanged) {
          current.swap(next);
          value = current;
          changed = true;
        }
      }
      if (limited != nullptr) {
        Store(record, ref, limited->replacement);
        if (limited_rule == nullptr) limited_rule = limited, limited_ref = &ref;
      } else if (changed) {
        Store(record, ref, current);
      }
    }
    if (limited_rule != nullptr) {
      return Failure(record, "redaction regex limit: value masked whole (pattern " + limited_rule->name + " on " +
                                 limited_ref->ToString() + ")");
    }
    return Outcome::kDone;
  }

 private:
  // Writes the masked value back, keeping a field's JSON kind where the text still fits it.
  static void Store(EventRecord& record, const FieldRef& ref, std::string_view value) {
    FieldKind kind = FieldKind::kString;
    if (ref.kind == FieldRef::Kind::kField || ref.kind == FieldRef::Kind::kFieldOrLabel) {
      if (const Field* field = record.fields.Find(ref.name)) {
        if (field->kind == FieldKind::kJson && IsValidJson(value)) kind = FieldKind::kJson;
      } else if (ref.kind == FieldRef::Kind::kFieldOrLabel) {
        // The bare name read a label: mask the label, do not create a field.
        record.Assign(FieldRef{FieldRef::Kind::kLabel, ref.name}, value);
        return;
      }
    }
    record.Assign(ref, value, kind);
  }

  std::vector<FieldRef> refs_;
  std::vector<Rule> rules_;
};

std::vector<std::string> BuiltinNames() {
  std::vector<std::string> names;
  for (const BuiltinPattern& b : Builtins()) names.emplace_back(b.name);
  return names;
}

bool AddBuiltin(std::string_view name, const std::string& replacement, std::vector<Rule>& rules) {
  for (const BuiltinPattern& b : Builtins()) {
    if (b.name != name) continue;
    Rule rule;
    rule.name = std::string(b.name);
    rule.prefilter = b.prefilter;
    rule.secret_group = b.secret_group;
    rule.card = b.name == kCardName;
    rule.replacement = replacement;
    if (!rule.card) {
      std::string error;
      rule.regex = Regex::Compile(b.regex, RegexOptions{}, &error);
      if (!rule.regex) return false;  // a bug in the table above: the unit tests compile every one
    }
    rules.push_back(std::move(rule));
    return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Step> MakeRedactStep(Step::Common&& common, StepConfigReader& config) {
  bool ok = true;
  const std::string replacement = config.String("replacement", kDefaultReplacement);

  std::vector<FieldRef> refs;
  std::vector<std::string> field_texts = config.Has("fields") ? config.StringList("fields")
                                                               : std::vector<std::string>{"message"};
  for (const std::string& text : field_texts) {
    FieldRef ref = FieldRef::Parse(text);
    const bool named = ref.kind == FieldRef::Kind::kField || ref.kind == FieldRef::Kind::kLabel ||
                       ref.kind == FieldRef::Kind::kFieldOrLabel;
    if ((named && ref.name.empty()) || (!named && ref.kind != FieldRef::Kind::kMessage)) {
      config.ErrorAt("fields", "fields: cannot redact '" + text + "' (message, fields and labels.NAME can be)");
      ok = false;
      continue;
    }
    refs.push_back(std::move(ref));
  }

  std::vector<Rule> rules;
  const ConfigTree* patterns = config.Tree("patterns");
  if (patterns == nullptr || patterns->is_null()) {
    for (std::string_view name : {"email", "credit_card", "bearer_token"}) AddBuiltin(name, replacement, rules);
  } else {
    std::vector<const ConfigTree*> items;
    if (patterns->is_list()) {
      for (const ConfigTree& item : patterns->items) items.push_back(&item);
    } else {
      items.push_back(patterns);
    }
    for (const ConfigTree* item : items) {
      if (!item->is_scalar()) {
        config.ErrorAtNode(*item, "patterns: expected built-in pattern names, got " + item->Describe());
        ok = false;
      } else if (!AddBuiltin(item->scalar, replacement, rules)) {
        std::string list;
        for (const std::string& n : BuiltinNames()) list += (list.empty() ? "" : ", ") + n;
        std::string hint = DidYouMeanHint(item->scalar, BuiltinNames());
        config.ErrorAtNode(*item, "patterns: unknown pattern '" + item->scalar + "'" +
                                      (hint.empty() ? "; built-ins: " + list : hint) +
                                      " (write your own under 'custom')");
        ok = false;
      }
    }
  }

  size_t custom_count = 0;
  if (const ConfigTree* custom = config.Tree("custom"); custom != nullptr && !custom->is_null()) {
    std::vector<const ConfigTree*> items;
    if (custom->is_list()) {
      for (const ConfigTree& item : custom->items) items.push_back(&item);
    } else {
      items.push_back(custom);
    }
    for (const ConfigTree* item : items) {
      const ConfigTree* pattern_node = item;
      std::string item_replacement = replacement;
      if (item->is_map()) {
        pattern_node = item->Find("pattern");
        for (const ConfigTreeEntry& entry : item->entries) {
          if (entry.key == "replacement") {
            if (!entry.value.is_scalar()) {
              config.ErrorAtNode(entry.value, "custom: replacement must be a string, got " + entry.value.Describe());
              ok = false;
            } else {
              item_replacement = entry.value.scalar;
            }
          } else if (entry.key != "pattern") {
            config.ErrorAtNode(entry.value, "custom: unknown key '" + entry.key + "'" +
                                                DidYouMeanHint(entry.key, {"pattern", "replacement"}) +
                                                "; a custom pattern is {pattern, replacement}");
            ok = false;
          }
        }
        if (pattern_node == nullptr) {
          config.ErrorAtNode(*item, "custom: missing 'pattern'");
          ok = false;
          continue;
        }
      }
      if (!pattern_node->is_scalar() || pattern_node->scalar.empty()) {
        config.ErrorAtNode(*pattern_node, "custom: expected a regex or {pattern, replacement}, got " +
                                              pattern_node->Describe());
        ok = false;
        continue;
      }
      std::string error;
      std::optional<Regex> regex = Regex::Compile(pattern_node->scalar, RegexOptions{}, &error);
      if (!regex) {
        config.ErrorAtNode(*pattern_node, "custom: invalid regex: " + error);
        ok = false;
        continue;
      }
      Rule rule;
      rule.name = "custom " + std::to_string(++custom_count) + " '" + pattern_node->scalar + "'";
      rule.regex = std::move(regex);
      rule.replacement = std::move(item_replacement);
      rules.push_back(std::move(rule));
    }
  }

  if (ok && rules.empty()) {
    config.ErrorAt("patterns", "redact has nothing to mask: list built-in 'patterns' or 'custom' regexes");
    return nullptr;
  }
  if (ok && refs.empty()) {
    config.ErrorAt("fields", "fields: list what to scan (default [message])");
    return nullptr;
  }
  if (!ok) return nullptr;
  return std::make_unique<RedactStep>(std::move(common), std::move(refs), std::move(rules));
}

}  // namespace logcap
