#include "sinks/loki/loki_error.h"

#include <cstring>

namespace logcap {

namespace {

constexpr size_t npos = std::string_view::npos;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsZoneChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '+' || c == '-';
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Reads a decimal number at s[*pos]; false (pos unchanged) when there is none or it overflows.
bool ReadUint(std::string_view s, size_t* pos, uint64_t* value) {
  size_t i = *pos;
  uint64_t v = 0;
  while (i < s.size() && IsDigit(s[i])) {
    if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, static_cast<uint64_t>(s[i] - '0'), &v)) {
      return false;
    }
    ++i;
  }
  if (i == *pos) return false;
  *pos = i;
  *value = v;
  return true;
}

bool EatLiteral(std::string_view s, size_t* pos, std::string_view literal) {
  if (s.substr(*pos).starts_with(literal)) {
    *pos += literal.size();
    return true;
  }
  return false;
}

// A Go time.Time.String() at the start of s. consumed is 0 when the text does not have its shape;
// value is nullopt then, or when the time is outside what Nanos holds.
struct GoTimeScan {
  size_t consumed = 0;
  std::optional<Nanos> value;
};

GoTimeScan ScanGoTime(std::string_view s) {
  // "2006-01-02 15:04:05", rewritten as RFC 3339 so that ParseRfc3339 does the arithmetic.
  static constexpr char kShape[] = "0000-00-00 00:00:00";
  if (s.size() < 19) return {};
  for (size_t i = 0; i < 19; ++i) {
    if (kShape[i] == '0' ? !IsDigit(s[i]) : s[i] != kShape[i]) return {};
  }
  char rfc3339[40];  // 19 + ".123456789" + "+07:00"
  std::memcpy(rfc3339, s.data(), 19);
  rfc3339[10] = 'T';
  size_t n = 19;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {  // ".999999999": 1 to 9 digits, trailing zeros trimmed
    size_t end = i + 1;
    while (end < s.size() && IsDigit(s[end])) ++end;
    const size_t digits = end - i - 1;
    if (digits == 0 || digits > 9) return {};
    std::memcpy(rfc3339 + n, s.data() + i, end - i);
    n += end - i;
    i = end;
  }
  // " -0700"
  if (i + 6 > s.size() || s[i] != ' ' || (s[i + 1] != '+' && s[i + 1] != '-') || !IsDigit(s[i + 2]) ||
      !IsDigit(s[i + 3]) || !IsDigit(s[i + 4]) || !IsDigit(s[i + 5])) {
    return {};
  }
  const char offset[6] = {s[i + 1], s[i + 2], s[i + 3], ':', s[i + 4], s[i + 5]};
  std::memcpy(rfc3339 + n, offset, 6);
  n += 6;
  i += 6;
  // " MST": the zone's abbreviation ("UTC", "CEST", "+03"); the offset says it all.
  if (i >= s.size() || s[i] != ' ') return {};
  size_t zone_end = i + 1;
  while (zone_end < s.size() && IsZoneChar(s[zone_end])) ++zone_end;
  if (zone_end == i + 1) return {};
  i = zone_end;
  // " m=+1.234": the monotonic clock reading of a time taken from time.Now(); not a wall time.
  if (s.substr(i).starts_with(" m=") && i + 4 < s.size() && (s[i + 3] == '+' || s[i + 3] == '-') &&
      IsDigit(s[i + 4])) {
    size_t end = i + 4;
    while (end < s.size() && IsDigit(s[end])) ++end;
    if (end + 1 < s.size() && s[end] == '.' && IsDigit(s[end + 1])) {
      end += 1;
      while (end < s.size() && IsDigit(s[end])) ++end;
    }
    i = end;
  }
  return {i, ParseRfc3339(std::string_view(rfc3339, n))};
}

// The end (just past '}') of the label string {name="value", ...} that starts at s[pos], or npos.
// Quoted values are skipped whole, so '}', '\'' or "; " inside them do not end it.
size_t ScanLabelString(std::string_view s, size_t pos) {
  if (pos >= s.size() || s[pos] != '{') return npos;
  for (size_t i = pos + 1; i < s.size(); ++i) {
    if (s[i] == '}') return i + 1;
    if (s[i] != '"') continue;
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\') ++i;
    }
    if (i >= s.size()) return npos;
  }
  return npos;
}

