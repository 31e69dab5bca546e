#include "buffer/cursor_file.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "buffer/coding.h"
#include "buffer/crc32c.h"
#include "buffer/file_util.h"
#include "buffer/wal_filenames.h"

namespace logcap {
namespace {

constexpr std::string_view kMagic = "LCWC";
constexpr uint8_t kVersion = 1;
constexpr size_t kFixedSize = 4 + 1 + 8 + 8 + 2 + 4;  // magic, version, segment, offset, name length, crc

}  // namespace

std::string EncodeCursor(const CursorRecord& cursor) {
  const size_t name_size = std::min<size_t>(cursor.name.size(), UINT16_MAX);
  std::string out(kFixedSize + name_size, '\0');
  char* p = out.data();
  std::memcpy(p, kMagic.data(), 4);
  p[4] = static_cast<char>(kVersion);
  coding::EncodeFixed64(p + 5, cursor.position.segment);
  coding::EncodeFixed64(p + 13, cursor.position.offset);
  coding::EncodeFixed16(p + 21, static_cast<uint16_t>(name_size));
  std::memcpy(p + 23, cursor.name.data(), name_size);
  const size_t body = 23 + name_size;
  coding::EncodeFixed32(p + body, crc32c::Mask(crc32c::Value(p, body)));
  return out;
}

bool DecodeCursor(std::string_view data, CursorRecord* cursor, std::string* problem) {
  if (data.size() < kFixedSize) {
    *problem = "cursor file too short (" + std::to_string(data.size()) + " bytes)";
    return false;
  }
  if (data.substr(0, 4) != kMagic) {
    *problem = "bad magic";
    return false;
  }
  const size_t name_size = coding::DecodeFixed16(data.data() + 21);
  if (data.size() != kFixedSize + name_size) {
    *problem = "bad length";
    return false;
  }
  const size_t body = 23 + name_size;
  if (crc32c::Unmask(coding::DecodeFixed32(data.data() + body)) != crc32c::Value(data.data(), body)) {
    *problem = "checksum mismatch";
    return false;
  }
  if (static_cast<uint8_t>(data[4]) != kVersion) {
    *problem = "unsupported version " + std::to_string(static_cast<uint8_t>(data[4]));
    return false;
  }
  cursor->position.segment = coding::DecodeFixed64(data.data() + 5);
  cursor->position.offset = coding::DecodeFixed64(data.data() + 13);
  cursor->name.assign(data.data() + 23, name_size);
  return true;
}

Status LoadCursors(const std::string& dir, std::vector<LoadedCursor>* cursors, std::vector<std::string>* unknown_files) {
  cursors->clear();
  const std::string readers = walfiles::ReadersDir(dir);
  std::vector<std::string> names;
  Status s = fileutil::ListDir(readers, &names);
  if (s.IsNotFound()) return Status::Ok();
  if (!s.ok()) return s;

  // encoded name -> (has file, has temp)
  std::map<std::string, std::pair<bool, bool>> found;
  const std::string cursor_tmp = std::string(walfiles::kCursorSuffix) + std::string(walfiles::kTempSuffix);
  for (const std::string& n : names) {
    if (n.ends_with(cursor_tmp) && n.size() > cursor_tmp.size()) {
      found[n.substr(0, n.size() - cursor_tmp.size())].second = true;
    } else if (n.ends_with(walfiles::kCursorSuffix) && n.size() > walfiles::kCursorSuffix.size()) {
      found[n.substr(0, n.size() - walfiles::kCursorSuffix.size())].first = true;
    } else if (unknown_files != nullptr) {
      unknown_files->push_back(readers + "/" + n);
    }
  }

  for (const auto& [encoded, which] : found) {
    LoadedCursor c;
    c.file = readers + "/" + encoded + std::string(walfiles::kCursorSuffix);
    if (!walfiles::DecodeReaderName(encoded, &c.name)) c.name = encoded;
    std::string data, problem;
    CursorRecord rec;
    if (which.first) {
      s = fileutil::ReadFile(c.file, &data);
      if (!s.ok() && !s.IsNotFound()) return s;
      if (s.ok() && DecodeCursor(data, &rec, &problem)) {
        c.valid = true;
        c.name = rec.name;
        c.position = rec.position;
      } else if (s.ok()) {
        c.problem = "corrupt cursor file " + c.file + ": " + problem;
      }
    }
    if (which.second) {
      const std::string temp = c.file + std::string(walfiles::kTempSuffix);
      s = fileutil::ReadFile(temp, &data);
      if (!s.ok() && !s.IsNotFound()) return s;
      // A complete temp file is a save interrupted before its rename: its position is newer.
      if (s.ok() && DecodeCursor(data, &rec, &problem) && (!c.valid || rec.position > c.position)) {
        c.valid = true;
        c.name = rec.name;
        c.position = rec.position;
        c.problem.clear();
      }
    }
    if (!which.first && !c.valid) continue;  // only a damaged temp: the save never happened
    cursors->push_back(std::move(c));
  }
  return Status::Ok();
}

Status SaveCursors(const std::string& dir, const std::vector<CursorRecord>& cursors, std::vector<bool>* saved) {
  if (saved != nullptr) saved->assign(cursors.size(), false);
  if (cursors.empty()) return Status::Ok();
  Status first;
  bool renamed = false;
  for (size_t i = 0; i < cursors.size(); ++i) {
    const CursorRecord& c = cursors[i];
    const std::string path = walfiles::CursorPath(dir, c.name);
    const std::string temp = path + std::string(walfiles::kTempSuffix);
    Status s = fileutil::WriteAndSync(temp, EncodeCursor(c));
    if (s.ok()) s = fileutil::Rename(temp, path);
    if (s.ok()) {
      renamed = true;
      if (saved != nullptr) (*saved)[i] = true;
    } else if (first.ok()) {
      first = s;
    }
  }
  if (renamed) {
    Status s = fileutil::SyncDir(walfiles::ReadersDir(dir));
    if (!s.ok()) {
      if (first.ok()) first = s;
      if (saved != nullptr) saved->assign(cursors.size(), false);  // renames not durable
    }
  }
  return first;
}

Status RemoveCursor(const std::string& dir, std::string_view name) {
  const std::string path = walfiles::CursorPath(dir, name);
  Status s = fileutil::RemoveFile(path);
  if (s.ok()) s = fileutil::RemoveFile(path + std::string(walfiles::kTempSuffix));
  if (s.ok()) s = fileutil::SyncDir(walfiles::ReadersDir(dir));
  return s;
}

}  // namespace logcap
