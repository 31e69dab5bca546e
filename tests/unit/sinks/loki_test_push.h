// TestPush: owns the content of a Loki push and builds the LokiPushView the encoders read, so
// tests can write pushes as plain values. Also converts the same content to libprotobuf's
// generated PushRequest (the reference the hand-written encoder is compared with).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "loki_push.pb.h"
#include "sinks/loki/loki_labels.h"
#include "sinks/loki/loki_push.h"

namespace logcap::testing_loki {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct TestEntry {
  Nanos timestamp = 0;
  std::string line;
  Pairs metadata;
};

struct TestStream {
  Pairs labels;  // sorted by name
  std::vector<TestEntry> entries;
};

class TestPush {
 public:
  std::vector<TestStream> streams;

  // The view over this push's content; valid until streams is next changed or View() called.
  const LokiPushView& View() {
    label_strings_.clear();
    label_pairs_.clear();
    entries_.clear();
    metadata_.clear();
    stream_views_.clear();
    label_strings_.reserve(streams.size());
    label_pairs_.reserve(streams.size());
    entries_.reserve(streams.size());
    for (const TestStream& s : streams) {
      auto& pairs = label_pairs_.emplace_back();
      for (const auto& [name, value] : s.labels) pairs.push_back({name, value});
      AppendLokiLabelString(pairs, label_strings_.emplace_back());
      auto& entries = entries_.emplace_back();
      for (const TestEntry& e : s.entries) {
        LokiEntry le;
        le.timestamp = e.timestamp;
        le.line = e.line;
        le.metadata_begin = static_cast<uint32_t>(metadata_.size());
        le.metadata_count = static_cast<uint32_t>(e.metadata.size());
        for (const auto& [name, value] : e.metadata) metadata_.push_back({name, value});
        entries.push_back(le);
      }
    }
    for (size_t i = 0; i < streams.size(); ++i) {
      stream_views_.push_back({label_strings_[i], label_pairs_[i], entries_[i]});
    }
    view_.streams = stream_views_;
    view_.metadata = metadata_;
    return view_;
  }

  // The same content as libprotobuf's message, strings repaired as the encoder repairs them.
  // The timestamp is always set (see loki_protobuf_encoder.h).
  lokipb::PushRequest ToProto() {
    const LokiPushView& view = View();
    lokipb::PushRequest req;
    for (const LokiStreamView& s : view.streams) {
      lokipb::StreamAdapter* stream = req.add_streams();
      stream->set_labels(Valid(s.labels));
      for (const LokiEntry& e : s.entries) {
        lokipb::EntryAdapter* entry = stream->add_entries();
        int64_t seconds = e.timestamp / 1'000'000'000;
        int64_t nanos = e.timestamp % 1'000'000'000;
        if (nanos < 0) {
          --seconds;
          nanos += 1'000'000'000;
        }
        entry->mutable_timestamp()->set_seconds(seconds);
        entry->mutable_timestamp()->set_nanos(static_cast<int32_t>(nanos));
        entry->set_line(Valid(e.line));
        for (const LokiLabelPair& m : view.metadata.subspan(e.metadata_begin, e.metadata_count)) {
          lokipb::LabelPairAdapter* pair = entry->add_structuredmetadata();
          pair->set_name(Valid(m.name));
          pair->set_value(Valid(m.value));
        }
      }
    }
    return req;
  }

  static std::string Valid(std::string_view s) {
    std::string out;
    AppendValidUtf8(s, out);
    return out;
  }

 private:
  std::vector<std::string> label_strings_;
  std::vector<std::vector<LokiLabelPair>> label_pairs_;
  std::vector<std::vector<LokiEntry>> entries_;
  std::vector<LokiLabelPair> metadata_;
  std::vector<LokiStreamView> stream_views_;
  LokiPushView view_;
};

}  // namespace logcap::testing_loki
