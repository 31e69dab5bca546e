// ContainerLogDecoder: the LineDecoder of one container log file, Docker json-file or CRI.
//
// Each line of the file is one record. Decode turns it into the line the container wrote:
//   docker  DockerJsonDecoder: `log` (without its newline), `stream`, `time`; a `log` without a
//           trailing newline is a part of a line Docker cut at 16 KiB;
//   cri     ParseCriLine: `<time> <stream> <P|F> <message>`; P is a part.
// A file found as CRI whose first record is a json-file record ('{'): Kubernetes on Docker
// (cri-dockerd) links /var/log/pods to Docker's logs; it is decoded as Docker json-file.
// Parts are joined per stream by a PartialJoiner (max_line_size: a longer line is cut, flagged
// truncated, and counted). The event's time is the record's (of the line's first part), its
// SourceInfo the file's variant for that stream (ContainerSources: the same container with the
// label stream=stdout or stream=stderr).
//
// Streams turned off (include_stdout / include_stderr) make no event; their records still move
// the file's position.
//
// Malformed records (broken JSON, a missing field, a bad time, an unknown stream) are not dropped:
// the raw line becomes an event flagged kFlagMalformed, with the `raw` SourceInfo (no stream label),
// the read time, and is counted (ContainerDecodeShared::malformed, and the metric). The first of
// each burst is logged with the reason.
//
// Copies: a CRI message that is one whole record, and a Docker one whose text has no escape but its
// final newline, point into the file's block (no copy); other Docker messages are unescaped text,
// and a joined line lives in the joiner: both are copied by the TailedFile into the batch.
//
// Threading: decoders of one source share a ContainerDecodeShared and run on its reader thread.
#pragma once

#include <atomic>
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "sources/container/container_stream.h"
#include "sources/container/docker_json_record.h"
#include "sources/container/partial_joiner.h"
#include "sources/container/time_parse_cache.h"
#include "sources/file/line_decoder.h"

namespace prometheus {
class Counter;
}  // namespace prometheus

namespace logcap {

enum class ContainerLogFormat { kDocker, kCri };
std::string_view ContainerLogFormatName(ContainerLogFormat format);  // "docker" | "cri"

// What every decoder of one source shares: the reader thread's JSON decoder and time cache (one
// simdjson parser, not one per container), counters, and the malformed-record log throttle.
struct ContainerDecodeShared {
  DockerJsonDecoder docker;
  TimeParseCache cri_times;
  bool include_stdout = true;
  bool include_stderr = true;
  size_t max_line_size = 1 << 20;
  std::string source_name;                               // for log messages
  prometheus::Counter* malformed_docker = nullptr;      // optional metrics
  prometheus::Counter* malformed_cri = nullptr;
  std::atomic<uint64_t> malformed{0};
  std::atomic<uint64_t> joined_lines{0};
  std::atomic<uint64_t> truncated{0};
  std::atomic<uint64_t> filtered_lines{0};
  Nanos last_malformed_log = 0;  // reader thread only
  uint64_t malformed_unlogged = 0;
};

// The SourceInfos of one container log file.
struct ContainerSources {
  std::shared_ptr<const SourceInfo> stdout_info;  // labels + stream=stdout
  std::shared_ptr<const SourceInfo> stderr_info;  // labels + stream=stderr
  std::shared_ptr<const SourceInfo> raw_info;     // labels only: malformed records
};

class ContainerLogDecoder final : public LineDecoder {
 public:
  ContainerLogDecoder(ContainerLogFormat format, std::shared_ptr<ContainerDecodeShared> shared,
                      const ContainerSources& sources, std::string path);

  void Decode(const LineSplitter::Line& line, uint64_t start_offset, DecodedEventSink& out) override;
  void Flush(uint64_t end_offset, DecodedEventSink& out) override;
  void Reset() override { joiner_.Reset(); }
  bool holding() const override {
    return joiner_.holding(ContainerStream::kStdout) || joiner_.holding(ContainerStream::kStderr);
  }
  std::optional<uint64_t> held_start_offset() const override { return joiner_.held_start_offset(); }
  std::span<const std::shared_ptr<const SourceInfo>> sources() const override { return sources_; }

 private:
  void EmitLine(const PartialJoiner::Line& line, const LineSplitter::Line& raw, uint64_t end_offset,
                DecodedEventSink& out);
  void EmitMalformed(const LineSplitter::Line& line, const Status& why, DecodedEventSink& out);

  ContainerLogFormat format_;
  bool format_settled_ = false;  // the first non-empty line was looked at
  const std::shared_ptr<ContainerDecodeShared> shared_;
  const std::array<std::shared_ptr<const SourceInfo>, 3> sources_;  // stdout, stderr, raw
  const std::string path_;
  PartialJoiner joiner_;
};

}  // namespace logcap
