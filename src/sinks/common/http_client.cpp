#include "sinks/common/http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <mutex>

namespace logcap {

namespace {

// curl_global_init is not safe to race with other curl calls: do it once, before any client.
bool GlobalInit() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Appends "Name: value". curl reads "Name:" as "remove this header", so an empty value is
// written "Name;", its syntax for a header sent empty.
curl_slist* AppendHeader(curl_slist* list, const std::string& name, const std::string& value, bool* ok) {
  std::string line = name;
  if (value.empty()) {
    line += ';';
  } else {
    line += ": ";
    line += value;
  }
  curl_slist* grown = curl_slist_append(list, line.c_str());
  if (grown == nullptr) {
    *ok = false;
    return list;
  }
  return grown;
}

Status CheckReadable(const std::string& path, const char* what) {
  if (path.empty() || ::access(path.c_str(), R_OK) == 0) return Status::Ok();
  return Status::IoErrorFromErrno(std::string("tls.") + what + " " + path + " is not readable", errno);
}

}  // namespace

Status CheckHttpHeader(std::string_view name, std::string_view value) {
  if (name.empty() || name.find_first_of(":\r\n \t") != std::string_view::npos) {
    return Status::InvalidArgument("invalid HTTP header name \"" + std::string(name) + "\"");
  }
  if (HasCrLf(value)) {
    return Status::InvalidArgument("HTTP header " + std::string(name) + " has a line break in its value");
  }
  return Status::Ok();
}

struct HttpClient::Impl {
  // One easy handle and what belongs to the request it is carrying.
  struct Slot {
    CURL* easy = nullptr;
    curl_slist* request_headers = nullptr;  // only for a request with headers of its own
    HttpAnswer* answer = nullptr;           // null while idle
    char error[CURL_ERROR_SIZE] = {};
  };

  HttpClientOptions options;
  CURLM* multi = nullptr;
  curl_slist* headers = nullptr;  // options.headers plus "Expect:", built once
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<Slot*> idle;

  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> connections_opened{0};
  std::atomic<uint64_t> transport_errors{0};
  std::atomic<uint64_t> timeouts{0};

  ~Impl() {
    for (auto& slot : slots) {
      if (slot->easy != nullptr) {
        if (multi != nullptr) curl_multi_remove_handle(multi, slot->easy);  // harmless if not added
        curl_easy_cleanup(slot->easy);
      }
      curl_slist_free_all(slot->request_headers);
    }
    if (multi != nullptr) curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    HttpAnswer* answer = static_cast<Slot*>(user)->answer;
    const size_t n = size * count;
    if (answer->body.size() < HttpAnswer::kMaxBody) {
      answer->body.append(data, std::min(n, HttpAnswer::kMaxBody - answer->body.size()));
    }
    return n;  // the rest is read and dropped: refusing it would break the kept-alive connection
  }

  // Clears an answer but keeps its strings' capacity: answers are reused call after call.
  static void Reset(HttpAnswer& answer) {
    answer.status = 0;
    answer.error.clear();
    answer.timed_out = false;
    answer.body.clear();
    answer.retry_after.clear();
    answer.location.clear();
    answer.elapsed = 0;
    answer.new_connection = false;
  }

