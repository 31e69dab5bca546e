// wal_filenames: names of the files in a disk buffer directory (see log_format.h, DIRECTORY).
// Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace logcap::walfiles {

inline constexpr std::string_view kLockName = "LOCK";
inline constexpr std::string_view kReadersDirName = "readers";
inline constexpr std::string_view kCursorSuffix = ".cursor";
inline constexpr std::string_view kTempSuffix = ".tmp";

std::string SegmentFileName(uint64_t number);  // "segment-00000000000000000042.wal"
std::string SegmentPath(const std::string& dir, uint64_t number);

enum class FileKind { kUnknown, kLock, kReadersDir, kSegment, kSegmentTemp };
// Classifies a name found in the buffer directory; *number is set for segments.
FileKind ClassifyFileName(std::string_view name, uint64_t* number);

// Reader names become file names: bytes outside [A-Za-z0-9_-] (and a leading '.') become %XX, so
// any name maps to one safe file name and back.
std::string EncodeReaderName(std::string_view name);
bool DecodeReaderName(std::string_view encoded, std::string* name);

std::string ReadersDir(const std::string& dir);
std::string CursorPath(const std::string& dir, std::string_view reader_name);

}  // namespace logcap::walfiles
