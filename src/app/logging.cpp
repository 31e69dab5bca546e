#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace logcap {

namespace {

spdlog::level::level_enum ToLevel(const std::string& level) {
  if (level == "debug") return spdlog::level::debug;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  return spdlog::level::info;
}

// %j: the message escaped as a JSON string body, so JSON log lines stay valid whatever they say.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static const char* kHex = "0123456789abcdef";
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      const auto u = static_cast<unsigned char>(c);
      switch (c) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\r': dest.append(std::string_view("\\r")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        default:
          if (u < 0x20) {
            const char esc[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 15]};
            dest.append(esc, esc + 6);
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonEscapedMessage>(); }
};

}  // namespace

void SetupLogging(const std::string& level, const std::string& format) {
  auto logger = std::make_shared<spdlog::logger>("log-capturer", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == "text") {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %-5l %v");
  } else {
    formatter->add_flag<JsonEscapedMessage>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"log-capturer","msg":"%j"})");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(ToLevel(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

void SetLogLevel(const std::string& level) { spdlog::default_logger()->set_level(ToLevel(level)); }

}  // namespace logcap
