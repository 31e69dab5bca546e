#include "sources/container/docker_engine_watcher.h"

#include <curl/curl.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/un.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <random>
#include <system_error>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/thread_name.h"

namespace logcap {

namespace {

namespace od = simdjson::ondemand;

constexpr size_t kMaxAnswer = 64u << 20;        // a list of many thousand containers is a few MiB
constexpr size_t kMaxPendingEvents = 8u << 20;  // event bytes received and not yet processed
constexpr size_t kMaxErrorBody = 4096;
constexpr Nanos kComplaintInterval = 10 * kNanosPerSecond;

// curl_global_init must not race with other curl calls: once, before the first handle.
bool CurlGlobalInit() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

bool Is2xx(long status) { return status >= 200 && status < 300; }

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A container id that may go into a URL path as it is: Docker ids are hex (letters, digits, '_'
// and '-' are accepted; never '/', '.', '%' or '?').
bool IsSafeId(std::string_view id) {
  if (id.empty() || id.size() > 256) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

std::string Shorten(std::string_view text, size_t max = 200) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max)) + "...";
}

// The string value, or nullopt-like false when the value is not a string (the value is then left
// unconsumed, and on-demand iteration skips it).
bool ReadStringIfString(od::value& value, std::string* out) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS || type != od::json_type::string) return false;
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return false;
  out->assign(text);
  return true;
}

// "Labels": an object of strings (non-string values are ignored), or null.
simdjson::error_code ReadLabels(od::value& value, Labels* labels) {
  od::json_type type;
  if (auto error = value.type().get(type)) return error;
  if (type != od::json_type::object) return simdjson::SUCCESS;
  od::object object;
  if (auto error = value.get_object().get(object)) return error;
  for (auto item : object) {
    od::field field;
    if (auto error = std::move(item).get(field)) return error;
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    std::string text;
    if (ReadStringIfString(field.value(), &text)) labels->Set(key, text);
  }
  return simdjson::SUCCESS;
}

// The end of the document: SUCCESS when nothing but blanks follows the value just read.
simdjson::error_code CheckAtEnd(od::document& doc) {
  auto location = doc.current_location();
  if (location.error() == simdjson::OUT_OF_BOUNDS) return simdjson::SUCCESS;
  return simdjson::TRAILING_CONTENT;
}

void SetComposeFields(DockerContainerConfig* c) {
  if (const std::string* p = c->labels.Find(kComposeProjectLabel)) c->compose_project = *p;
  if (const std::string* p = c->labels.Find(kComposeServiceLabel)) c->compose_service = *p;
}

// GET /containers/json?all=1: an array of {Id, Names, Image, ImageID, Labels, State, Status, ...}.
// Entries without an Id are skipped and counted in *skipped.
Status ParseContainerList(std::string_view json, std::vector<DockerContainerConfig>* out, uint64_t* skipped) {
  out->clear();
  auto invalid = [](simdjson::error_code error) {
    return Status::InvalidArgument(std::string("container list: invalid JSON: ") + simdjson::error_message(error));
  };
  const simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  if (auto error = parser.iterate(padded).get(doc)) return invalid(error);
  od::array array;
  if (auto error = doc.get_array().get(array)) return invalid(error);
  for (auto element : array) {
    od::object object;
    if (auto error = element.get_object().get(object)) return invalid(error);
    DockerContainerConfig c;
    std::string state, status;
    std::vector<std::string> names;
    for (auto item : object) {
      od::field field;
      if (auto error = std::move(item).get(field)) return invalid(error);
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return invalid(error);
      od::value& value = field.value();
      if (key == "Id") {
        ReadStringIfString(value, &c.id);
      } else if (key == "Image") {
        ReadStringIfString(value, &c.image);
      } else if (key == "ImageID") {
        ReadStringIfString(value, &c.image_id);
      } else if (key == "State") {
        ReadStringIfString(value, &state);
      } else if (key == "Status") {
        ReadStringIfString(value, &status);
      } else if (key == "Labels") {
        if (auto error = ReadLabels(value, &c.labels)) return invalid(error);
      } else if (key == "Names") {
        od::json_type type;
        if (auto error = value.type().get(type)) return invalid(error);
        if (type != od::json_type::array) continue;
        od::array list;
        if (auto error = value.get_array().get(list)) return invalid(error);
        for (auto name_item : list) {
          od::value v;
          if (auto error = std::move(name_item).get(v)) return invalid(error);
          std::string name;
          if (ReadStringIfString(v, &name)) names.push_back(std::move(name));
        }
      }
    }
    if (c.id.empty()) {
      ++*skipped;
      continue;
    }
    // Names holds "/web-1", plus "/other/alias" for each legacy link to it: take the own name.
    const std::string* chosen = names.empty() ? nullptr : &names.front();
    for (const std::string& n : names) {
      if (n.find('/', 1) == std::string::npos) {
        chosen = &n;
        break;
      }
    }
    if (chosen != nullptr) c.name = chosen->starts_with('/') ? chosen->substr(1) : *chosen;
    // State is a word ("running") since API 1.23; older daemons only say "Up 3 hours" in Status.
    c.running = state.empty() ? status.starts_with("Up") : state == "running";
    SetComposeFields(&c);
    out->push_back(std::move(c));
  }
  if (auto error = CheckAtEnd(doc)) return invalid(error);
  return Status::Ok();
}