// Where the distributor message after the one at from starts: the next "; " followed by
// "entry for stream '" or "<N> errors like: "; s.size() when there is none.
size_t NextMessage(std::string_view s, size_t from) {
  for (size_t i = s.find("; ", from); i != npos; i = s.find("; ", i + 2)) {
    size_t p = i + 2;
    uint64_t ignored;
    if (s.substr(p).starts_with("entry for stream '") ||
        (ReadUint(s, &p, &ignored) && s.substr(p).starts_with(" errors like: "))) {
      return i;
    }
  }
  return s.size();
}

class Parser {
 public:
  explicit Parser(LokiErrorSummary& out) : out_(out) {}

  void Line(std::string_view line) {
    constexpr std::string_view kEntryWith = "entry with timestamp ";
    if (line.starts_with(kEntryWith)) {
      IngesterEntry(line.substr(kEntryWith.size()));
    } else if (line.starts_with("user '") || line.starts_with("total ignored: ")) {
      IngesterSummary(line);
    } else {
      DistributorLine(line);
    }
  }

  // The ingester's entry lines name their stream only in the summary line (Loki 2.7+).
  void Finish() {
    for (LokiRefusal& r : out_.refusals) {
      const bool from_ingester = r.kind == LokiRefusalKind::kOutOfOrder || r.kind == LokiRefusalKind::kTooFarBehind;
      if (from_ingester && r.stream.empty()) r.stream = out_.ignored_stream;
    }
  }

 private:
  // "<go time> ignored, reason: '<reason>'," or older "... '<reason>' for stream: {...},".
  void IngesterEntry(std::string_view rest) {
    constexpr std::string_view kIgnored = " ignored, reason: '";
    const size_t ignored = rest.find(kIgnored);
    if (ignored == npos) return Other();
    const std::string_view time_text = rest.substr(0, ignored);
    std::string_view reason = rest.substr(ignored + kIgnored.size());
    if (reason.ends_with(',')) reason.remove_suffix(1);
    std::string_view stream;
    constexpr std::string_view kForStream = "' for stream: ";
    if (const size_t f = reason.find(kForStream); f != npos) {
      stream = reason.substr(f + kForStream.size());
      reason = reason.substr(0, f);
    } else if (reason.ends_with('\'')) {
      reason.remove_suffix(1);
    } else {
      return Other();  // cut short
    }

    LokiRefusal r;
    r.entry_time = ParseGoTime(time_text);
    if (reason == "entry out of order") {
      r.kind = LokiRefusalKind::kOutOfOrder;
    } else if (reason.starts_with("entry too far behind")) {
      r.kind = LokiRefusalKind::kTooFarBehind;
      // ", entry timestamp is: <rfc3339>, oldest acceptable timestamp is: <rfc3339>" (Loki 2.6+)
      constexpr std::string_view kEntry = "entry timestamp is: ";
      constexpr std::string_view kOldest = "oldest acceptable timestamp is: ";
      if (const size_t o = reason.find(kOldest); o != npos) {
        r.oldest_acceptable = ParseRfc3339(TrimSpaces(reason.substr(o + kOldest.size())));
      }
      if (const size_t e = reason.find(kEntry); !r.entry_time && e != npos) {
        const std::string_view tail = reason.substr(e + kEntry.size());
        r.entry_time = ParseRfc3339(tail.substr(0, tail.find(',')));  // second precision only
      }
    } else {
      return Other();  // e.g. a per-stream rate limit
    }
    if (!r.entry_time) Other();  // the sink could not tell which entry it was
    r.stream = std::string(stream);
    if (out_.ignored_stream.empty() && !stream.empty()) out_.ignored_stream = r.stream;
    out_.refusals.push_back(std::move(r));
  }

  // "user 'fake', total ignored: 3 out of 100 for stream: {...}" or "total ignored: 3 out of 100".
  void IngesterSummary(std::string_view line) {
    constexpr std::string_view kTotal = "total ignored: ";
    const size_t t = line.find(kTotal);
    if (t == npos) return Other();
    size_t pos = t + kTotal.size();
    uint64_t ignored = 0, total = 0;
    if (!ReadUint(line, &pos, &ignored) || !EatLiteral(line, &pos, " out of ") || !ReadUint(line, &pos, &total)) {
      return Other();
    }
    out_.total_ignored = ignored;
    out_.total_entries = total;
    if (EatLiteral(line, &pos, " for stream: ")) out_.ignored_stream = std::string(line.substr(pos));
  }

