// See loki_push_decoder.h.
#include "loki_push_decoder.h"

#include <climits>
#include <cstring>

#include <google/protobuf/arena.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <snappy.h>

#include "loki_push.pb.h"

namespace logcap::testtools {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr size_t kMinArenaBlock = size_t{256} << 10;
constexpr size_t kMaxArenaBlock = size_t{256} << 20;
constexpr size_t kJsonPoolBlock = size_t{1} << 20;

std::string_view View(const std::string& s) { return std::string_view(s); }

// seconds*1e9 + nanos without overflow (Go's time.Unix accepts any nanos; normalise likewise).
bool ToUnixNanos(int64_t seconds, int64_t nanos, int64_t* out) {
  int64_t ns;
  if (__builtin_mul_overflow(seconds, kNsPerSecond, &ns) || __builtin_add_overflow(ns, nanos, &ns)) return false;
  *out = ns;
  return true;
}

// A decimal int64 with an optional sign (what Loki's strconv.ParseInt accepts).
bool ParseDecimalNs(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  if (i == s.size()) return false;
  uint64_t v = 0;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const auto d = static_cast<uint64_t>(s[i] - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

const char* TypeName(const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType: return "a number";
  }
  return "?";
}

std::string_view Str(const rapidjson::Value& v) { return std::string_view(v.GetString(), v.GetStringLength()); }

const rapidjson::Value* Member(const rapidjson::Value& object, std::string_view name) {
  // Last one wins on a repeated key, as with Go's decoder.
  const rapidjson::Value* found = nullptr;
  for (const auto& m : object.GetObject()) {
    if (Str(m.name) == name) found = &m.value;
  }
  return found;
}

}  // namespace

const char* PushFormatName(PushFormat format) { return format == PushFormat::kProtobuf ? "protobuf" : "json"; }

void DecodedPush::Clear() {
  streams.clear();
  entries.clear();
  metadata.clear();
  text.clear();
}

LokiPushDecoder::LokiPushDecoder(size_t max_decoded_bytes) : max_decoded_bytes_(max_decoded_bytes) {}
LokiPushDecoder::~LokiPushDecoder() = default;

LokiPushDecoder::Result LokiPushDecoder::Decode(PushFormat format, std::string_view body, DecodedPush* out,
                                                std::string* error) {
  out->Clear();
  out->format = format;
  out->payload_bytes = 0;
  error->clear();
  return format == PushFormat::kProtobuf ? DecodeProtobuf(body, out, error) : DecodeJson(body, out, error);
}

DecodedStream& LokiPushDecoder::AddStream(DecodedPush* out, LabelsResult result) {
  DecodedStream& s = out->streams.emplace_back();
  s.labels_result = result;
  const std::string& text = result == LabelsResult::kOk ? canonical_ : label_error_;
  s.text_begin = static_cast<uint32_t>(out->text.size());
  s.text_size = static_cast<uint32_t>(text.size());
  out->text += text;
  s.entry_begin = static_cast<uint32_t>(out->entries.size());
  return s;
}

void LokiPushDecoder::PrepareArena() {
  if (arena_ != nullptr && arena_wanted_ <= arena_block_size_) {
    arena_->Reset();  // frees the previous push's messages; keeps our block
    return;
  }
  arena_.reset();
  size_t size = std::max(kMinArenaBlock, arena_block_size_);
  while (size < arena_wanted_ && size < kMaxArenaBlock) size *= 2;
  arena_block_ = std::make_unique_for_overwrite<char[]>(size);
  arena_block_size_ = size;
  google::protobuf::ArenaOptions options;
  options.initial_block = arena_block_.get();
  options.initial_block_size = size;
  options.start_block_size = size_t{64} << 10;
  options.max_block_size = size_t{4} << 20;
  arena_ = std::make_unique<google::protobuf::Arena>(options);
}

LokiPushDecoder::Result LokiPushDecoder::DecodeProtobuf(std::string_view body, DecodedPush* out, std::string* error) {
  size_t raw_size = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &raw_size)) {
    *error = "cannot decode the body: not a snappy block (Loki's protobuf push is snappy block-compressed, "
             "not framed)";
    return Result::kBad;
  }
  if (raw_size > max_decoded_bytes_ || raw_size > INT_MAX) {
    *error = "the snappy block says it decodes to " + std::to_string(raw_size) + " bytes, over the limit of " +
             std::to_string(std::min<size_t>(max_decoded_bytes_, INT_MAX));
    return Result::kTooLarge;
  }
  if (raw_size > raw_capacity_) {
    raw_ = std::make_unique_for_overwrite<char[]>(raw_size);
    raw_capacity_ = raw_size;
  }
  if (!snappy::RawUncompress(body.data(), body.size(), raw_.get())) {
    *error = "cannot decode the body: corrupt snappy block";
    return Result::kBad;
  }

  out->payload_bytes = raw_size;
  PrepareArena();
  auto* request = google::protobuf::Arena::CreateMessage<lokipb::PushRequest>(arena_.get());
  const bool parsed = request->ParseFromArray(raw_.get(), static_cast<int>(raw_size));
  arena_wanted_ = std::max(arena_wanted_, static_cast<size_t>(arena_->SpaceAllocated()));
  if (!parsed) {
    *error = "cannot parse the protobuf PushRequest (" + std::to_string(raw_size) +
             " bytes after snappy): bad wire format, or a string field (labels, line, structured metadata) "
             "that is not valid UTF-8, which protoc's proto3 parser refuses";
    return Result::kBad;
  }

  for (int si = 0; si < request->streams_size(); ++si) {
    const lokipb::StreamAdapter& stream = request->streams(si);
    const LabelsResult result = labels_.FromString(View(stream.labels()), &canonical_, &label_error_);
    DecodedStream& s = AddStream(out, result);
    int64_t previous = INT64_MIN;
    for (const lokipb::EntryAdapter& entry : stream.entries()) {
      DecodedEntry& e = out->entries.emplace_back();
      // A missing timestamp is the zero Timestamp: the Unix epoch.
      if (!ToUnixNanos(entry.timestamp().seconds(), entry.timestamp().nanos(), &e.ts_ns)) {
        *error = "streams[" + std::to_string(si) + "] entry " + std::to_string(s.entry_count) +
                 ": timestamp out of range (seconds " + std::to_string(entry.timestamp().seconds()) + ")";
        return Result::kBad;
      }
      e.line = View(entry.line());
      e.meta_begin = static_cast<uint32_t>(out->metadata.size());
      e.meta_count = static_cast<uint32_t>(entry.structuredmetadata_size());
      for (const lokipb::LabelPairAdapter& pair : entry.structuredmetadata()) {
        out->metadata.push_back(LabelPair{View(pair.name()), View(pair.value())});
      }
      if (e.ts_ns < previous) s.sorted = false;
      previous = e.ts_ns;
      ++s.entry_count;
    }
  }
  return Result::kOk;
}