// GET /containers/{id}/json: the same shape as config.v2.json, which ParseDockerContainerConfig
// reads, except that the id's key is "Id" where the file says "ID". The top-level "Id" key is
// renamed in place (same length, nothing else moves), then the file's parser reads it.
Status ParseInspect(std::string body, DockerContainerConfig* out) {
  {
    const simdjson::padded_string padded(body);
    od::parser parser;
    od::document doc;
    od::object object;
    if (parser.iterate(padded).get(doc) == simdjson::SUCCESS && doc.get_object().get(object) == simdjson::SUCCESS) {
      for (auto item : object) {
        od::field field;
        if (std::move(item).get(field) != simdjson::SUCCESS) break;
        if (field.key() == "Id") {
          const size_t at = static_cast<size_t>(field.key().raw() - padded.data());  // just after the quote
          if (at + 1 < body.size() && body[at] == 'I' && body[at + 1] == 'd') body[at + 1] = 'D';
          break;
        }
      }
    }
  }
  Status s = ParseDockerContainerConfig(body, out);
  if (!s.ok()) return Status::InvalidArgument("inspect answer: " + s.message());
  return s;
}

// One event line: {"Type":"container","Action":"start","Actor":{"ID":"..."},...} or the older
// {"status":"start","id":"...",...}.
struct EventLine {
  std::string type;
  std::string action;
  std::string id;
};

Status ParseEventLine(std::string_view line, EventLine* out) {
  auto invalid = [](simdjson::error_code error) {
    return Status::InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(error));
  };
  const simdjson::padded_string padded(line);
  od::parser parser;
  od::document doc;
  if (auto error = parser.iterate(padded).get(doc)) return invalid(error);
  od::object object;
  if (auto error = doc.get_object().get(object)) return invalid(error);
  std::string status, old_id;
  for (auto item : object) {
    od::field field;
    if (auto error = std::move(item).get(field)) return invalid(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return invalid(error);
    od::value& value = field.value();
    if (key == "Type") {
      ReadStringIfString(value, &out->type);
    } else if (key == "Action") {
      ReadStringIfString(value, &out->action);
    } else if (key == "status") {
      ReadStringIfString(value, &status);
    } else if (key == "id") {
      ReadStringIfString(value, &old_id);
    } else if (key == "Actor") {
      od::json_type type;
      if (auto error = value.type().get(type)) return invalid(error);
      if (type != od::json_type::object) continue;
      od::object actor;
      if (auto error = value.get_object().get(actor)) return invalid(error);
      for (auto actor_item : actor) {
        od::field f;
        if (auto error = std::move(actor_item).get(f)) return invalid(error);
        std::string_view k;
        if (auto error = f.unescaped_key().get(k)) return invalid(error);
        if (k == "ID") ReadStringIfString(f.value(), &out->id);
      }
    }
  }
  if (auto error = CheckAtEnd(doc)) return invalid(error);
  if (out->action.empty()) out->action = std::move(status);
  if (out->id.empty()) out->id = std::move(old_id);
  if (out->action.empty()) return Status::InvalidArgument("no Action (or status)");
  if (out->id.empty()) return Status::InvalidArgument("no Actor.ID (or id)");
  return Status::Ok();
}

}  // namespace

