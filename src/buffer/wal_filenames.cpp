#include "buffer/wal_filenames.h"

#include <cinttypes>
#include <cstdio>

namespace logcap::walfiles {
namespace {

constexpr std::string_view kSegmentPrefix = "segment-";
constexpr std::string_view kSegmentSuffix = ".wal";
constexpr size_t kSegmentDigits = 20;

bool SafeChar(char c, bool first) {
  if (c == '.') return !first;
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string SegmentFileName(uint64_t number) {
  char buf[64];
  snprintf(buf, sizeof(buf), "segment-%020" PRIu64 ".wal", number);
  return buf;
}

std::string SegmentPath(const std::string& dir, uint64_t number) { return dir + "/" + SegmentFileName(number); }

FileKind ClassifyFileName(std::string_view name, uint64_t* number) {
  if (name == kLockName) return FileKind::kLock;
  if (name == kReadersDirName) return FileKind::kReadersDir;
  if (!name.starts_with(kSegmentPrefix)) return FileKind::kUnknown;
  std::string_view rest = name.substr(kSegmentPrefix.size());
  if (rest.size() < kSegmentDigits) return FileKind::kUnknown;
  uint64_t n = 0;
  for (size_t i = 0; i < kSegmentDigits; ++i) {
    const char c = rest[i];
    if (c < '0' || c > '9') return FileKind::kUnknown;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - digit) / 10) return FileKind::kUnknown;
    n = n * 10 + digit;
  }
  rest.remove_prefix(kSegmentDigits);
  *number = n;
  if (rest == kSegmentSuffix) return FileKind::kSegment;
  if (rest.size() == kSegmentSuffix.size() + kTempSuffix.size() && rest.starts_with(kSegmentSuffix) &&
      rest.ends_with(kTempSuffix)) {
    return FileKind::kSegmentTemp;
  }
  return FileKind::kUnknown;
}

std::string EncodeReaderName(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (SafeChar(c, i == 0)) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

bool DecodeReaderName(std::string_view encoded, std::string* name) {
  name->clear();
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      *name += encoded[i];
      continue;
    }
    if (i + 2 >= encoded.size()) return false;
    const int hi = HexValue(encoded[i + 1]);
    const int lo = HexValue(encoded[i + 2]);
    if (hi < 0 || lo < 0) return false;
    *name += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return !name->empty();
}

std::string ReadersDir(const std::string& dir) { return dir + "/" + std::string(kReadersDirName); }

std::string CursorPath(const std::string& dir, std::string_view reader_name) {
  return ReadersDir(dir) + "/" + EncodeReaderName(reader_name) + std::string(kCursorSuffix);
}

}  // namespace logcap::walfiles
