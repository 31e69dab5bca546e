// timestamp_parse: reads a time from one part of the event (TimestampParser) and makes it the
// event's time, or writes it as RFC 3339 text into a field or label.
//
// Config:
//   field        where the text is (a reference, default `message`); the WHOLE value must be the
//                time (spaces around it allowed), so a regex_extract usually cuts it out first.
//                A record without it is left as is (not an error)
//   format       one format, or
//   formats      a list, tried in order: strftime-style ("%Y-%m-%d %H:%M:%S%.f"), Go layouts
//                ("2006-01-02T15:04:05.000Z07:00"), or rfc3339, iso8601, unix (epoch, unix_s),
//                unix_ms, unix_us, unix_ns, auto (processing/timestamp_parser.h). Default: auto
//   auto_detect  bool, default false (the original system's key): try `auto` after the formats
//   timezone     for texts without an offset: UTC (default), Local, +02:00, or an IANA name
//                (Europe/Berlin)
//   target       `timestamp` (default): the event time; or a field or label reference, which gets
//                the time as RFC 3339 text ("2026-01-02T15:04:05.000000000Z"). The original
//                system's `target_field` is an alias
//   use_as_log_timestamp  bool, default true when target is `timestamp`, false otherwise: with a
//                field target, also set the event time
//   remove_field bool, default false (or keep_field, default true): remove the source field or
//                label once its time is read (only for fields and labels)
// A text no format reads is a Failure "no format matched '<text>'" (the record flows on with its
// time unchanged). A text without a year (syslog) takes the year closest before the line's read
// time.
//
// Speed: the source value is read in place (no copy), parsing allocates nothing; only a field
// target writes (into the record's reused strings).
#include "processing/steps/step_types.h"
#include "processing/timestamp_parser.h"

namespace logcap {
namespace {

class TimestampParseStep final : public Step {
 public:
  TimestampParseStep(Common&& common, FieldRef source, TimestampParser parser, std::optional<FieldRef> text_target,
                     bool set_event_time, bool remove_source)
      : Step(std::move(common)),
        source_(std::move(source)),
        parser_(std::move(parser)),
        text_target_(std::move(text_target)),
        set_event_time_(set_event_time),
        remove_source_(remove_source) {}

 protected:
  Outcome Apply(EventRecord& record, StepContext& ctx) const override {
    const std::optional<std::string_view> text = record.Lookup(source_);
    if (!text) return Outcome::kDone;
    const Nanos read_time = record.event->read_time != 0 ? record.event->read_time : ctx.now;
    const std::optional<Nanos> time = read_time != 0 ? parser_.Parse(*text, read_time) : parser_.Parse(*text);
    if (!time) return Failure(record, "no format matched '" + Excerpt(*text) + "'");
    if (set_event_time_) record.event->source_time = *time;
    if (text_target_) {
      char formatted[TimestampFormatter::kLength];
      record.time_formatter.Format(*time, formatted);
      record.Assign(*text_target_, std::string_view(formatted, sizeof formatted));
    }
    if (remove_source_) record.Erase(source_);
    return Outcome::kDone;
  }

 private:
  // The start of a text for an error message, cut between UTF-8 characters.
  static std::string Excerpt(std::string_view text) {
    constexpr size_t kMax = 64;
    if (text.size() <= kMax) return std::string(text);
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // a continuation byte
    return std::string(text.substr(0, cut)) + "...";
  }

  FieldRef source_;
  TimestampParser parser_;
  std::optional<FieldRef> text_target_;  // a field or label to write RFC 3339 into
  bool set_event_time_;
  bool remove_source_;
};

bool IsFieldOrLabel(const FieldRef& ref) {
  return (ref.kind == FieldRef::Kind::kField || ref.kind == FieldRef::Kind::kLabel ||
          ref.kind == FieldRef::Kind::kFieldOrLabel) &&
         !ref.name.empty();
}

}  // namespace

std::unique_ptr<Step> MakeTimestampParseStep(Step::Common&& common, StepConfigReader& config) {
  const std::string field = config.String("field", "message");
  if (field.empty()) config.ErrorAt("field", "field: must name a part of the event (e.g. message)");
  const FieldRef source = FieldRef::Parse(field);

  std::vector<std::string> formats;
  if (config.Has("format") && config.Has("formats")) {
    config.ErrorAt("formats", "formats: give either `format` or `formats`, not both");
  }
  if (config.Has("format")) formats.push_back(config.RequiredString("format"));
  if (config.Has("formats")) {
    formats = config.StringList("formats");
    if (formats.empty()) config.ErrorAt("formats", "formats: the list is empty");
  }
  const bool auto_detect = config.Bool("auto_detect", false);
  if (formats.empty() || auto_detect) formats.push_back("auto");
  const std::string timezone = config.String("timezone", "UTC");

  // `target` (or the original system's `target_field`): the event time, or a field/label.
  if (config.Has("target") && config.Has("target_field")) {
    config.ErrorAt("target_field", "target_field: give either `target` or `target_field`, not both");
  }
  const std::string target_key = config.Has("target_field") ? "target_field" : "target";
  const std::string target_text = config.String(target_key, "timestamp");
  const FieldRef target = FieldRef::Parse(target_text);
  std::optional<FieldRef> text_target;
  if (target.kind != FieldRef::Kind::kTimestamp) {
    if (IsFieldOrLabel(target)) {
      text_target = target;
    } else {
      config.ErrorAt(target_key, target_key + ": expected `timestamp` (the event time), a field or a label, got '" +
                                     target_text + "'");
    }
  }
  const bool set_event_time = config.Bool("use_as_log_timestamp", !text_target.has_value());

  // remove_field: true, or keep_field: false (either spelling; they must agree when both are set).
  bool remove_source = config.Bool("remove_field", false);
  if (config.Has("keep_field")) {
    const bool keep = config.Bool("keep_field", true);
    if (config.Has("remove_field") && keep == remove_source) {
      config.ErrorAt("keep_field", "keep_field: contradicts remove_field");
    }
    remove_source = !keep;
  }
  if (remove_source && !IsFieldOrLabel(source)) {
    config.ErrorAt(config.Has("remove_field") ? "remove_field" : "keep_field",
                   "only a field or a label can be removed, not '" + field + "'");
  }
  if (!set_event_time && !text_target) {
    config.ErrorAt("use_as_log_timestamp", "use_as_log_timestamp: false with no target field: the time would go nowhere");
  }

  std::string error;
  std::optional<TimestampParser> parser = TimestampParser::Create(formats, timezone, &error);
  if (!parser) {
    const bool zone_error = error.find("time zone") != std::string::npos;
    const std::string key = zone_error ? "timezone" : config.Has("formats") ? "formats" : "format";
    config.ErrorAt(key, key + ": " + error);
  }
  if (!config.ok() || !parser) return nullptr;
  return std::make_unique<TimestampParseStep>(std::move(common), source, std::move(*parser), std::move(text_target),
                                              set_event_time, remove_source);
}

}  // namespace logcap
