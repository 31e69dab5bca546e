// The agent's own log: spdlog to stderr, as JSON lines or text (app.log_level, app.log_format).
#pragma once

#include <string>

namespace logcap {

// Installs the default logger. level: debug | info | warn | error; format: json | text.
void SetupLogging(const std::string& level, const std::string& format);
// Changes the level of the installed logger (safe to call at any time; used by reload).
void SetLogLevel(const std::string& level);

}  // namespace logcap