// One run of the watcher's thread: its curl transfers, backoff and log state.
struct DockerEngineWatcher::Session {
  // One HTTP request on the multi handle.
  struct Transfer {
    CURL* easy = nullptr;
    size_t limit = kMaxAnswer;  // body bytes kept at most (more: the transfer is aborted)
    bool done = false;
    bool overflow = false;
    CURLcode result = CURLE_OK;
    long status = 0;
    long os_errno = 0;       // CURLE_COULDNT_CONNECT: why (ENOENT: no socket file, ECONNREFUSED: no daemon)
    std::string body;        // the answer body (2xx); for the event stream: bytes not yet processed
    std::string error_body;  // the body of an answer that is not 2xx (its first kMaxErrorBody bytes)
    char error[CURL_ERROR_SIZE] = {};
  };

  DockerEngineWatcher& w;
  CURLM* multi;
  std::minstd_rand random{std::random_device{}()};
  Duration backoff;
  bool warned = false;  // the current outage was reported
  bool ever_established = false;
  Nanos last_complaint = INT64_MIN / 2;
  uint64_t unlogged_complaints = 0;

  Session(DockerEngineWatcher& watcher, CURLM* m) : w(watcher), multi(m), backoff(watcher.options_.retry_min) {}

  static size_t OnData(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
    if (!Is2xx(t->status)) {
      if (t->error_body.size() < kMaxErrorBody) {
        t->error_body.append(data, std::min(n, kMaxErrorBody - t->error_body.size()));
      }
      return n;
    }
    if (t->body.size() + n > t->limit) {
      t->overflow = true;
      return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    }
    t->body.append(data, n);
    return n;
  }

