// LokiLabels: turns a pushed stream's labels into Loki's canonical stream key, or into the
// error Loki would answer.
//
// Contract (as Loki's distributor behaves; the parser is written for this project):
//   - FromString takes the protobuf form `{name="value", name2="value2"}`: whitespace (space, tab,
//     CR, LF) around tokens; names [a-zA-Z_][a-zA-Z0-9_]*; only `=`; an optional trailing comma;
//     values quoted with "..." or '...' (Go escapes: \a \b \f \n \r \t \v \\ \xhh \ooo \uhhhh
//     \Uhhhhhhhh and the enclosing quote; no raw newline) or `...` (raw, no escapes).
//   - FromPairs takes a JSON "stream" object's members (names must be valid the same way).
//   - Both then normalise like Loki: pairs sorted by name; every pair of a name that has an empty
//     value is dropped (an empty value means "absent" in Loki); at least one pair must remain; no
//     name may appear twice.
//   - On success *canonical holds `{a="1", b="2"}` (values quoted as Go's strconv.Quote does:
//     \\ \" \a \b \f \n \r \t \v, other control bytes, DEL and invalid UTF-8 bytes as \xhh) and
//     the result is kOk. Otherwise *error holds Loki's message:
//       kMissing    "error at least one label pair is required per stream"
//       kInvalid    "Error parsing labels '<text>' with error: <why>"
//       kDuplicate  "stream '<canonical>' has duplicate label name: '<name>'"
//     (for FromPairs, <text> is the pairs printed like the canonical form, unsorted values kept).
// Not thread-safe: one instance per thread; it keeps its scratch buffers between calls so that
// a stream costs no allocation once they have grown.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace logcap::testtools {

struct LabelPair {
  std::string_view name;
  std::string_view value;
};

enum class LabelsResult { kOk, kMissing, kInvalid, kDuplicate };

// Appends `value` quoted like Go's strconv.Quote (see above).
void AppendGoQuoted(std::string& out, std::string_view value);

// True for [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

class LokiLabels {
 public:
  // Both leave *canonical and *error cleared except for the one that applies.
  LabelsResult FromString(std::string_view text, std::string* canonical, std::string* error);
  LabelsResult FromPairs(std::span<const LabelPair> pairs, std::string* canonical, std::string* error);

 private:
  // Parses `text` into pairs_ (values point into text or into unescaped_); false with *why set.
  bool Parse(std::string_view text, std::string* why);
  // Sorts and normalises pairs_, then writes the canonical form or the error.
  LabelsResult Normalise(std::string* canonical, std::string* error);

  std::vector<LabelPair> pairs_;
  std::vector<LabelPair> kept_;
  std::string unescaped_;
};

}  // namespace logcap::testtools
