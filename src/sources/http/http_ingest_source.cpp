#include "sources/http/http_ingest_source.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/json_object.h"

namespace logcap {

namespace {

// One validated object of the request. Views point into the parsed documents.
struct IngestRecord {
  std::string_view message;
  Level level = Level::kUnknown;
  Nanos source_time = 0;
  std::vector<std::pair<std::string_view, std::string_view>> labels;
};

std::string_view View(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// Validates one object; on failure returns the reason.
std::string ReadRecord(const rapidjson::Value& object, IngestRecord* out) {
  if (!object.IsObject()) return "expected a JSON object";
  auto message = object.FindMember("message");
  if (message == object.MemberEnd()) return "\"message\" is missing";
  if (!message->value.IsString()) return "\"message\" must be a string";
  out->message = View(message->value);
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const std::string_view key = View(it->name);
    const rapidjson::Value& value = it->value;
    if (key == "message") continue;
    if (key == "level") {
      if (!value.IsString()) return "\"level\" must be a string";
      out->level = ParseLevel(View(value));
      if (out->level == Level::kUnknown) return "\"level\" is not a known level: " + std::string(View(value));
    } else if (key == "timestamp") {
      if (value.IsString()) {
        auto t = ParseRfc3339(View(value));
        if (!t) return "\"timestamp\" is not RFC 3339: " + std::string(View(value));
        out->source_time = *t;
      } else if (value.IsInt64() && value.GetInt64() > 0 && value.GetInt64() < 9'000'000'000LL) {
        out->source_time = value.GetInt64() * kNanosPerSecond;
      } else if (value.IsNumber() && value.GetDouble() > 0 && value.GetDouble() < 9e9) {
        // Whole seconds and the fraction apart: epoch nanoseconds do not fit a double's 53 bits.
        const double seconds = std::floor(value.GetDouble());
        out->source_time = static_cast<Nanos>(seconds) * kNanosPerSecond +
                           std::llround((value.GetDouble() - seconds) * 1e9);
      } else {
        return "\"timestamp\" must be an RFC 3339 string or a number of seconds";
      }
    } else if (key == "labels") {
      if (!value.IsObject()) return "\"labels\" must be an object";
      for (auto l = value.MemberBegin(); l != value.MemberEnd(); ++l) {
        if (!l->value.IsString()) return "label \"" + std::string(View(l->name)) + "\" must be a string";
        out->labels.emplace_back(View(l->name), View(l->value));
      }
    } else {
      return "unknown field \"" + std::string(key) + "\" (known: message, level, timestamp, labels)";
    }
  }
  return "";
}

std::string ParseError(const rapidjson::Document& d) {
  return std::string("invalid JSON at byte ") + std::to_string(d.GetErrorOffset()) + ": " +
         rapidjson::GetParseError_En(d.GetParseError());
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

}  // namespace

HttpIngestSource::HttpIngestSource() {
  auto info = std::make_shared<SourceInfo>();
  info->type = "http";
  info->id = "http-ingest";
  info->name = "http";
  info->component = kName;
  info_ = std::move(info);
}

Status HttpIngestSource::Start(const SourceContext& context) {
  output_ = context.output;
  return Status::Ok();
}

IngestResponse HttpIngestSource::Ingest(std::string_view body) {
  IngestResponse answer;
  Ingest(body, [&answer](IngestResponse r) { answer = std::move(r); });
  return answer;
}

void HttpIngestSource::Ingest(std::string_view body, Done done) {
  if (stopping_.load() || output_ == nullptr) {
    ++refused_requests_;
    return done({503, "{\"error\":\"the agent is stopping\"}"});
  }
  // One object (possibly pretty-printed), else NDJSON: one object per line.
  std::vector<rapidjson::Document> documents(1);
  std::vector<std::string> where{"the object"};  // how errors name each document
  std::vector<std::string> errors;
  documents[0].Parse(body.data(), body.size());
  if (documents[0].HasParseError() || !documents[0].IsObject()) {
    documents.clear();
    where.clear();
    size_t line_no = 0;
    for (size_t pos = 0; pos <= body.size();) {
      size_t end = body.find('\n', pos);
      if (end == std::string_view::npos) end = body.size();
      std::string_view line = body.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      rapidjson::Document& d = documents.emplace_back();
      d.Parse(line.data(), line.size());
      if (d.HasParseError()) {
        errors.push_back("line " + std::to_string(line_no) + ": " + ParseError(d));
        documents.pop_back();
      } else {
        where.push_back("line " + std::to_string(line_no));
      }
    }
  }
  std::vector<IngestRecord> records(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    std::string why = ReadRecord(documents[i], &records[i]);
    if (!why.empty()) errors.push_back(where[i] + ": " + why);
  }
  if (records.empty() && errors.empty()) errors.push_back("the body holds no JSON object");
  if (!errors.empty()) {
    ++invalid_requests_;
    std::string list = "[";
    for (size_t i = 0; i < errors.size() && i < kMaxErrorsReported; ++i) list += (i ? "," : "") + Quoted(errors[i]);
    list += "]";
    return done({400, JsonObject().AddRaw("error", "\"invalid request: nothing was accepted\"").AddRaw("problems", list).Take()});
  }

  // One batch for the request: messages copied into one block, labels as event attributes.
  size_t bytes = 0;
  for (const auto& r : records) bytes += r.message.size();
  auto block = ByteBlock::Create(bytes == 0 ? 1 : bytes);
  EventBatch batch;
  batch.Reserve(records.size());
  const SourceInfo* source = batch.RetainSource(info_);
  const Nanos now = WallNowNanos();
  size_t offset = 0;
  for (const auto& r : records) {
    std::memcpy(block->data() + offset, r.message.data(), r.message.size());
    Event e;
    e.message = std::string_view(block->data() + offset, r.message.size());
    offset += r.message.size();
    e.read_time = now;
    e.source_time = r.source_time;
    e.level = r.level;
    e.source = source;
    if (!r.labels.empty()) {
      EventAttributes attributes;
      for (const auto& [k, v] : r.labels) attributes.labels.Set(k, v);
      e.attributes = batch.AddAttributes(std::move(attributes));
    }
    batch.Add(e);
  }
  block->set_size(offset);
  batch.RetainBlock(std::move(block));

  const size_t n = batch.size();
  // With wait_for_durable, the answer waits for the batch's acknowledgement: the disk buffer gives
  // it once the batch is fdatasync'ed. The token answers exactly once, whatever happens.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  if (wait_for_durable_) {
    batch.AddAck(std::make_shared<AckToken>([done, n, answered](DeliveryOutcome outcome) {
      if (answered->exchange(true)) return;
      if (outcome == DeliveryOutcome::kDelivered) {
        done({202, JsonObject().Add("accepted", n).Add("durable", true).Take()});
      } else {
        done({503, "{\"error\":\"the events could not be stored durably; nothing was kept, send them again\"}"});
      }
    }));
  }
  const BatchConsumer::Offer offer = output_->TryPush(std::move(batch));
  if (offer == BatchConsumer::Offer::kAccepted) {
    accepted_events_ += n;
    if (!wait_for_durable_) done({202, JsonObject().Add("accepted", n).Take()});
    return;
  }
  // Refused: the batch (and its token, which would answer 503) is still ours; answer precisely.
  answered->store(true);
  ++refused_requests_;
  if (offer == BatchConsumer::Offer::kFull) return done({429, "{\"error\":\"the pipeline is full, retry later\"}"});
  done({503, "{\"error\":\"the agent is stopping\"}"});
}

std::string HttpIngestSource::StatsJson() const {
  return JsonObject()
      .Add("accepted_events", accepted_events_.load())
      .Add("invalid_requests", invalid_requests_.load())
      .Add("refused_requests", refused_requests_.load())
      .Take();
}

}  // namespace logcap