  Status NewSlot() {
    auto slot = std::make_unique<Slot>();
    slot->easy = curl_easy_init();
    if (slot->easy == nullptr) return Status::Unavailable("curl_easy_init failed");
    CURL* e = slot->easy;
    // Everything that is the same for every request is set once here.
    bool ok = true;
    auto set = [&](CURLoption option, auto value) { ok &= curl_easy_setopt(e, option, value) == CURLE_OK; };
    set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are one thread among many
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<Nanos>(1, options.timeout / kNanosPerMilli)));
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_USERAGENT, options.user_agent.c_str());
    set(CURLOPT_ERRORBUFFER, slot->error);
    set(CURLOPT_WRITEFUNCTION, &Impl::OnBody);
    set(CURLOPT_WRITEDATA, slot.get());
    set(CURLOPT_PRIVATE, slot.get());
    set(CURLOPT_POST, 1L);
    const TlsClientConfig& tls = options.tls;
    if (!tls.ca_file.empty()) set(CURLOPT_CAINFO, tls.ca_file.c_str());
    if (!tls.cert_file.empty()) set(CURLOPT_SSLCERT, tls.cert_file.c_str());
    if (!tls.key_file.empty()) set(CURLOPT_SSLKEY, tls.key_file.c_str());
    if (tls.insecure_skip_verify) {
      set(CURLOPT_SSL_VERIFYPEER, 0L);
      set(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!ok) {
      curl_easy_cleanup(e);
      return Status::Unavailable("libcurl refused an option (built without http/https or TLS?)");
    }
    idle.push_back(slot.get());
    slots.push_back(std::move(slot));
    return Status::Ok();
  }

  // Puts request into an idle slot and hands it to the multi handle. false (with answer.error set,
  // the slot still idle) when it could not even be started.
  bool Begin(const HttpRequestSpec& request, HttpAnswer& answer) {
    Reset(answer);
    Slot* slot = idle.back();
    if (!Attach(slot, request, answer)) {
      curl_slist_free_all(std::exchange(slot->request_headers, nullptr));
      slot->answer = nullptr;
      return false;
    }
    idle.pop_back();
    return true;
  }

  bool Attach(Slot* slot, const HttpRequestSpec& request, HttpAnswer& answer) {
    slot->answer = &answer;
    slot->error[0] = '\0';
    CURL* e = slot->easy;
    curl_slist* list = headers;
    if (!request.headers.empty()) {
      bool ok = true;
      for (const curl_slist* h = headers; h != nullptr; h = h->next) {
        curl_slist* grown = curl_slist_append(slot->request_headers, h->data);
        if (grown == nullptr) ok = false;
        else slot->request_headers = grown;
      }
      for (const auto& [name, value] : request.headers) {
        if (!CheckHttpHeader(name, value).ok()) {
          answer.error = "invalid request header \"" + name + "\"";
          ok = false;
          break;
        }
        slot->request_headers = AppendHeader(slot->request_headers, name, value, &ok);
      }
      if (!ok) {
        if (answer.error.empty()) answer.error = "out of memory building request headers";
        return false;
      }
      list = slot->request_headers;
    }
    // POSTFIELDS does not copy the body; the caller keeps it alive until PerformAll returns. A null
    // pointer would make curl read the body from a callback instead.
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
    if (curl_easy_setopt(e, CURLOPT_URL, request.url.c_str()) != CURLE_OK) {
      answer.error = "invalid url";
      return false;
    }
    const CURLMcode rc = curl_multi_add_handle(multi, e);
    if (rc != CURLM_OK) {
      answer.error = std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc);
      return false;
    }
    return true;
  }

  // Fills the slot's answer from the finished transfer and returns the slot to the idle list.
  void Finish(Slot* slot, CURLcode result) {
    CURL* e = slot->easy;
    HttpAnswer& answer = *slot->answer;
    curl_off_t total_us = 0;
    if (curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us) == CURLE_OK) answer.elapsed = total_us * 1000;
    long connects = 0;
    if (curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0) {
      answer.new_connection = true;
      connections_opened.fetch_add(static_cast<uint64_t>(connects), std::memory_order_relaxed);
    }
    if (result == CURLE_OK) {
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &answer.status);
      curl_header* h = nullptr;
      if (curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h != nullptr) {
        answer.retry_after = h->value;
      }
      if (answer.status >= 300 && answer.status < 400) {
        char* target = nullptr;
        if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &target) == CURLE_OK && target != nullptr) {
          answer.location = target;
        }
      }
    } else {
      answer.status = 0;
      answer.body.clear();
      answer.error = slot->error[0] != '\0' ? slot->error : curl_easy_strerror(result);
      answer.timed_out = result == CURLE_OPERATION_TIMEDOUT;
      transport_errors.fetch_add(1, std::memory_order_relaxed);
      if (answer.timed_out) timeouts.fetch_add(1, std::memory_order_relaxed);
    }
    curl_multi_remove_handle(multi, e);
    curl_slist_free_all(std::exchange(slot->request_headers, nullptr));
    slot->answer = nullptr;
    idle.push_back(slot);
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Status HttpClient::Create(HttpClientOptions options, std::unique_ptr<HttpClient>* client) {
  for (const auto& [name, value] : options.headers) {
    Status s = CheckHttpHeader(name, value);
    if (!s.ok()) return s;
  }
  for (Status s : {CheckReadable(options.tls.ca_file, "ca_file"), CheckReadable(options.tls.cert_file, "cert_file"),
                   CheckReadable(options.tls.key_file, "key_file")}) {
    if (!s.ok()) return Status::InvalidArgument(s.message());
  }
  if (!GlobalInit()) return Status::Unavailable("curl_global_init failed");
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->options.max_in_flight = std::max<size_t>(1, impl->options.max_in_flight);
  impl->multi = curl_multi_init();
  if (impl->multi == nullptr) return Status::Unavailable("curl_multi_init failed");
  // Keep one idle connection per slot: the next round of requests finds them all still open.
  curl_multi_setopt(impl->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(impl->options.max_in_flight));

  bool ok = true;
  for (const auto& [name, value] : impl->options.headers) impl->headers = AppendHeader(impl->headers, name, value, &ok);
  curl_slist* grown = curl_slist_append(impl->headers, "Expect:");  // "Expect:" removes curl's own
  if (grown == nullptr) ok = false;
  else impl->headers = grown;
  if (!ok) return Status::Unavailable("out of memory building HTTP headers");

  for (size_t i = 0; i < impl->options.max_in_flight; ++i) {
    Status s = impl->NewSlot();
    if (!s.ok()) return s;
  }
  client->reset(new HttpClient(std::move(impl)));
  return Status::Ok();
}

