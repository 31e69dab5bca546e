#include "processing/steps/step_types.h"

namespace logcap {

const std::vector<StepType>& StepTypes() {
  static const std::vector<StepType> types = {
      {"json_parse", MakeJsonParseStep, "parse a JSON object into fields; message, level and time keys; keys promoted to labels"},
      {"regex_extract", MakeRegexExtractStep, "PCRE2 named (or listed) groups into fields or labels"},
      {"logfmt_parse", MakeLogfmtParseStep, "parse key=value pairs into fields"},
      {"timestamp_parse", MakeTimestampParseStep, "parse a time (strftime, Go layouts, RFC 3339, epoch, auto) into the event time"},
      {"log_level_extract", MakeLogLevelExtractStep, "find the level word and set the normalised level"},
      {"field_add", MakeFieldAddStep, "set fields or labels from {{reference}} templates"},
      {"field_remove", MakeFieldRemoveStep, "remove fields or labels"},
      {"rename", MakeRenameStep, "rename fields or labels"},
      {"drop", MakeDropStep, "drop events that match a condition (counted)"},
      {"redact", MakeRedactStep, "mask e-mails, card numbers, bearer tokens and custom patterns"},
      {"sample", MakeSampleStep, "keep 1 in N events, optionally per key (counted)"},
      {"dedup", MakeDedupStep, "drop repeats of the same key within a window (counted)"},
      {"throttle", MakeThrottleStep, "at most N events per interval per key; the excess is counted"},
      {"multiline", MakeMultilineStep, "join continuation lines where they are read (Java, Python, Go presets)"},
  };
  return types;
}

const StepType* FindStepType(std::string_view name) {
  for (const StepType& type : StepTypes())
    if (type.name == name) return &type;
  return nullptr;
}

}  // namespace logcap
