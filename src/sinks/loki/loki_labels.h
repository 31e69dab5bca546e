// Loki stream labels: label-name sanitising, the label string of a push, and UTF-8 repair.
//
// SanitizeLokiLabelName makes any text a valid Loki (Prometheus) label name,
// [a-zA-Z_][a-zA-Z0-9_]*: every other byte becomes '_' (so a 2-byte UTF-8 letter becomes "__"), a
// name that starts with a digit gets a '_' in front, and the empty name becomes "_". *out is
// overwritten. Returns true when the result differs from in.
//
// AppendLokiLabelString appends {name="value", name2="value2"} (", " between pairs; "{}" for none)
// for pairs that are already sorted, unique and valid names. Values are quoted the way Go's
// strconv.Quote (and so Prometheus' labels.String()) quotes them, so that Loki's parser
// (promql/parser.ParseMetric: its lexer, then strconv.Unquote) reads back exactly the same bytes:
//   - '\\' and '"' are backslash-escaped; \a \b \f \n \r \t \v use their short forms; every other
//     byte below 0x20, and 0x7f, becomes \xhh (lowercase hex);
//   - valid UTF-8 is copied as it is, EXCEPT U+FFFD, which is written as the escape \ufffd: the
//     PromQL lexer decodes runes with utf8.DecodeRune and refuses RuneError (U+FFFD) with "invalid
//     UTF-8 rune" even when it is a valid encoding, so a raw U+FFFD would get the stream refused;
//   - invalid UTF-8 is replaced, one maximal subpart at a time (as codec/json_escape.h does), by
//     U+FFFD, hence by \ufffd too.
// Differences from strconv.Quote, none of which changes the value read back: Quote also escapes
// valid but non-printable runes (e.g. U+00A0 as \u00a0) and writes invalid bytes as \xhh (which
// would read back as invalid UTF-8; Loki's values must be UTF-8).
//
// AppendValidUtf8 appends in to out, replacing each maximal subpart of invalid UTF-8 with U+FFFD
// (EF BF BD), exactly as json_escape does; valid input (checked with simdjson first: the common
// case) is appended in one copy.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "sinks/loki/loki_push.h"

namespace logcap {

bool SanitizeLokiLabelName(std::string_view in, std::string* out);

void AppendLokiLabelString(std::span<const LokiLabelPair> pairs, std::string& out);

void AppendValidUtf8(std::string_view in, std::string& out);

}  // namespace logcap
