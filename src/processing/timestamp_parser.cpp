#include "processing/timestamp_parser.h"

#include "processing/timestamp/auto_timestamp_scanner.h"
#include "processing/timestamp/go_layout.h"
#include "processing/timestamp/iso8601_scanner.h"
#include "processing/timestamp/strftime_format.h"

namespace logcap {

namespace {

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsSurroundingSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::optional<TimestampParser> TimestampParser::Create(const std::vector<std::string>& formats, std::string_view timezone,
                                                       std::string* error) {
  if (formats.empty()) {
    if (error) *error = "no timestamp format given";
    return std::nullopt;
  }
  std::optional<TimeZoneRules> zone = TimeZoneRules::Create(timezone, error);
  if (!zone) return std::nullopt;

  std::vector<Format> compiled;
  for (const std::string& text : formats) {
    Format format{Format::Kind::kLayout};
    const std::string name = Lowercase(text);
    if (name == "rfc3339" || name == "rfc3339nano") {
      format.kind = Format::Kind::kRfc3339;
    } else if (name == "iso8601") {
      format.kind = Format::Kind::kIso8601;
    } else if (name == "auto") {
      format.kind = Format::Kind::kAuto;
    } else if (name == "unix" || name == "epoch" || name == "unix_s" || name == "epoch_s") {
      format.kind = Format::Kind::kEpoch;
    } else if (name == "unix_ms" || name == "epoch_ms") {
      format.kind = Format::Kind::kEpoch;
      format.epoch_unit = EpochUnit::kMilliseconds;
    } else if (name == "unix_us" || name == "epoch_us") {
      format.kind = Format::Kind::kEpoch;
      format.epoch_unit = EpochUnit::kMicroseconds;
    } else if (name == "unix_ns" || name == "epoch_ns") {
      format.kind = Format::Kind::kEpoch;
      format.epoch_unit = EpochUnit::kNanoseconds;
    } else {
      std::optional<TimestampLayout> layout;
      if (text.find('%') != std::string::npos) {
        layout = CompileStrftimeFormat(text, error);
      } else if (LooksLikeGoLayout(text)) {
        layout = CompileGoLayout(text, error);
      } else if (error) {
        *error = "invalid timestamp format \"" + text +
                 "\": neither a name (rfc3339, iso8601, unix, unix_ms, unix_us, unix_ns, auto), nor strftime-style "
                 "(%Y-%m-%d %H:%M:%S), nor a Go layout (2006-01-02 15:04:05)";
      }
      if (!layout) return std::nullopt;
      format.layout = std::move(*layout);
    }
    compiled.push_back(std::move(format));
  }
  return TimestampParser(std::move(compiled), std::move(*zone));
}

std::optional<Nanos> TimestampParser::Parse(std::string_view text) const { return ParseTrimmed(text, nullptr); }

std::optional<Nanos> TimestampParser::Parse(std::string_view text, Nanos now) const { return ParseTrimmed(text, &now); }

std::optional<Nanos> TimestampParser::ParseTrimmed(std::string_view text, const Nanos* now) const {
  while (!text.empty() && IsSurroundingSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSurroundingSpace(text.back())) text.remove_suffix(1);
  for (const Format& format : formats_) {
    TimeFields fields;
    bool scanned = false;
    switch (format.kind) {
      case Format::Kind::kLayout: scanned = format.layout.Match(text, &fields); break;
      case Format::Kind::kRfc3339: scanned = ScanIso8601(text, IsoProfile::kRfc3339, &fields); break;
      case Format::Kind::kIso8601: scanned = ScanIso8601(text, IsoProfile::kIso8601, &fields); break;
      case Format::Kind::kEpoch: scanned = ScanEpoch(text, format.epoch_unit, &fields); break;
      case Format::Kind::kAuto: scanned = ScanAutoDetected(text, &fields); break;
    }
    if (!scanned) continue;
    const Nanos reference = now ? *now : NeedsReferenceTime(fields) ? WallNowNanos() : 0;
    // A text the format reads but whose values are invalid may still be another format's.
    if (std::optional<Nanos> time = ResolveTimeFields(fields, zone_, reference)) return time;
  }
  return std::nullopt;
}

}  // namespace logcap