  // One or more messages joined by "; ". Every step resumes past whatever it searched, so the
  // scan stays linear in the line's length even on hostile text.
  void DistributorLine(std::string_view line) {
    deep_scan_allowed_ = true;
    size_t pos = 0;
    while (pos < line.size()) {
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == ';')) ++pos;
      if (pos < line.size()) pos = DistributorMessage(line, pos);
    }
  }

  // Reads the message at s[pos] (recording it, or other_errors); returns where to go on (> pos).
  size_t DistributorMessage(std::string_view s, size_t pos) {
    const size_t start = pos;
    LokiRefusal r;
    {
      size_t p = pos;
      uint64_t n = 0;
      if (ReadUint(s, &p, &n) && EatLiteral(s, &p, " errors like: ")) {
        r.count = n == 0 ? 1 : n;
        pos = p;
      }
    }
    if (!EatLiteral(s, &pos, "entry for stream '")) {
      Other();
      return NextMessage(s, start + 1);
    }
    constexpr std::string_view kHas = "' has timestamp too ";
    const size_t has = s.find(kHas, pos);
    if (has == npos) {  // then no timestamp refusal follows on this line either
      Other();
      return s.size();
    }
    // The label string normally ends at the first marker. If it does not (a value holding the
    // marker itself, or garbage), find its real end by quoting rules, but at most once per line:
    // a scan that fails runs to the end of the line, and repeating it would be quadratic.
    size_t labels_end = has;
    if (ScanLabelString(s.substr(0, has), pos) != has && deep_scan_allowed_) {
      const size_t end = ScanLabelString(s, pos);
      if (end != npos && s.substr(end).starts_with(kHas)) {
        labels_end = end;
      } else {
        deep_scan_allowed_ = false;
      }
    }
    r.stream = std::string(s.substr(pos, labels_end - pos));
    pos = labels_end + kHas.size();
    if (EatLiteral(s, &pos, "old: ")) {
      r.kind = LokiRefusalKind::kTooOld;
    } else if (EatLiteral(s, &pos, "new: ")) {
      r.kind = LokiRefusalKind::kTooNew;
    } else {
      Other();
      return NextMessage(s, pos);
    }
    // A refusal whose time cannot be read is still one (entry_time nullopt), with other_errors.
    const GoTimeScan entry = ScanGoTime(s.substr(pos));
    pos += entry.consumed;
    r.entry_time = entry.value;
    bool complete = entry.value.has_value();
    if (complete && r.kind == LokiRefusalKind::kTooOld && EatLiteral(s, &pos, ", oldest acceptable timestamp is: ")) {
      const GoTimeScan oldest = ScanGoTime(s.substr(pos));
      pos += oldest.consumed;
      r.oldest_acceptable = oldest.value;
      complete = oldest.consumed != 0;
    }
    out_.refusals.push_back(std::move(r));
    if (complete && (pos == s.size() || s[pos] == ';')) return pos;
    Other();  // an unreadable time, or text after the message that we do not know
    return NextMessage(s, pos);
  }

  void Other() { out_.other_errors = true; }

  LokiErrorSummary& out_;
  bool deep_scan_allowed_ = true;
};

}  // namespace

std::string_view LokiRefusalReason(LokiRefusalKind kind) {
  switch (kind) {
    case LokiRefusalKind::kOutOfOrder: return "out_of_order";
    case LokiRefusalKind::kTooFarBehind: return "too_far_behind";
    case LokiRefusalKind::kTooOld: return "too_old";
    case LokiRefusalKind::kTooNew: return "too_new";
  }
  return "unknown";
}

LokiErrorSummary ParseLokiError(std::string_view body) {
  LokiErrorSummary summary;
  Parser parser(summary);
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == npos) end = body.size();
    const std::string_view line = TrimSpaces(body.substr(pos, end - pos));
    pos = end + 1;
    if (!line.empty()) parser.Line(line);
  }
  parser.Finish();
  return summary;
}

std::optional<Nanos> ParseGoTime(std::string_view text) {
  const GoTimeScan scan = ScanGoTime(text);
  if (scan.consumed != text.size()) return std::nullopt;
  return scan.value;
}

}  // namespace logcap
