// PositionsStore: a file source's durable read positions (<directory>/positions.json, or another
// file name: the container source keeps container_positions.json).
//
// Format (version 1), one JSON object, written with RapidJSON:
//   {"version":1,"files":[{"path":"/var/log/app.log","dev":2049,"inode":1311,
//     "fingerprint":"9ae0c3a1f3b2d4e5","fingerprint_len":256,"offset":1024}]}
//  - path: where the file was last seen (a hint: files are matched by dev, inode and fingerprint).
//  - dev, inode: st_dev and st_ino, unsigned integers.
//  - fingerprint: XXH3-64 of the file's first fingerprint_len bytes, as 16 lowercase hex digits
//    (a string, so tools that read JSON numbers as doubles keep it exact; a number is accepted too).
//  - offset: the byte offset where reading resumes; everything before it was delivered.
//
// Saving is crash-safe: write positions.json.tmp, fsync it, rename it over positions.json, fsync
// the directory. A reader therefore finds either the old or the new complete file, plus at most
// a leftover .tmp from an interrupted save.
//
// Loading never fails and never crashes: a leftover .tmp that parses completely is the newest
// state and is preferred; else positions.json; a file that does not parse, has another version or
// a malformed entry is logged, kept aside as positions.json.corrupt, and skipped. Nothing usable
// means a fresh start.
//
// Thread-safety: none; one thread uses a store at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sources/file/file_identity.h"

namespace logcap {

struct PositionEntry {
  std::string path;
  FileIdentity identity;
  uint64_t offset = 0;
  bool operator==(const PositionEntry& o) const {
    return path == o.path && identity.key == o.identity.key && identity.fingerprint == o.identity.fingerprint &&
           identity.fingerprint_len == o.identity.fingerprint_len && offset == o.offset;
  }
};

enum class PositionsLoadResult {
  kFresh,              // no positions file: a first start
  kLoaded,             // positions.json
  kRecoveredFromTemp,  // a complete positions.json.tmp left by an interrupted save
  kCorrupt,            // nothing usable (logged): a fresh start
};

class PositionsStore {
 public:
  static constexpr int kVersion = 1;
  static constexpr const char* kFileName = "positions.json";

  explicit PositionsStore(std::string directory, std::string file_name = kFileName);

  PositionsLoadResult Load(std::vector<PositionEntry>* entries);
  // Atomically replaces the positions file (creating the directory if needed).
  Status Save(const std::vector<PositionEntry>& entries);

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

  static std::string Serialize(const std::vector<PositionEntry>& entries);
  static Status Parse(std::string_view text, std::vector<PositionEntry>* entries);

 private:
  std::string directory_;
  std::string path_;
  std::string temp_path_;
};

}  // namespace logcap
