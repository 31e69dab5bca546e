// LokiPushDecoder: decodes the body of a Loki push (POST /loki/api/v1/push) into a flat view of
// its streams and entries, with each stream's labels already normalised (see loki_labels.h).
//
// Contract:
//   - kProtobuf: the body is one snappy BLOCK (not the framed format) holding a
//     logcap::lokipb::PushRequest, parsed by the protoc-generated classes (so the agent's own
//     hand-written encoder is checked against an independent decoder).
//   - kJson: {"streams":[{"stream":{"k":"v",...},"values":[["<ns>","line"],
//     ["<ns>","line",{"meta":"v",...}],...]},...]}; the timestamp is a decimal string of
//     nanoseconds. Unknown members are ignored; a missing "streams", "stream" or "values" is empty.
//     The caller has already undone any Content-Encoding (gzip).
//   - Decode() returns kOk and fills *out, or kBad / kTooLarge with *error saying why (the whole
//     push is undecodable: the caller answers 400 / 413). A stream whose labels are refused is
//     still returned (labels_result says why; its entries are counted by the caller).
//   - Everything in *out (views included) stays valid until the next Decode() on this decoder.
//   - Cheap: the snappy output buffer, the protobuf arena's first block, the JSON in-situ copy and
//     its allocator, and the vectors of *out are kept and reused; after warm-up a push allocates
//     nothing per entry except what libprotobuf does for string fields longer than SSO.
// Not thread-safe: one decoder per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loki_labels.h"

namespace google::protobuf {
class Arena;
}

namespace logcap::testtools {

enum class PushFormat { kProtobuf, kJson };
const char* PushFormatName(PushFormat format);  // "protobuf" / "json"

struct DecodedEntry {
  int64_t ts_ns = 0;
  std::string_view line;
  uint32_t meta_begin = 0;  // structured metadata: DecodedPush::metadata[meta_begin, +meta_count)
  uint32_t meta_count = 0;
};

struct DecodedStream {
  LabelsResult labels_result = LabelsResult::kOk;
  uint32_t text_begin = 0;  // the canonical labels (kOk) or the error message, in DecodedPush::text
  uint32_t text_size = 0;
  uint32_t entry_begin = 0;  // DecodedPush::entries[entry_begin, +entry_count), in request order
  uint32_t entry_count = 0;
  bool sorted = true;  // entries are in non-decreasing timestamp order as sent
};

struct DecodedPush {
  PushFormat format = PushFormat::kProtobuf;
  size_t payload_bytes = 0;  // the protobuf after snappy, or the JSON text
  std::vector<DecodedStream> streams;
  std::vector<DecodedEntry> entries;
  std::vector<LabelPair> metadata;
  std::string text;

  std::string_view Text(const DecodedStream& s) const { return std::string_view(text).substr(s.text_begin, s.text_size); }
  void Clear();
};

class LokiPushDecoder {
 public:
  enum class Result { kOk, kBad, kTooLarge };

  explicit LokiPushDecoder(size_t max_decoded_bytes);
  ~LokiPushDecoder();
  LokiPushDecoder(const LokiPushDecoder&) = delete;
  LokiPushDecoder& operator=(const LokiPushDecoder&) = delete;

  Result Decode(PushFormat format, std::string_view body, DecodedPush* out, std::string* error);

 private:
  Result DecodeProtobuf(std::string_view body, DecodedPush* out, std::string* error);
  Result DecodeJson(std::string_view body, DecodedPush* out, std::string* error);
  // Normalises a stream's labels into out->text and appends the stream record.
  DecodedStream& AddStream(DecodedPush* out, LabelsResult result);
  void PrepareArena();

  const size_t max_decoded_bytes_;
  // Snappy output, never shrunk, never zero-filled.
  std::unique_ptr<char[]> raw_;
  size_t raw_capacity_ = 0;
  // The protobuf arena lives on a block of ours that grows to fit the largest push seen.
  std::unique_ptr<char[]> arena_block_;
  size_t arena_block_size_ = 0;
  size_t arena_wanted_ = 0;  // > arena_block_size_: grow before the next protobuf push
  std::unique_ptr<google::protobuf::Arena> arena_;
  // JSON: the body copied for in-situ parsing (strings decoded in place), and the DOM's pool.
  std::vector<char> json_copy_;
  std::unique_ptr<char[]> json_pool_block_;
  std::vector<LabelPair> json_labels_;

  LokiLabels labels_;
  std::string canonical_;
  std::string label_error_;
};

}  // namespace logcap::testtools