  // Creates t's easy handle for GET path and adds it to the multi handle.
  Status Begin(Transfer* t, const std::string& path, bool whole_timeout) {
    t->easy = curl_easy_init();
    if (t->easy == nullptr) return Status::Unavailable("curl_easy_init failed");
    CURL* e = t->easy;
    const long timeout_ms = static_cast<long>(std::max<int64_t>(1, w.options_.request_timeout.count()));
    bool ok = true;
    auto set = [&](CURLoption option, auto value) { ok &= curl_easy_setopt(e, option, value) == CURLE_OK; };
    set(CURLOPT_UNIX_SOCKET_PATH, w.socket_path_.c_str());
    set(CURLOPT_URL, ("http://localhost" + path).c_str());  // curl copies the URL
    set(CURLOPT_PROTOCOLS_STR, "http");
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    if (whole_timeout) set(CURLOPT_TIMEOUT_MS, timeout_ms);
    set(CURLOPT_USERAGENT, "log-capturer/" LOGCAP_VERSION);
    set(CURLOPT_ERRORBUFFER, t->error);
    set(CURLOPT_WRITEFUNCTION, &Session::OnData);
    set(CURLOPT_WRITEDATA, t);
    set(CURLOPT_PRIVATE, t);
    if (!ok) return Status::Unavailable("libcurl refused an option (built without unix socket support?)");
    const CURLMcode rc = curl_multi_add_handle(multi, e);
    if (rc != CURLM_OK) return Status::Unavailable(std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc));
    return Status::Ok();
  }

  void End(Transfer* t) {
    if (t->easy == nullptr) return;
    curl_multi_remove_handle(multi, t->easy);  // harmless when it was never added
    curl_easy_cleanup(t->easy);
    t->easy = nullptr;
  }

  // Runs the transfers until until() holds (Ok), Stop is called (Aborted) or the multi handle
  // fails (Unavailable). Finished transfers are marked done on the way. poll_ms bounds each wait.
  template <typename Until>
  Status Drive(Until&& until, int poll_ms = 1000) {
    for (;;) {
      if (w.stop_.load(std::memory_order_acquire)) return Status::Aborted("stopping");
      int running = 0;
      const CURLMcode rc = curl_multi_perform(multi, &running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        void* p = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
        auto* t = static_cast<Transfer*>(p);
        t->done = true;
        t->result = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &t->status);
        curl_easy_getinfo(msg->easy_handle, CURLINFO_OS_ERRNO, &t->os_errno);
      }
      if (rc != CURLM_OK) return Status::Unavailable(std::string("curl_multi_perform: ") + curl_multi_strerror(rc));
      if (until()) return Status::Ok();
      curl_multi_poll(multi, nullptr, 0, poll_ms, nullptr);
    }
  }

  // What went wrong with a finished transfer, or Ok for a complete 2xx answer. An answer the daemon
  // gave but we cannot use (not 2xx, too large) counts in request_errors; a transport error does not.
  Status Outcome(const Transfer& t, std::string_view what) {
    if (t.overflow) {
      w.request_errors_.fetch_add(1, std::memory_order_relaxed);
      return Status::Unavailable(std::string(what) + ": the answer is too large");
    }
    if (t.result == CURLE_COULDNT_CONNECT && t.os_errno != 0) {
      // curl's own text names "localhost port 80", which is not where it went.
      return Status::Unavailable(std::string(what) + ": cannot connect to the socket: " +
                                 std::strerror(static_cast<int>(t.os_errno)));
    }
    if (t.result != CURLE_OK) {
      return Status::Unavailable(std::string(what) + ": " + (t.error[0] != '\0' ? t.error : curl_easy_strerror(t.result)));
    }
    if (!Is2xx(t.status)) {
      w.request_errors_.fetch_add(1, std::memory_order_relaxed);
      return Status::Unavailable(std::string(what) + ": HTTP " + std::to_string(t.status) + " " +
                                 Shorten(t.error_body));
    }
    return Status::Ok();
  }

  // GET path as a whole (bounded by request_timeout). Ok when an HTTP answer arrived, whatever its
  // status (in t->status); else what failed.
  Status Get(const std::string& path, Transfer* t) {
    Status s = Begin(t, path, /*whole_timeout=*/true);
    if (s.ok()) s = Drive([t] { return t->done; });
    End(t);
    if (!s.ok()) return s;
    if (t->overflow || t->result != CURLE_OK) return Outcome(*t, "GET " + path);
    return Status::Ok();
  }

  // Logs at most one warning per kComplaintInterval, counts every problem.
  void Complain(const std::string& message) {
    w.request_errors_.fetch_add(1, std::memory_order_relaxed);
    const Nanos now = MonotonicNowNanos();
    if (now - last_complaint < kComplaintInterval) {
      ++unlogged_complaints;
      return;
    }
    if (unlogged_complaints > 0) {
      spdlog::warn("docker engine {}: {} ({} similar problems since the last report)", w.socket_path_, message,
                   unlogged_complaints);
    } else {
      spdlog::warn("docker engine {}: {}", w.socket_path_, message);
    }
    last_complaint = now;
    unlogged_complaints = 0;
  }

  void Changed(const std::string& id) {
    if (w.on_change_) w.on_change_(id);
  }

  Status LoadList() {
    Transfer t;
    Status s = Get("/containers/json?all=1", &t);
    if (s.ok()) s = Outcome(t, "GET /containers/json");
    if (!s.ok()) return s;
    std::vector<DockerContainerConfig> list;
    uint64_t skipped = 0;
    s = ParseContainerList(t.body, &list, &skipped);
    if (!s.ok()) {
      w.request_errors_.fetch_add(1, std::memory_order_relaxed);
      return s;
    }
    if (skipped > 0) Complain(std::to_string(skipped) + " container(s) without an Id in the container list, skipped");
    {
      std::lock_guard lock(w.mutex_);
      std::unordered_map<std::string, std::shared_ptr<const DockerContainerConfig>> fresh;
      fresh.reserve(list.size());
      for (DockerContainerConfig& c : list) {
        // The list does not say these; an earlier inspect of the same container did.
        if (auto it = w.cache_.find(c.id); it != w.cache_.end()) {
          c.hostname = it->second->hostname;
          c.log_path = it->second->log_path;
          c.tty = it->second->tty;
        }
        std::string id = c.id;
        fresh[std::move(id)] = std::make_shared<const DockerContainerConfig>(std::move(c));
      }
      w.cache_.swap(fresh);
    }
    if (!w.connected_.exchange(true, std::memory_order_acq_rel)) w.connects_.fetch_add(1, std::memory_order_relaxed);
    Changed("");
    return Status::Ok();
  }

  bool Remove(const std::string& id) {
    std::lock_guard lock(w.mutex_);
    return w.cache_.erase(id) > 0;
  }

  // Inspects id and stores the answer. Not Ok only when the daemon could not be asked.
  Status Inspect(const std::string& id) {
    Transfer t;
    const std::string path = "/containers/" + id + "/json";
    Status s = Get(path, &t);
    if (!s.ok()) return s;
    if (t.status == 404) {  // gone already (created and removed at once)
      if (Remove(id)) Changed(id);
      return Status::Ok();
    }
    s = Outcome(t, "GET " + path);
    if (!s.ok()) return s;
    DockerContainerConfig c;
    s = ParseInspect(std::move(t.body), &c);
    if (!s.ok()) {
      Complain("container " + id + ": " + s.message());
      return Status::Ok();
    }
    const std::string key = c.id;
    {
      std::lock_guard lock(w.mutex_);
      w.cache_[key] = std::make_shared<const DockerContainerConfig>(std::move(c));
    }
    Changed(key);
    return Status::Ok();
  }

  Status MarkStopped(const std::string& id) {
    bool changed = false;
    {
      std::lock_guard lock(w.mutex_);
      auto it = w.cache_.find(id);
      if (it != w.cache_.end() && it->second->running) {
        auto copy = std::make_shared<DockerContainerConfig>(*it->second);  // readers keep the old one
        copy->running = false;
        it->second = std::move(copy);
        changed = true;
      }
    }
    if (changed) Changed(id);
    return Status::Ok();
  }

  // One line of the event stream. Not Ok only when the daemon could not be asked about it.
  Status HandleLine(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) return Status::Ok();
    EventLine event;
    Status s = ParseEventLine(line, &event);
    if (!s.ok()) {
      Complain("malformed event (" + s.message() + "): " + Shorten(line));
      return Status::Ok();
    }
    if (!event.type.empty() && event.type != "container") return Status::Ok();
    if (!IsSafeId(event.id)) {
      Complain("event with an invalid container id: " + Shorten(line));
      return Status::Ok();
    }
    w.events_.fetch_add(1, std::memory_order_relaxed);
    const std::string& a = event.action;
    // kill is any signal (`docker kill -s HUP` reloads, the container keeps running): ask. When the
    // signal does stop it, die follows anyway.
    if (a == "create" || a == "start" || a == "rename" || a == "update" || a == "kill") return Inspect(event.id);
    if (a == "die" || a == "stop") return MarkStopped(event.id);
    if (a == "destroy") {
      if (Remove(event.id)) Changed(event.id);
    }
    return Status::Ok();  // exec_*, attach, health_status, pause, ...: nothing we keep
  }

  void Established() {
    backoff = w.options_.retry_min;
    if (warned) {
      spdlog::info("docker engine {}: connected again, container metadata is up to date", w.socket_path_);
    } else if (!ever_established) {
      spdlog::info("docker engine {}: connected, watching container events", w.socket_path_);
    }
    warned = false;
    ever_established = true;
  }

  // Follows the event stream until it fails or ends (never Ok).
  Status WatchEvents(int64_t since) {
    Transfer ev;
    ev.limit = kMaxPendingEvents;
    const std::string path =
        "/events?since=" + std::to_string(since) + "&filters=" + UrlEncode(R"({"type":["container"]})");
    Status s = Begin(&ev, path, /*whole_timeout=*/false);
    if (!s.ok()) {
      End(&ev);
      return s;
    }
    const Nanos answer_deadline = MonotonicNowNanos() + w.options_.request_timeout.count() * kNanosPerMilli;
    const int answer_poll_ms = static_cast<int>(std::clamp<int64_t>(w.options_.request_timeout.count(), 1, 1000));
    bool established = false;
    for (;;) {
      bool late = false;
      s = Drive(
          [&] {
            if (ev.done || ev.body.find('\n') != std::string::npos) return true;
            if (!established) {
              long status = 0;
              curl_easy_getinfo(ev.easy, CURLINFO_RESPONSE_CODE, &status);
              if (Is2xx(status)) return true;
              late = MonotonicNowNanos() >= answer_deadline;
              return late;
            }
            return false;
          },
          established ? 5000 : answer_poll_ms);
      if (!s.ok()) break;
      if (!established) {
        long status = 0;
        curl_easy_getinfo(ev.easy, CURLINFO_RESPONSE_CODE, &status);
        if (Is2xx(status)) {
          established = true;
          Established();
        } else if (late && !ev.done) {
          s = Status::Unavailable("GET /events: no answer within the request timeout");
          break;
        }
      }
      // Complete lines only; a partial one waits for its end. Inspects run the transfers meanwhile
      // and may append to ev.body (never move what is before `start`).
      size_t start = 0;
      for (size_t nl; s.ok() && (nl = ev.body.find('\n', start)) != std::string::npos;) {
        const std::string line = ev.body.substr(start, nl - start);
        start = nl + 1;
        s = HandleLine(line);
      }
      ev.body.erase(0, start);
      if (!s.ok()) break;
      if (ev.done) {
        s = Outcome(ev, "GET /events");
        if (s.ok()) s = Status::Unavailable("the event stream ended");
        break;
      }
    }
    End(&ev);
    return s;
  }

  Duration Jittered(Duration d) {
    std::uniform_real_distribution<double> factor(0.8, 1.2);
    const auto ms = static_cast<int64_t>(static_cast<double>(d.count()) * factor(random));
    return Duration(std::clamp<int64_t>(ms, 1, std::max<int64_t>(1, w.options_.retry_max.count())));
  }

  void Loop() {
    while (!w.stop_.load(std::memory_order_acquire)) {
      const int64_t since = WallNowNanos() / kNanosPerSecond - 1;
      Status s = LoadList();
      if (s.ok()) s = WatchEvents(since);
      if (w.stop_.load(std::memory_order_acquire)) break;
      w.failed_attempts_.fetch_add(1, std::memory_order_relaxed);
      if (w.connected_.exchange(false, std::memory_order_acq_rel)) {
        w.disconnects_.fetch_add(1, std::memory_order_relaxed);
      }
      const Duration delay = Jittered(backoff);
      if (!warned) {
        spdlog::warn("docker engine {}: {}; container logs are still read, without fresh metadata; retrying "
                     "quietly (next in {} ms)",
                     w.socket_path_, s.message(), delay.count());
        warned = true;
      } else {
        spdlog::debug("docker engine {}: {}; retrying in {} ms", w.socket_path_, s.message(), delay.count());
      }
      w.SleepBackoff(delay);
      backoff = std::min<Duration>(backoff * 2, std::max(w.options_.retry_max, w.options_.retry_min));
    }
  }
};

