#include "sinks/common/http_messages.h"

#include <algorithm>
#include <cctype>

#include "sinks/common/http_status.h"

namespace logcap {

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string TrimServerAnswer(std::string_view text, size_t max) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  bool cut = false;
  if (text.size() > max) {
    size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // not inside a character
    text = text.substr(0, n);
    cut = true;
  }
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  if (cut) out += "...";
  return out;
}

std::string DescribeHttpAnswer(const HttpAnswer& answer, std::string_view url, std::string_view section,
                               int64_t timeout_ms, size_t max_answer_bytes) {
  const std::string where(url);
  if (answer.status == 0) {
    if (answer.timed_out) {
      return "POST " + where + " timed out after " + std::to_string(timeout_ms) + " ms (" + std::string(section) +
             ".timeout): " + answer.error;
    }
    return "POST " + where + " failed: " + answer.error;
  }
  std::string text = "HTTP " + std::to_string(answer.status) + " from " + where;
  if (answer.status >= 300 && answer.status < 400) {
    text += ": redirects are not followed; fix the url";
    if (!answer.location.empty()) text += " (Location: " + RedactUrl(answer.location) + ")";
  } else if (ClassifyHttpStatus(answer.status) == HttpOutcome::kMisconfigured) {
    text += answer.status == 407 ? std::string(" (proxy authentication required)")
                                 : " (check " + std::string(section) + ".auth and " + std::string(section) + ".headers)";
  }
  const std::string said = TrimServerAnswer(answer.body, max_answer_bytes);
  if (!said.empty()) text += ": " + said;
  return text;
}

Status AppendAuthAndConfiguredHeaders(const HttpAuthConfig& auth, const StringMap& configured, HttpHeaders* headers) {
  std::string authorization;
  if (Status s = AuthorizationHeader(auth, &authorization); !s.ok()) return s;
  if (!authorization.empty()) headers->emplace_back("Authorization", std::move(authorization));
  for (const auto& [name, value] : configured) {
    std::erase_if(*headers, [&](const auto& h) { return HeaderNameEquals(h.first, name); });
    headers->emplace_back(name, value);
  }
  return Status::Ok();
}

void CheckConfiguredHeaders(const StringMap& headers, std::string_view section,
                            std::span<const std::string_view> reserved, std::string_view why,
                            std::vector<SinkConfigError>* errors) {
  for (const auto& [name, value] : headers) {
    const std::string key = std::string(section) + ".headers." + name;
    if (Status s = CheckHttpHeader(name, value); !s.ok()) {
      errors->push_back({key, s.message()});
      continue;
    }
    for (std::string_view r : reserved) {
      if (HeaderNameEquals(name, r)) {
        errors->push_back({key, "the sink sets " + std::string(r) + " itself (" + std::string(why) + "); remove it"});
      }
    }
  }
}

}  // namespace logcap
