#include "sources/container/container_log_decoder.h"

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include "sources/container/cri_line.h"

namespace logcap {

namespace {

constexpr Nanos kMalformedLogInterval = 10 * kNanosPerSecond;

bool Within(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

}  // namespace

std::string_view ContainerLogFormatName(ContainerLogFormat format) {
  return format == ContainerLogFormat::kDocker ? "docker" : "cri";
}

ContainerLogDecoder::ContainerLogDecoder(ContainerLogFormat format, std::shared_ptr<ContainerDecodeShared> shared,
                                         const ContainerSources& sources, std::string path)
    : format_(format),
      shared_(std::move(shared)),
      sources_{sources.stdout_info, sources.stderr_info, sources.raw_info},
      path_(std::move(path)),
      joiner_(std::max<size_t>(shared_->max_line_size, 1)) {}

void ContainerLogDecoder::Decode(const LineSplitter::Line& line, uint64_t start_offset, DecodedEventSink& out) {
  ContainerStream stream;
  std::string_view text;
  Nanos time;
  bool last;
  Status status;
  if (!format_settled_ && !line.text.empty()) {
    // Kubernetes on Docker (cri-dockerd): files under /var/log/pods hold Docker json-file records.
    // A CRI line starts with its time, a digit; a json-file record with '{'.
    if (format_ == ContainerLogFormat::kCri && line.text.front() == '{') format_ = ContainerLogFormat::kDocker;
    format_settled_ = true;
  }
  if (format_ == ContainerLogFormat::kDocker) {
    DockerJsonRecord record;
    status = shared_->docker.Decode(line.text, &record);
    stream = record.stream;
    text = record.log;
    time = record.time;
    last = !record.partial;
  } else {
    CriLine record;
    status = ParseCriLine(line.text, &record, &shared_->cri_times);
    stream = record.stream;
    text = record.message;
    time = record.time;
    last = !record.partial;
  }
  if (!status.ok()) {
    EmitMalformed(line, status, out);
    return;
  }
  const bool wanted = stream == ContainerStream::kStdout ? shared_->include_stdout : shared_->include_stderr;
  if (!wanted) {
    shared_->filtered_lines.fetch_add(last ? 1 : 0, std::memory_order_relaxed);
    return;
  }
  // A record the splitter had to cut (longer than its limit) ends its line here.
  if ((line.flags & kFlagTruncated) != 0) last = true;
  std::optional<PartialJoiner::Line> joined = joiner_.Add(stream, text, time, last, start_offset);
  if (!joined) return;
  if ((line.flags & kFlagTruncated) != 0) joined->flags |= kFlagTruncated;
  EmitLine(*joined, line, line.end_offset, out);
}

void ContainerLogDecoder::EmitLine(const PartialJoiner::Line& line, const LineSplitter::Line& raw,
                                   uint64_t end_offset, DecodedEventSink& out) {
  DecodedEvent e;
  e.text = line.text;
  // A whole CRI record (or an escape-free Docker one): the text is a view into the line, so into
  // the splitter's block.
  if (raw.block != nullptr && Within(line.text, raw.text)) e.block = raw.block;
  e.source = sources_[static_cast<size_t>(line.stream)].get();
  e.source_time = line.time;
  e.flags = line.flags;
  e.end_offset = end_offset;
  if (line.parts > 1) shared_->joined_lines.fetch_add(1, std::memory_order_relaxed);
  if ((line.flags & kFlagTruncated) != 0) {
    shared_->truncated.fetch_add(1, std::memory_order_relaxed);
  }
  out.Add(e);
}

void ContainerLogDecoder::Flush(uint64_t end_offset, DecodedEventSink& out) {
  const LineSplitter::Line none{{}, nullptr, end_offset, 0};
  for (ContainerStream stream : {ContainerStream::kStdout, ContainerStream::kStderr}) {
    if (std::optional<PartialJoiner::Line> held = joiner_.Flush(stream)) EmitLine(*held, none, end_offset, out);
  }
}

void ContainerLogDecoder::EmitMalformed(const LineSplitter::Line& line, const Status& why, DecodedEventSink& out) {
  shared_->malformed.fetch_add(1, std::memory_order_relaxed);
  prometheus::Counter* counter =
      format_ == ContainerLogFormat::kDocker ? shared_->malformed_docker : shared_->malformed_cri;
  if (counter != nullptr) counter->Increment();
  const Nanos now = MonotonicNowNanos();
  if (shared_->last_malformed_log == 0 || now - shared_->last_malformed_log >= kMalformedLogInterval) {
    spdlog::warn("container source {}: a {} record of {} did not decode ({}); passed on as a raw line flagged "
                 "malformed{}",
                 shared_->source_name, ContainerLogFormatName(format_), path_, why.message(),
                 shared_->malformed_unlogged > 0
                     ? fmt::format(" ({} more since the last message)", shared_->malformed_unlogged)
                     : std::string());
    shared_->last_malformed_log = now;
    shared_->malformed_unlogged = 0;
  } else {
    ++shared_->malformed_unlogged;
  }
  DecodedEvent e;
  e.text = line.text;
  e.block = line.block;
  e.source = sources_[2].get();
  e.flags = static_cast<uint8_t>(line.flags | kFlagMalformed);
  e.end_offset = line.end_offset;
  out.Add(e);
}

}  // namespace logcap