DockerEngineWatcher::DockerEngineWatcher(Options options, std::function<void(const std::string& id)> on_change)
    : options_(std::move(options)), on_change_(std::move(on_change)) {}

DockerEngineWatcher::~DockerEngineWatcher() { Stop(); }

Status DockerEngineWatcher::SocketPath(std::string_view socket, std::string* path) {
  std::string_view p = socket;
  if (p.starts_with("unix://")) p.remove_prefix(7);
  if (!p.starts_with('/')) {
    return Status::InvalidArgument("docker socket \"" + std::string(socket) +
                                   "\" is not a unix socket (use unix:///var/run/docker.sock or an absolute path)");
  }
  if (p.find('\0') != std::string_view::npos || p.size() >= sizeof(sockaddr_un::sun_path)) {
    return Status::InvalidArgument("docker socket path \"" + std::string(socket) + "\" is too long or invalid");
  }
  path->assign(p);
  return Status::Ok();
}

Status DockerEngineWatcher::Start() {
  if (thread_.joinable()) return Status::InvalidArgument("the docker engine watcher is already started");
  Status s = SocketPath(options_.socket, &socket_path_);
  if (!s.ok()) return s;
  if (!CurlGlobalInit()) return Status::Unavailable("curl_global_init failed");
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return Status::Unavailable("curl_multi_init failed");
  multi_ = multi;
  stop_.store(false, std::memory_order_release);
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error& e) {
    curl_multi_cleanup(multi);
    multi_ = nullptr;
    return Status::Unavailable(std::string("cannot start the docker engine watcher thread: ") + e.what());
  }
  return Status::Ok();
}

