// Rotated output files: how they are named, found and pruned.
//
// When an output file <path> reaches its size limit it is renamed to
//   <path>.<UTC yyyymmddTHHMMSS>.<n>        e.g. file-2026-11-23.log.20261123T100000.1
// where n is one more than the highest n among existing rotated files of that second (from 1),
// compressed or not, so a newer file never sorts before an older one; compression then turns it into <name>.gz (written as <name>.gz.tmp and renamed).
// Age order is (timestamp, n), so "oldest" never depends on file times.
//
// Thread-safety: plain functions on the filesystem; the sink thread and the compression worker
// may call them at the same time (a file that vanished in between is not an error).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"

namespace logcap {

struct RotatedFile {
  std::string path;   // full path, with ".gz" when compressed
  std::string stamp;  // "yyyymmddTHHMMSS"
  uint64_t sequence = 0;
  bool compressed = false;
};

// A free rotated name for path at time now, numbered past every existing one of that second.
std::string UniqueRotatedName(const std::string& path, Nanos now);

// The rotated files of path (in its directory), oldest first.
std::vector<RotatedFile> ListRotatedFiles(const std::string& path);

// Deletes the oldest rotated files of path until at most keep remain. Returns how many it deleted.
uint64_t PruneRotatedFiles(const std::string& path, uint64_t keep);

// Uncompressed rotated files under directory, at most max_depth subdirectories down (left behind
// when the agent stopped before compressing them), as (rotated path, base path) pairs.
std::vector<std::pair<std::string, std::string>> FindUncompressedRotatedFiles(const std::string& directory,
                                                                              int max_depth);

// Splits name into base and rotation suffix: true when name is "<base>.<stamp>.<n>[.gz]".
bool ParseRotatedName(const std::string& name, std::string* base, RotatedFile* info);

}  // namespace logcap
