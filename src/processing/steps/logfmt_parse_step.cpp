// logfmt_parse: parses `key=value key2="quoted \"value\"" flag` pairs into string fields.
//
// Config:
//   field          what to parse (a reference, default `message`); a record without it is left
//   message_key    string or list (default [msg, message]): becomes the event message, not kept
//   level_key      string or list (default [level, lvl]): sets the event level (ParseLevel); an
//                  unknown word stays a field
//   time_key       string or list (default [ts, time]): RFC 3339 or epoch digits set the event
//                  time; otherwise the pair stays a field
//   labels         list of keys promoted to event labels instead of fields
//   keep_original  bool, default false: as json_parse (the message stays the original text)
// (The roles work as in json_parse: processing/steps/parsed_members.h.)
//
// Syntax, as Go's github.com/go-logfmt reads it, but lenient where real logs are sloppy:
//   - pairs are separated by blanks (any byte <= ' '); a key is a run of bytes other than blanks,
//     '=' and '"';
//   - `key=value`: a bare value runs to the next blank (it may contain '=' and '"');
//     `key="..."`: a quoted value, with the escapes \" \\ \/ \n \r \t \b \f \uXXXX (others are
//     kept as written); `key=` is an empty value;
//   - a bare `key` (no '=') is a key with an empty value, as in Go's logfmt.
// Every value is a string field (kString). Failures (the record flows on with `_error`):
//   - no `key=value` pair at all (plain text): "no key=value pairs", nothing applied;
//   - garbage (an unterminated quote, a '=' or '"' where a key should start): the pairs before it
//     are applied and the record fails with the reason and the byte offset.
// No allocation per record once warm: values are unescaped into a per-thread buffer reserved to
// the line's size (so views into it stay valid) and written into the record's reused strings.
#include "processing/steps/parsed_members.h"
#include "processing/steps/step_types.h"

