// EncodeLokiJson: the body of a Loki JSON push (POST /loki/api/v1/push, application/json).
//
// Writes into out (cleared first; its capacity is reused) one JSON document:
//   {"streams":[{"stream":{"job":"app","level":"info"},
//                "values":[["1700000000123456789","the line"],
//                          ["1700000000123456790","line",{"trace_id":"abc"}]]}]}
// (without the line breaks): one object per view stream, in order, its "stream" object built from
// label_pairs (in their order), one ["<ns>","<line>"] array per entry with the timestamp as the
// decimal nanoseconds since the epoch in a string (negative times keep their '-'), and a third
// element, the structured metadata as an object, only when with_metadata is true and the entry
// has metadata (structured metadata is a Loki 3 feature, and a tenant may have it disallowed:
// the sink decides).
//
// Every string goes through WriteJsonEscaped (codec/json_escape.h): the output is always valid
// JSON and valid UTF-8, invalid input bytes becoming U+FFFD.
#pragma once

#include <string>
#include <string_view>

#include "sinks/loki/loki_push.h"

namespace logcap {

void EncodeLokiJson(const LokiPushView& push, bool with_metadata, std::string& out);

// The same into a reused buffer (grown when too small, never shrunk; the body is the returned view
// of its first bytes, valid until buffer is next changed), for the hot path.
std::string_view EncodeLokiJsonInto(const LokiPushView& push, bool with_metadata, std::string& buffer);

}  // namespace logcap
