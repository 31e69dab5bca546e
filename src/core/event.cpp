#include "core/event.h"

#include <cctype>

namespace logcap {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kFatal: return "fatal";
    case Level::kUnknown: break;
  }
  return "";
}

Level ParseLevel(std::string_view text) {
  char buf[16];
  if (text.size() >= sizeof(buf)) return Level::kUnknown;
  for (size_t i = 0; i < text.size(); ++i) buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  std::string_view t(buf, text.size());
  if (t == "trace") return Level::kTrace;
  if (t == "debug" || t == "dbg") return Level::kDebug;
  if (t == "info" || t == "information" || t == "notice") return Level::kInfo;
  if (t == "warn" || t == "warning") return Level::kWarn;
  if (t == "error" || t == "err") return Level::kError;
  if (t == "fatal" || t == "critical" || t == "crit" || t == "panic" || t == "emerg" || t == "alert") return Level::kFatal;
  return Level::kUnknown;
}

}  // namespace logcap
