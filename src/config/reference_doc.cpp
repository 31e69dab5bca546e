// ConfigReferenceMarkdown(): docs/configuration.md, generated from the options table.
#include <string>

#include "config/loader.h"
#include "config/options.h"
#include "config/units.h"

namespace logcap {
namespace {

constexpr std::string_view kIntro = R"(# Configuration reference

<!-- Generated from the options table (src/config/options.cpp) by ConfigReferenceMarkdown().
     Do not edit by hand; regenerate with:
     LOGCAP_UPDATE_DOCS=1 <build-dir>/unit_config --gtest_filter='ConfigReferenceDoc.*' -->

log-capturer reads one YAML file: the `--config FILE` argument, else `$SSW_CONFIG_FILE`, else
`/etc/log-capturer/config.yaml`. `log-capturer validate FILE` checks a file without running it and
prints one `FILE:LINE:COL: error: MESSAGE` line per problem (exit code 2 when there is any).

Loading is strict. Unknown keys (reported with a "did you mean" hint), duplicate keys, values of
the wrong type, values out of range and values not in an enum's list are all errors, never
silently ignored, and every problem of a file is reported in one run. A key that is not written
keeps the default shown below.

## Values

- **Environment variables**: any scalar may contain `${VAR}` (an error if `VAR` is unset) or
  `${VAR:-default}` (the default is used when `VAR` is unset or empty). `$$` is a literal `$`; a
  `$` followed by anything else is kept as is. Expansion happens after YAML parsing, so it never
  changes the YAML structure, and errors still point at the right line. Inside flow lists and
  maps (`[...]`, `{...}`) quote such values: `include: ["${LOG_GLOB}"]`.
- **Booleans**: `true` or `false` (also `True`, `TRUE`, `False`, `FALSE`). `yes`, `no`, `on`,
  `off`, `1` and `0` are rejected.
- **Durations**: an integer followed by a unit, `ms`, `s`, `m`, `h` or `d`: `250ms`, `5s`, `1m`,
  `2h`, `7d`. Units may be combined: `1m30s`. A bare `0` is allowed; any other bare number is
  rejected, because its unit would be a guess. Fractions are not accepted: write `1500ms`.
- **Sizes**: a number of bytes (`1048576`), or an integer followed by a unit: `KiB`, `MiB`, `GiB`,
  `TiB` (powers of 1024, e.g. `64KiB`, `100MiB`, `1GiB`), `KB`, `MB`, `GB`, `TB` (powers of 1000)
  or `B`. Units are case-sensitive: `100M` and `100mb` are rejected with a hint.
- **Strings**: a YAML null (`key:` with nothing after it) is the empty string. Lists and maps
  left empty (`key:`) are empty.
- **Lists** are YAML sequences (`["a", "b"]` or one `- item` per line); a single string is not a
  list. **Maps** are YAML mappings with string values (`{job: varlogs}`).
)";

std::string EscapeCell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else out.push_back(c);
  }
  return out;
}

std::string AllowedCell(const Option& option) {
  if (option.type == OptionType::kEnum) {
    std::string out;
    for (std::string_view value : option.enum_values) out += (out.empty() ? "`" : ", `") + std::string(value) + "`";
    return out;
  }
  if (option.min && option.max) {
    return FormatOptionBound(option, *option.min) + " to " + FormatOptionBound(option, *option.max);
  }
  if (option.min) return "at least " + FormatOptionBound(option, *option.min);
  if (option.non_empty) return "not empty";
  return "";
}

}  // namespace

std::string ConfigReferenceMarkdown() {
  const Config defaults;
  std::string out(kIntro);
  std::string_view section;
  for (const Option& option : ConfigOptions()) {
    if (option.Section() != section) {
      section = option.Section();
      out += "\n## `" + std::string(section) + "`\n\n";
      out += "| key | type | default | allowed | description |\n";
      out += "|---|---|---|---|---|\n";
    }
    out += "| `" + std::string(option.KeyInSection()) + "` | " + std::string(OptionTypeName(option.type)) + " | `" +
           EscapeCell(FormatOptionValue(option, option.get(defaults))) + "` | " + EscapeCell(AllowedCell(option)) +
           " | " + EscapeCell(option.description) + " |\n";
  }
  return out;
}

}  // namespace logcap