namespace logcap {
namespace {

bool IsBlank(char c) { return static_cast<unsigned char>(c) <= ' '; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads 4 hex digits at text[i]; -1 when they are not there.
int32_t ReadHex4(std::string_view text, size_t i) {
  if (i + 4 > text.size()) return -1;
  int32_t value = 0;
  for (size_t k = 0; k < 4; ++k) {
    const int d = HexDigit(text[i + k]);
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

struct LogfmtResult {
  size_t pairs = 0;            // members written as key=value (bare keys not counted)
  std::string_view problem;    // empty when the whole line was read
  size_t problem_at = 0;       // byte offset of the problem
};

// Splits text into members. Unescaped values are appended to `unescaped`, whose capacity the
// caller reserved to at least text.size(), so views into it stay valid.
LogfmtResult ParseLogfmt(std::string_view text, std::vector<ParsedMember>& members, std::string& unescaped) {
  LogfmtResult result;
  size_t i = 0;
  const size_t n = text.size();
  while (true) {
    while (i < n && IsBlank(text[i])) ++i;
    if (i == n) return result;
    const size_t key_start = i;
    while (i < n && !IsBlank(text[i]) && text[i] != '=' && text[i] != '"') ++i;
    if (i == key_start) {
      result.problem = text[i] == '=' ? "unexpected '=' where a key should start" : "unexpected '\"' where a key should start";
      result.problem_at = i;
      return result;
    }
    ParsedMember m;
    m.key = text.substr(key_start, i - key_start);
    if (i < n && text[i] == '"') {
      result.problem = "unexpected '\"' in a key";
      result.problem_at = i;
      return result;
    }
    if (i == n || text[i] != '=') {  // a bare key
      members.push_back(m);
      continue;
    }
    ++i;  // '='
    if (i < n && text[i] == '"') {
      const size_t quote_at = i++;
      const size_t value_start = unescaped.size();
      bool closed = false;
      while (i < n) {
        // Copy the run without specials in one go.
        size_t run = i;
        while (run < n && text[run] != '"' && text[run] != '\\') ++run;
        unescaped.append(text.data() + i, run - i);
        i = run;
        if (i == n) break;
        if (text[i] == '"') {
          ++i;
          closed = true;
          break;
        }
        // A backslash.
        if (i + 1 >= n) {
          ++i;
          break;
        }
        const char e = text[i + 1];
        i += 2;
        switch (e) {
          case 'n': unescaped.push_back('\n'); break;
          case 'r': unescaped.push_back('\r'); break;
          case 't': unescaped.push_back('\t'); break;
          case 'b': unescaped.push_back('\b'); break;
          case 'f': unescaped.push_back('\f'); break;
          case 'u': {
            int32_t cp = ReadHex4(text, i);
            if (cp < 0) {
              unescaped.append("\\u");
              break;
            }
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && text[i] == '\\' && text[i + 1] == 'u') {
              const int32_t low = ReadHex4(text, i + 2);
              if (low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 6;
              }
            }
            // A lone surrogate cannot be UTF-8: U+FFFD. \uXXXX takes 6 bytes, its UTF-8 at most 4,
            // so the output never outgrows the input.
            AppendUtf8((cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : static_cast<uint32_t>(cp), unescaped);
            break;
          }
          case '"':
          case '\\':
          case '/': unescaped.push_back(e); break;
          default:  // not an escape logfmt knows: kept as written
            unescaped.push_back('\\');
            unescaped.push_back(e);
        }
      }
      if (!closed) {
        unescaped.resize(value_start);
        result.problem = "unterminated quoted value";
        result.problem_at = quote_at;
        return result;
      }
      m.value = std::string_view(unescaped).substr(value_start);
    } else {
      const size_t value_start = i;
      while (i < n && !IsBlank(text[i])) ++i;
      m.value = text.substr(value_start, i - value_start);
    }
    members.push_back(m);
    ++result.pairs;
  }
}

class LogfmtParseStep final : public Step {
 public:
  LogfmtParseStep(Common&& common, FieldRef source, MemberRoles roles)
      : Step(std::move(common)), source_(std::move(source)), roles_(std::move(roles)) {}

 protected:
  Outcome Apply(EventRecord& record, StepContext&) const override {
    std::optional<std::string_view> found = record.Lookup(source_);
    if (!found) return Outcome::kDone;
    std::string_view text = *found;
    thread_local std::string copy;
    thread_local std::string unescaped;
    thread_local std::vector<ParsedMember> members;
    // The original message lives in the batch's block, which no write here can move.
    if (source_.kind != FieldRef::Kind::kMessage || record.message_changed) {
      copy.assign(text);
      text = copy;
    }
    members.clear();
    unescaped.clear();
    unescaped.reserve(text.size());
    const LogfmtResult result = ParseLogfmt(text, members, unescaped);
    if (result.pairs == 0) {
      if (!result.problem.empty()) return Failure(record, Describe(result));
      return Failure(record, "no key=value pairs");
    }
    roles_.Apply(members, nullptr, record);
    if (!result.problem.empty()) return Failure(record, Describe(result));
    return Outcome::kDone;
  }

 private:
  static std::string Describe(const LogfmtResult& result) {
    return std::string(result.problem) + " at byte " + std::to_string(result.problem_at);
  }

  FieldRef source_;
  MemberRoles roles_;
};

}  // namespace

std::unique_ptr<Step> MakeLogfmtParseStep(Step::Common&& common, StepConfigReader& config) {
  const std::string field = config.String("field", "message");
  if (field.empty()) config.ErrorAt("field", "field: must name a part of the event (e.g. message)");
  MemberRoles roles = ReadMemberRoles(config, {"msg", "message"}, {"level", "lvl"}, {"ts", "time"});
  if (!config.ok()) return nullptr;
  return std::make_unique<LogfmtParseStep>(std::move(common), FieldRef::Parse(field), std::move(roles));
}

}  // namespace logcap