void HttpClient::PerformAll(std::span<const HttpRequestSpec* const> requests, std::span<HttpAnswer> answers,
                            const std::function<void()>& while_waiting) {
  Impl& m = *impl_;
  bool waited = false;
  const size_t n = std::min(requests.size(), answers.size());
  size_t next = 0;
  size_t active = 0;
  while (next < n || active > 0) {
    while (active < m.slots.size() && next < n) {
      const size_t i = next++;
      m.requests.fetch_add(1, std::memory_order_relaxed);
      if (m.Begin(*requests[i], answers[i])) {
        ++active;
      } else {
        m.transport_errors.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (active == 0) continue;

    int running = 0;
    const CURLMcode rc = curl_multi_perform(m.multi, &running);
    bool finished_any = false;
    CURLMsg* msg = nullptr;
    int queued = 0;
    while ((msg = curl_multi_info_read(m.multi, &queued)) != nullptr) {
      if (msg->msg != CURLMSG_DONE) continue;
      void* slot = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot);
      m.Finish(static_cast<Impl::Slot*>(slot), msg->data.result);
      --active;
      finished_any = true;
    }
    if (rc != CURLM_OK) {
      // The multi handle itself failed (out of memory): end every transfer with that error rather
      // than spin; the caller retries later.
      for (auto& slot : m.slots) {
        if (slot->answer == nullptr) continue;
        std::snprintf(slot->error, sizeof(slot->error), "curl_multi_perform: %s", curl_multi_strerror(rc));
        m.Finish(slot.get(), CURLE_SEND_ERROR);
        --active;
      }
      continue;
    }
    // Wait for socket activity or curl's next timer (curl_multi_poll waits no longer than that).
    if (!finished_any && active > 0) {
      if (!waited && next == n && while_waiting) {
        waited = true;
        while_waiting();
        continue;  // the answers may have come meanwhile: look before sleeping
      }
      curl_multi_poll(m.multi, nullptr, 0, 1000, nullptr);
    }
  }
}

HttpClientStats HttpClient::Stats() const {
  HttpClientStats s;
  s.requests = impl_->requests.load(std::memory_order_relaxed);
  s.connections_opened = impl_->connections_opened.load(std::memory_order_relaxed);
  s.transport_errors = impl_->transport_errors.load(std::memory_order_relaxed);
  s.timeouts = impl_->timeouts.load(std::memory_order_relaxed);
  return s;
}

Status ValidateHttpUrl(std::string_view url) {
  const std::string text(url);
  const size_t colon = text.find("://");
  if (colon == std::string::npos) {
    return Status::InvalidArgument("\"" + RedactUrl(url) + "\" is not an absolute URL (expected http://host/...)");
  }
  std::string scheme = text.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument("URL scheme \"" + scheme + "\" is not supported (use http:// or https://)");
  }
  if (colon + 3 >= text.size() || text[colon + 3] == '/') {
    // curl would read "http:///x" as host x; a missing host is a typo worth reporting.
    return Status::InvalidArgument("URL \"" + RedactUrl(url) + "\" has no host");
  }
  if (HasCrLf(text) || text.find_first_of(" \t") != std::string::npos) {
    return Status::InvalidArgument("URL \"" + RedactUrl(url) + "\" contains blanks or line breaks");
  }
  if (!GlobalInit()) return Status::Unavailable("curl_global_init failed");
  CURLU* u = curl_url();
  if (u == nullptr) return Status::Unavailable("curl_url failed");
  Status status;
  const CURLUcode rc = curl_url_set(u, CURLUPART_URL, text.c_str(), 0);
  if (rc != CURLUE_OK) {
    status = Status::InvalidArgument("invalid URL \"" + RedactUrl(url) + "\": " + curl_url_strerror(rc));
  } else {
    char* host = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == nullptr || host[0] == '\0') {
      status = Status::InvalidArgument("URL \"" + RedactUrl(url) + "\" has no host");
    }
    curl_free(host);
  }
  curl_url_cleanup(u);
  return status;
}

