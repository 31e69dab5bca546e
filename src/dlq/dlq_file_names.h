// The names of the dead-letter queue's files within its directory:
//   dlq-<sequence, 20 digits>.ndjson   a data file (the sequence only grows; its digits sort by age)
//   <data file name>.done              its sidecar: offsets of entries already replayed
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logcap {

std::string DlqDataFileName(uint64_t sequence);
// The sequence of a data file name; nullopt for any other name (sidecars included).
std::optional<uint64_t> ParseDlqDataFileName(std::string_view name);
// The sequence of a sidecar name; nullopt for any other name.
std::optional<uint64_t> ParseDlqSidecarName(std::string_view name);
inline std::string DlqSidecarName(std::string_view data_file_name) { return std::string(data_file_name) + ".done"; }

}  // namespace logcap
