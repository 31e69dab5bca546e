// ContainerStream: which of a container's two output streams a log line was written to.
//
// Docker's json-file records and CRI lines both name it ("stdout" / "stderr"); the names are exact
// and lower case (anything else is not a stream). Pure, inline, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace logcap {

enum class ContainerStream : uint8_t { kStdout = 0, kStderr = 1 };
inline constexpr size_t kContainerStreamCount = 2;

inline std::string_view ContainerStreamName(ContainerStream stream) {
  return stream == ContainerStream::kStdout ? "stdout" : "stderr";
}

// nullopt for anything but exactly "stdout" or "stderr".
inline std::optional<ContainerStream> ParseContainerStream(std::string_view name) {
  if (name == "stdout") return ContainerStream::kStdout;
  if (name == "stderr") return ContainerStream::kStderr;
  return std::nullopt;
}

}  // namespace logcap