void DockerEngineWatcher::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(sleep_mutex_);
    stop_.store(true, std::memory_order_release);
  }
  sleep_cv_.notify_all();
  curl_multi_wakeup(static_cast<CURLM*>(multi_));  // wakes curl_multi_poll (or its next call)
  thread_.join();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
  multi_ = nullptr;
  connected_.store(false, std::memory_order_release);
}

void DockerEngineWatcher::Run() {
  SetCurrentThreadName("docker-engine");
  Session session(*this, static_cast<CURLM*>(multi_));
  session.Loop();
}

void DockerEngineWatcher::SleepBackoff(Duration delay) {
  std::unique_lock lock(sleep_mutex_);
  sleep_cv_.wait_for(lock, delay, [this] { return stop_.load(std::memory_order_acquire); });
}

std::shared_ptr<const DockerContainerConfig> DockerEngineWatcher::Lookup(std::string_view id) const {
  const std::string key(id);
  std::lock_guard lock(mutex_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

DockerEngineWatcher::Stats DockerEngineWatcher::stats() const {
  Stats s;
  s.connects = connects_.load(std::memory_order_relaxed);
  s.disconnects = disconnects_.load(std::memory_order_relaxed);
  s.events = events_.load(std::memory_order_relaxed);
  s.request_errors = request_errors_.load(std::memory_order_relaxed);
  s.failed_attempts = failed_attempts_.load(std::memory_order_relaxed);
  s.connected = connected_.load(std::memory_order_acquire);
  std::lock_guard lock(mutex_);
  s.containers = cache_.size();
  return s;
}

}  // namespace logcap