std::string RedactUrl(std::string_view url) {
  const size_t start = url.find("://");
  if (start == std::string_view::npos) return std::string(url);
  const size_t host = start + 3;
  const size_t end = std::min(url.find_first_of("/?#", host), url.size());
  const size_t at = url.substr(host, end - host).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, host));
  out += url.substr(host + at + 1);
  return out;
}

Status AuthorizationHeader(const HttpAuthConfig& auth, std::string* value, std::string* field) {
  value->clear();
  auto fail = [field](const char* which, std::string message) {
    if (field != nullptr) *field = which;
    return Status::InvalidArgument(message);
  };
  if (auth.type == "none" || auth.type.empty()) return Status::Ok();
  if (auth.type == "basic") {
    if (auth.username.empty()) return fail("username", "a username is required for basic auth");
    // RFC 7617: a user-id containing ':' cannot be represented.
    if (auth.username.find(':') != std::string::npos) {
      return fail("username", "the username must not contain ':' for basic auth");
    }
    *value = "Basic " + Base64Encode(auth.username + ":" + auth.password);
    return Status::Ok();
  }
  if (auth.type == "bearer") {
    if (auth.token.empty()) return fail("token", "a token is required for bearer auth");
    if (HasCrLf(auth.token)) return fail("token", "the token must not contain line breaks");
    *value = "Bearer " + auth.token;
    return Status::Ok();
  }
  return fail("type", "auth type \"" + auth.type + "\" is not one of none, basic, bearer");
}

std::string Base64Encode(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v =
        (uint32_t(uint8_t(data[i])) << 16) | (uint32_t(uint8_t(data[i + 1])) << 8) | uint8_t(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t(uint8_t(data[i])) << 16;
    if (rest == 2) v |= uint32_t(uint8_t(data[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace logcap
