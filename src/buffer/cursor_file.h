// cursor_file: reading and writing the per-reader cursor files (see log_format.h, CURSOR FILE).
//
// Contract: free functions, no shared state; callers serialize writes of the same reader's file.
// Saving is atomic per file (temp, fsync, rename) and ends with one fsync of readers/, so after a
// crash each cursor is either its old or its new value. Loading never fails on damaged files: a
// cursor that cannot be decoded is returned with valid = false and a problem text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "buffer/wal_record_id.h"
#include "core/status.h"

namespace logcap {

struct CursorRecord {
  std::string name;
  WalRecordId position;
};

std::string EncodeCursor(const CursorRecord& cursor);
bool DecodeCursor(std::string_view data, CursorRecord* cursor, std::string* problem);

struct LoadedCursor {
  std::string name;       // from the file when valid, else decoded from the file name
  std::string file;       // path of the cursor file
  WalRecordId position;   // valid only when valid
  bool valid = false;
  std::string problem;    // why it is invalid, or a note on a damaged temp file
};

// Loads every cursor in <dir>/readers/. For each reader it takes the newer of the cursor file and
// a complete leftover temp file. Files that are not cursors are listed in *unknown_files.
Status LoadCursors(const std::string& dir, std::vector<LoadedCursor>* cursors, std::vector<std::string>* unknown_files);

// Saves the given cursors (see contract). Returns the first error; the others are still tried.
// (*saved)[i] tells whether cursors[i] is durably saved.
Status SaveCursors(const std::string& dir, const std::vector<CursorRecord>& cursors,
                   std::vector<bool>* saved = nullptr);

// Deletes a reader's cursor file (and temp), then fsyncs readers/.
Status RemoveCursor(const std::string& dir, std::string_view name);

}  // namespace logcap
