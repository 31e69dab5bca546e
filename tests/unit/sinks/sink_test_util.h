// Helpers for the sink tests: build EventBatches the way a source does (messages in ByteBlocks,
// one shared SourceInfo per source), temporary directories, and file reading.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

#include "core/event_batch.h"
#include "pipeline/sink.h"

namespace logcap::sinks_test {

// 2026-11-23T10:00:00.123456789Z
inline constexpr Nanos kTime = 1795428000LL * kNanosPerSecond + 123456789;

inline std::shared_ptr<SourceInfo> MakeSource(std::string type, std::string id, std::string name = "",
                                              Labels labels = {}) {
  auto s = std::make_shared<SourceInfo>();
  s->type = std::move(type);
  s->id = std::move(id);
  s->name = std::move(name);
  s->component = "test";
  s->labels = std::move(labels);
  return s;
}

class BatchBuilder {
 public:
  // Appends an event whose message is copied into a ByteBlock. The reference is valid until the
  // next Add (set level, flags, trace on it right away).
  Event& Add(const std::shared_ptr<const SourceInfo>& source, std::string_view message, Nanos source_time = kTime) {
    if (!block_ || block_->size() + message.size() > block_->capacity()) {
      block_ = ByteBlock::Create(std::max<size_t>(64 * 1024, message.size()));
    }
    char* dst = block_->data() + block_->size();
    if (!message.empty()) std::memcpy(dst, message.data(), message.size());
    block_->set_size(block_->size() + message.size());
    batch_.RetainBlock(block_);
    Event e;
    e.message = std::string_view(dst, message.size());
    e.source_time = source_time;
    e.read_time = source_time == 0 ? kTime : source_time + kNanosPerMilli;
    e.source = batch_.RetainSource(source);
    return batch_.Add(e);
  }
  Event& AddWithAttributes(const std::shared_ptr<const SourceInfo>& source, std::string_view message, Labels labels,
                           std::string fields_json = "", Nanos source_time = kTime) {
    Event& e = Add(source, message, source_time);
    e.attributes = batch_.AddAttributes(EventAttributes{std::move(labels), std::move(fields_json)});
    return e;
  }
  EventBatch Take() {
    block_.reset();
    return std::move(batch_);
  }

 private:
  EventBatch batch_;
  ByteBlockPtr block_;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/logcap-sinks-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    path_ = p ? p : "/tmp/logcap-sinks-fallback";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// File names (not paths) directly in dir, sorted.
inline std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// Decodes a gzip (or zlib) body; "<...>" naming the error when it does not decode.
inline std::string Gunzip(const std::string& in) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return "<inflateInit2 failed>";
  std::string out;
  char buf[64 * 1024];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      out = "<inflate error " + std::to_string(rc) + ">";
      break;
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
  }
  inflateEnd(&zs);
  return out;
}

// Hands batches to sink.WriteGroup as one group; the results, one per batch.
inline std::vector<SinkResult> SendGroup(Sink& sink, const std::vector<EventBatch>& batches) {
  std::vector<const EventBatch*> group;
  for (const EventBatch& b : batches) group.push_back(&b);
  std::vector<SinkResult> results(batches.size(), SinkResult::Retry(Status::Aborted("unset")));
  sink.WriteGroup(group, results);
  return results;
}

}  // namespace logcap::sinks_test
