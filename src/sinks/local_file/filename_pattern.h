// FilenamePattern: sinks.local_file.filename_pattern, parsed once when the sink starts.
//
// A pattern is a relative path made of literal text and variables:
//   {date}            UTC date of the event's timestamp, YYYY-MM-DD
//   {source_type}     SourceInfo::type ("file", "docker", ...)
//   {source_name}     SourceInfo::name (file basename, container name)
//   {container_name}  the event's label container_name (event labels, then source labels), else "unknown"
// e.g. "{source_type}-{date}.log" or "{container_name}/{date}.log" (subdirectories are created).
// Parse() rejects an empty or absolute pattern, "." / ".." / empty path segments, a '{' without
// '}', and unknown variables, with a message that names them.
//
// Substituted values are sanitised so that an event can never choose where a file goes: '/', NUL
// and other control bytes become '_', a leading '.' becomes '_', an empty value becomes "unknown",
// and a value is cut to kMaxValueBytes.
//
// Thread-safety: immutable after Parse(); Render() may be called from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"

namespace logcap {

class FilenamePattern {
 public:
  enum class Var { kLiteral, kDate, kSourceType, kSourceName, kContainerName };
  static constexpr size_t kMaxValueBytes = 128;

  static Status Parse(std::string_view pattern, FilenamePattern* out);

  bool Uses(Var var) const;
  // Appends the relative path for an event. date is "YYYY-MM-DD" (ignored unless {date} is used).
  void Render(std::string_view date, const SourceInfo* source, std::string_view container_name,
              std::string& out) const;

 private:
  struct Segment {
    Var var = Var::kLiteral;
    std::string text;  // for kLiteral
  };
  std::vector<Segment> segments_;
};

// Appends value sanitised as described above.
void AppendSanitizedPathValue(std::string_view value, std::string& out);

}  // namespace logcap
