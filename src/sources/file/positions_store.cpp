#include "sources/file/positions_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

namespace logcap {

namespace {

enum class ReadResult { kOk, kMissing, kError };

ReadResult ReadWholeFile(const std::string& path, std::string* out, int* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = errno;
    return errno == ENOENT ? ReadResult::kMissing : ReadResult::kError;
  }
  out->clear();
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      ::close(fd);
      return ReadResult::kError;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return ReadResult::kOk;
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoErrorFromErrno("write", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status MakeDirectories(const std::string& dir) {
  if (dir.empty()) return Status::Ok();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? Status::Ok() : Status::IoError(dir + " is not a directory");
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    Status parent = MakeDirectories(dir.substr(0, slash));
    if (!parent.ok()) return parent;
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Status::IoErrorFromErrno("mkdir " + dir, errno);
  return Status::Ok();
}

Status FsyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoErrorFromErrno("open directory " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IoErrorFromErrno("fsync directory " + dir, err);
  return Status::Ok();
}

bool GetUint64(const rapidjson::Value& obj, const char* name, uint64_t* out) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsUint64()) return false;
  *out = it->value.GetUint64();
  return true;
}

bool GetFingerprint(const rapidjson::Value& obj, uint64_t* out) {
  auto it = obj.FindMember("fingerprint");
  if (it == obj.MemberEnd()) return false;
  if (it->value.IsUint64()) {
    *out = it->value.GetUint64();
    return true;
  }
  if (!it->value.IsString() || it->value.GetStringLength() == 0 || it->value.GetStringLength() > 16) return false;
  uint64_t v = 0;
  for (const char* p = it->value.GetString(); *p; ++p) {
    int d;
    if (*p >= '0' && *p <= '9') {
      d = *p - '0';
    } else if (*p >= 'a' && *p <= 'f') {
      d = *p - 'a' + 10;
    } else if (*p >= 'A' && *p <= 'F') {
      d = *p - 'A' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

}  // namespace

PositionsStore::PositionsStore(std::string directory, std::string file_name)
    : directory_(std::move(directory)),
      path_(directory_ + "/" + file_name),
      temp_path_(path_ + ".tmp") {}

std::string PositionsStore::Serialize(const std::vector<PositionEntry>& entries) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("version");
  w.Int(kVersion);
  w.Key("files");
  w.StartArray();
  char hex[17];
  for (const PositionEntry& e : entries) {
    w.StartObject();
    w.Key("path");
    w.String(e.path.data(), static_cast<rapidjson::SizeType>(e.path.size()));
    w.Key("dev");
    w.Uint64(e.identity.key.dev);
    w.Key("inode");
    w.Uint64(e.identity.key.inode);
    w.Key("fingerprint");
    std::snprintf(hex, sizeof(hex), "%016" PRIx64, e.identity.fingerprint);
    w.String(hex, 16);
    w.Key("fingerprint_len");
    w.Uint(e.identity.fingerprint_len);
    w.Key("offset");
    w.Uint64(e.offset);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::string out(buffer.GetString(), buffer.GetSize());
  out += '\n';
  return out;
}

Status PositionsStore::Parse(std::string_view text, std::vector<PositionEntry>* entries) {
  entries->clear();
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return Status::Corruption(std::string("invalid JSON at byte ") + std::to_string(doc.GetErrorOffset()) + ": " +
                              rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Status::Corruption("not a JSON object");
  auto version = doc.FindMember("version");
  if (version == doc.MemberEnd() || !version->value.IsInt()) return Status::Corruption("no version");
  if (version->value.GetInt() != kVersion) {
    return Status::Corruption("unsupported version " + std::to_string(version->value.GetInt()) + " (expected " +
                              std::to_string(kVersion) + ")");
  }
  auto files = doc.FindMember("files");
  if (files == doc.MemberEnd() || !files->value.IsArray()) return Status::Corruption("no files array");
  for (const auto& f : files->value.GetArray()) {
    PositionEntry e;
    uint64_t fp_len = 0;
    auto path = f.IsObject() ? f.FindMember("path") : f.MemberEnd();
    if (!f.IsObject() || path == f.MemberEnd() || !path->value.IsString() ||
        !GetUint64(f, "dev", &e.identity.key.dev) || !GetUint64(f, "inode", &e.identity.key.inode) ||
        !GetFingerprint(f, &e.identity.fingerprint) || !GetUint64(f, "fingerprint_len", &fp_len) ||
        fp_len > UINT32_MAX || !GetUint64(f, "offset", &e.offset)) {
      const size_t index = entries->size();
      entries->clear();
      return Status::Corruption("malformed entry #" + std::to_string(index));
    }
    e.path.assign(path->value.GetString(), path->value.GetStringLength());
    e.identity.fingerprint_len = static_cast<uint32_t>(fp_len);
    entries->push_back(std::move(e));
  }
  return Status::Ok();
}

PositionsLoadResult PositionsStore::Load(std::vector<PositionEntry>* entries) {
  entries->clear();
  std::string text;
  int err = 0;

  // A leftover temp file is the newest state if it is complete (it parses).
  ReadResult temp = ReadWholeFile(temp_path_, &text, &err);
  if (temp == ReadResult::kOk) {
    Status s = Parse(text, entries);
    if (s.ok()) {
      spdlog::warn("positions: using {} left by an interrupted save", temp_path_);
      return PositionsLoadResult::kRecoveredFromTemp;
    }
    spdlog::info("positions: ignoring incomplete {}: {}", temp_path_, s.ToString());
  }

  ReadResult main = ReadWholeFile(path_, &text, &err);
  if (main == ReadResult::kMissing) {
    if (temp == ReadResult::kOk) {
      spdlog::error("positions: {} is missing and {} is incomplete: starting fresh", path_, temp_path_);
      return PositionsLoadResult::kCorrupt;
    }
    return PositionsLoadResult::kFresh;
  }
  if (main == ReadResult::kError) {
    spdlog::error("positions: cannot read {}: {}: starting fresh", path_, std::strerror(err));
    return PositionsLoadResult::kCorrupt;
  }
  Status s = Parse(text, entries);
  if (s.ok()) return PositionsLoadResult::kLoaded;
  const std::string aside = path_ + ".corrupt";
  spdlog::error("positions: {} is unusable ({}); kept as {}; starting fresh", path_, s.ToString(), aside);
  if (::rename(path_.c_str(), aside.c_str()) != 0) {
    spdlog::warn("positions: cannot rename {} to {}: {}", path_, aside, std::strerror(errno));
  }
  return PositionsLoadResult::kCorrupt;
}

Status PositionsStore::Save(const std::vector<PositionEntry>& entries) {
  Status s = MakeDirectories(directory_);
  if (!s.ok()) return s;
  const std::string text = Serialize(entries);
  int fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoErrorFromErrno("open " + temp_path_, errno);
  s = WriteAll(fd, text);
  if (s.ok() && ::fsync(fd) != 0) s = Status::IoErrorFromErrno("fsync " + temp_path_, errno);
  if (::close(fd) != 0 && s.ok()) s = Status::IoErrorFromErrno("close " + temp_path_, errno);
  if (s.ok() && ::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    s = Status::IoErrorFromErrno("rename " + temp_path_, errno);
  }
  if (!s.ok()) {
    ::unlink(temp_path_.c_str());  // never leave a temp file that could look newer than the real one
    return s;
  }
  return FsyncDirectory(directory_);
}

}  // namespace logcap