LokiPushDecoder::Result LokiPushDecoder::DecodeJson(std::string_view body, DecodedPush* out, std::string* error) {
  out->payload_bytes = body.size();
  // In-situ parsing decodes strings in place: the entries' views then point into json_copy_.
  json_copy_.resize(body.size() + 1);
  if (!body.empty()) std::memcpy(json_copy_.data(), body.data(), body.size());
  json_copy_[body.size()] = '\0';
  if (json_pool_block_ == nullptr) json_pool_block_ = std::make_unique_for_overwrite<char[]>(kJsonPoolBlock);
  rapidjson::MemoryPoolAllocator<> pool(json_pool_block_.get(), kJsonPoolBlock);
  rapidjson::Document doc(&pool);
  // Iterative: a deeply nested body must not overflow the stack.
  doc.ParseInsitu<rapidjson::kParseIterativeFlag>(json_copy_.data());
  if (doc.HasParseError()) {
    *error = "cannot parse the JSON push: " + std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
             " at offset " + std::to_string(doc.GetErrorOffset());
    return Result::kBad;
  }
  if (!doc.IsObject()) {
    *error = std::string("the JSON push must be an object {\"streams\":[...]}, got ") + TypeName(doc);
    return Result::kBad;
  }
  const rapidjson::Value* streams = Member(doc, "streams");
  if (streams == nullptr || streams->IsNull()) return Result::kOk;
  if (!streams->IsArray()) {
    *error = std::string("\"streams\" must be an array, got ") + TypeName(*streams);
    return Result::kBad;
  }
  size_t si = 0;
  for (const rapidjson::Value& stream : streams->GetArray()) {
    const std::string where = "streams[" + std::to_string(si++) + "]";
    if (!stream.IsObject()) {
      *error = where + " must be an object, got " + TypeName(stream);
      return Result::kBad;
    }
    json_labels_.clear();
    if (const rapidjson::Value* labels = Member(stream, "stream"); labels != nullptr && !labels->IsNull()) {
      if (!labels->IsObject()) {
        *error = where + ".stream must be an object of label names to string values, got " + TypeName(*labels);
        return Result::kBad;
      }
      for (const auto& m : labels->GetObject()) {
        if (!m.value.IsString()) {
          *error = where + ".stream[\"" + std::string(Str(m.name)) + "\"] must be a string, got " + TypeName(m.value);
          return Result::kBad;
        }
        json_labels_.push_back(LabelPair{Str(m.name), Str(m.value)});
      }
    }
    const LabelsResult result = labels_.FromPairs(json_labels_, &canonical_, &label_error_);
    DecodedStream& s = AddStream(out, result);
    const rapidjson::Value* values = Member(stream, "values");
    if (values == nullptr || values->IsNull()) continue;
    if (!values->IsArray()) {
      *error = where + ".values must be an array, got " + TypeName(*values);
      return Result::kBad;
    }
    int64_t previous = INT64_MIN;
    size_t vi = 0;
    for (const rapidjson::Value& value : values->GetArray()) {
      auto at = [&] { return where + ".values[" + std::to_string(vi) + "]"; };
      if (!value.IsArray() || value.Size() < 2 || value.Size() > 3) {
        *error = at() + " must be [\"<ns>\", \"<line>\"] or [\"<ns>\", \"<line>\", {metadata}], got " +
                 (value.IsArray() ? "an array of " + std::to_string(value.Size()) : std::string(TypeName(value)));
        return Result::kBad;
      }
      DecodedEntry& e = out->entries.emplace_back();
      if (!value[0].IsString()) {
        *error = at() + "[0]: the timestamp must be a string of decimal nanoseconds, got " + TypeName(value[0]);
        return Result::kBad;
      }
      if (!ParseDecimalNs(Str(value[0]), &e.ts_ns)) {
        *error = at() + "[0]: the timestamp \"" + std::string(Str(value[0])) +
                 "\" is not a decimal int64 of nanoseconds";
        return Result::kBad;
      }
      if (!value[1].IsString()) {
        *error = at() + "[1]: the line must be a string, got " + TypeName(value[1]);
        return Result::kBad;
      }
      e.line = Str(value[1]);
      e.meta_begin = static_cast<uint32_t>(out->metadata.size());
      if (value.Size() == 3 && !value[2].IsNull()) {
        if (!value[2].IsObject()) {
          *error = at() + "[2]: structured metadata must be an object of string values, got " + TypeName(value[2]);
          return Result::kBad;
        }
        for (const auto& m : value[2].GetObject()) {
          if (!m.value.IsString()) {
            *error = at() + "[2][\"" + std::string(Str(m.name)) + "\"] must be a string, got " + TypeName(m.value);
            return Result::kBad;
          }
          out->metadata.push_back(LabelPair{Str(m.name), Str(m.value)});
        }
      }
      e.meta_count = static_cast<uint32_t>(out->metadata.size() - e.meta_begin);
      if (e.ts_ns < previous) s.sorted = false;
      previous = e.ts_ns;
      ++s.entry_count;
      ++vi;
    }
  }
  return Result::kOk;
}

}  // namespace logcap::testtools
