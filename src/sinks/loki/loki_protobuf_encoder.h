// EncodeLokiProtobuf: the body of a Loki protobuf push (before snappy), written by hand.
//
// Writes into out (cleared first; its capacity is reused, so a warmed-up buffer allocates nothing)
// the serialised form of
//   PushRequest{ repeated StreamAdapter streams = 1 }
//   StreamAdapter{ string labels = 1; repeated EntryAdapter entries = 2 }       (hash = 3 never sent)
//   EntryAdapter{ Timestamp timestamp = 1; string line = 2;
//                 repeated LabelPairAdapter structuredMetadata = 3 }
//   Timestamp{ int64 seconds = 1; int32 nanos = 2 }   nanos in [0, 1e9): floor division, so
//                                                     -1 ns is {seconds -1, nanos 999999999}
//   LabelPairAdapter{ string name = 1; string value = 2 }
// one StreamAdapter per view stream and one EntryAdapter per entry, in the view's order. Fields
// are written in field-number order and zero values are omitted as proto3 does, so the bytes are
// the ones libprotobuf's SerializeToString produces for the same content (the tests compare
// them). One exception on purpose: the timestamp field is always present, even for the epoch
// (an empty Timestamp message), because Loki's Go side (gogoproto, non-nullable stdtime) would
// read a missing timestamp as time.Time{} (year 1), not as 1970.
//
// Every string is proto3 `string`, which must be valid UTF-8 (libprotobuf's parser rejects the
// whole message otherwise). Each is checked with simdjson::validate_utf8; invalid ones (rare) are
// sent with each maximal invalid subpart replaced by U+FFFD (AppendValidUtf8 in loki_labels.h).
//
// Why by hand rather than with the classes protoc generates from proto/loki_push.proto: building
// a PushRequest means copying every line into the message (or an Arena) and then copying it again
// to serialise it; here each stream's size is computed in a first pass over its entries (sizes
// only, plus the UTF-8 check), then every byte is written once, straight into out. Measured in
// bench/loki_encoder_bench.cpp (table in its header), a push of 1000 ~200-byte lines: 24 us here
// against 118 us for libprotobuf (generated classes on a reused Arena, then SerializeToString),
// 77 us against 387 us with 3 metadata pairs an entry: about a fifth of the time, for the same
// bytes. And the agent need not link libprotobuf at all (only the tests do).
#pragma once

#include <string>
#include <string_view>

#include "sinks/loki/loki_push.h"

namespace logcap {

void EncodeLokiProtobuf(const LokiPushView& push, std::string& out);

// The same into a reused buffer, for the hot path: buffer is grown when too small and never
// shrunk (its size is capacity, not content); the encoding is the returned view of its first
// bytes, valid until buffer is next changed. Saves zero-filling the body on every push.
std::string_view EncodeLokiProtobufInto(const LokiPushView& push, std::string& buffer);

}  // namespace logcap
