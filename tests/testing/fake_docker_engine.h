// FakeDockerEngine: a small Docker Engine API server on a unix socket, for the tests of the code
// that asks Docker for container metadata. Real HTTP/1.1 over a real socket (plain POSIX, its own
// thread, any number of kept-alive connections), answering what the agent asks:
//   GET /containers/json?...      200, a JSON array of the containers added (Id, Names ["/name"],
//                                 Image, ImageID, Labels, State, Status)
//   GET /containers/{id}/json     200, the inspect object (Id, Name "/name", State{Status, Running},
//                                 Config{Hostname, Image, Labels, Tty}, Image, LogPath), or 404
//                                 {"message":"No such container: <id>"}
//   GET /events?...               200, chunked, held open: every PushEvent/PushRaw goes to every
//                                 open events stream
//   GET /_ping                    200 "OK"
// An API version prefix ("/v1.43/containers/json") is accepted. Anything else: 404.
//
// Threading: every method may be called from any thread. PushEvent, PushRaw and DropConnections
// run on the server's thread and return once done (the bytes are written to the sockets).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace logcap::testing {

class FakeDockerEngine {
 public:
  using LabelMap = std::map<std::string, std::string>;

  explicit FakeDockerEngine(std::string socket_path) : path_(std::move(socket_path)) {}
  ~FakeDockerEngine() { Stop(); }
  FakeDockerEngine(const FakeDockerEngine&) = delete;
  FakeDockerEngine& operator=(const FakeDockerEngine&) = delete;

  const std::string& path() const { return path_; }

  // Binds the socket (replacing a stale file) and starts serving. false (with errno-based message
  // on stderr) when the socket cannot be made.
  bool Start() {
    if (thread_.joinable()) return true;
    if (path_.size() >= sizeof(sockaddr_un::sun_path)) return Fail("socket path too long");
    ::unlink(path_.c_str());
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return Fail("socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return Fail("bind");
    if (::listen(listen_fd_, 64) != 0) return Fail("listen");
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return Fail("pipe2");
    stop_ = false;
    thread_ = std::thread([this] { Serve(); });
    return true;
  }

  // Closes every connection and the socket (removes its file). Idempotent.
  void Stop() {
    if (thread_.joinable()) {
      {
        std::lock_guard lock(mutex_);
        stop_ = true;
      }
      Wake();
      thread_.join();
    }
    for (Conn& c : conns_) ::close(c.fd);
    conns_.clear();
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
      ::unlink(path_.c_str());
    }
    for (int& fd : wake_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }

  void AddContainer(const std::string& id, const std::string& name, const std::string& image,
                    const LabelMap& labels = {}, bool running = true, const std::string& log_path = "") {
    std::lock_guard lock(mutex_);
    containers_[id] = Container{name, image, labels, running, log_path};
  }
  void RemoveContainer(const std::string& id) {
    std::lock_guard lock(mutex_);
    containers_.erase(id);
  }
  void SetRunning(const std::string& id, bool running) {
    std::lock_guard lock(mutex_);
    if (auto it = containers_.find(id); it != containers_.end()) it->second.running = running;
  }
  void Rename(const std::string& id, const std::string& name) {
    std::lock_guard lock(mutex_);
    if (auto it = containers_.find(id); it != containers_.end()) it->second.name = name;
  }

  // Sends {"Type":"container","Action":action,"Actor":{"ID":id,"Attributes":{name,image}},...}
  // (plus the older status/id/from keys) as one line to every open events stream. name "": the
  // container's current name.
  void PushEvent(const std::string& action, const std::string& id, const std::string& name = "") {
    std::string image, n = name;
    {
      std::lock_guard lock(mutex_);
      if (auto it = containers_.find(id); it != containers_.end()) {
        image = it->second.image;
        if (n.empty()) n = it->second.name;
      }
    }
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const long long nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
    std::string line = "{\"status\":" + Quote(action) + ",\"id\":" + Quote(id) + ",\"from\":" + Quote(image) +
                       ",\"Type\":\"container\",\"Action\":" + Quote(action) + ",\"Actor\":{\"ID\":" + Quote(id) +
                       ",\"Attributes\":{\"image\":" + Quote(image) + ",\"name\":" + Quote(n) +
                       "}},\"scope\":\"local\",\"time\":" + std::to_string(nanos / 1000000000) +
                       ",\"timeNano\":" + std::to_string(nanos) + "}\n";
    PushRaw(line);
  }

  // Sends bytes as they are, as one chunk, to every open events stream (a partial line, several
  // lines, garbage).
  void PushRaw(const std::string& bytes) {
    RunOnServer([this, bytes] {
      for (Conn& c : conns_) {
        if (c.events) SendChunk(c.fd, bytes);
      }
    });
  }

  // Closes every client connection (the listening socket stays): a daemon restart as clients see it.
  void DropConnections() {
    RunOnServer([this] {
      for (Conn& c : conns_) ::close(c.fd);
      conns_.clear();
    });
  }

  // How many requests had a path (with its query) starting with prefix (version prefix removed).
  size_t requests(std::string_view prefix) const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(std::count_if(requests_.begin(), requests_.end(),
                                             [&](const std::string& p) { return p.starts_with(prefix); }));
  }
  // The paths requested, in order.
  std::vector<std::string> request_log() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  size_t open_event_streams() const {
    std::lock_guard lock(mutex_);
    return open_events_;
  }

  // The ImageID the fake reports for an image name ("sha256:" and 64 hex digits).
  static std::string ImageId(const std::string& image) {
    std::string out = "sha256:";
    size_t h = std::hash<std::string>{}(image);
    for (int i = 0; i < 4; ++i) {
      char buf[17];
      std::snprintf(buf, sizeof buf, "%016zx", h);
      out += buf;
      h = std::hash<std::string>{}(buf);
    }
    return out;
  }

  static std::string Quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  }

 private:
  struct Container {
    std::string name;
    std::string image;
    LabelMap labels;
    bool running = true;
    std::string log_path;
  };
  struct Conn {
    int fd = -1;
    std::string in;
    bool events = false;
  };

  bool Fail(const char* what) {
    std::fprintf(stderr, "FakeDockerEngine %s: %s: %s\n", path_.c_str(), what, std::strerror(errno));
    return false;
  }

  void Wake() {
    const char byte = 1;
    if (wake_[1] >= 0) (void)!::write(wake_[1], &byte, 1);
  }

  // Runs fn on the server's thread and waits for it (runs nothing when the server is not running).
  void RunOnServer(std::function<void()> fn) {
    std::unique_lock lock(mutex_);
    if (!thread_.joinable() || stop_) return;
    const uint64_t ticket = ++queued_;
    commands_.push_back(std::move(fn));
    lock.unlock();
    Wake();
    lock.lock();
    done_cv_.wait(lock, [&] { return executed_ >= ticket || stop_; });
  }

  static void SendAll(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the peer is gone: its connection is closed on the next read
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  static void SendChunk(int fd, std::string_view data) {
    if (data.empty()) return;  // an empty chunk would end the stream
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    SendAll(fd, std::string(size) + std::string(data) + "\r\n");
  }
  static void SendAnswer(int fd, int status, std::string_view reason, const std::string& body) {
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
                       "\r\nApi-Version: 1.43\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n";
    SendAll(fd, head + body);
  }

  static std::string LabelsJson(const LabelMap& labels) {
    std::string out = "{";
    for (const auto& [k, v] : labels) {
      if (out.size() > 1) out += ',';
      out += Quote(k) + ":" + Quote(v);
    }
    return out + "}";
  }

  // Called with mutex_ held.
  std::string ListJson() const {
    std::string out = "[";
    for (const auto& [id, c] : containers_) {
      if (out.size() > 1) out += ',';
      out += "{\"Id\":" + Quote(id) + ",\"Names\":[" + Quote("/" + c.name) + "],\"Image\":" + Quote(c.image) +
             ",\"ImageID\":" + Quote(ImageId(c.image)) + ",\"Command\":\"/bin/sh\",\"Created\":1700000000" +
             ",\"Ports\":[],\"Labels\":" + LabelsJson(c.labels) + ",\"State\":" +
             Quote(c.running ? "running" : "exited") + ",\"Status\":" +
             Quote(c.running ? "Up 5 minutes" : "Exited (0) 1 minute ago") + ",\"HostConfig\":{\"NetworkMode\":\"bridge\"}}";
    }
    return out + "]";
  }
  std::string InspectJson(const std::string& id, const Container& c) const {
    return "{\"Id\":" + Quote(id) + ",\"Created\":\"2026-11-24T06:59:57.918273645Z\",\"Path\":\"/bin/sh\",\"Args\":[]" +
           ",\"State\":{\"Status\":" + Quote(c.running ? "running" : "exited") +
           ",\"Running\":" + (c.running ? "true" : "false") + ",\"Paused\":false,\"Pid\":" +
           (c.running ? "4242" : "0") + ",\"ExitCode\":0}" + ",\"Image\":" + Quote(ImageId(c.image)) +
           ",\"LogPath\":" + Quote(c.log_path) + ",\"Name\":" + Quote("/" + c.name) +
           ",\"RestartCount\":0,\"Config\":{\"Hostname\":" + Quote(id.substr(0, 12)) +
           ",\"Tty\":false,\"Env\":[\"PATH=/usr/bin\"],\"Image\":" + Quote(c.image) +
           ",\"Labels\":" + LabelsJson(c.labels) + "},\"NetworkSettings\":{\"Networks\":{}}}";
  }

  // Answers one request on c. false: close the connection.
  bool Answer(Conn& c, const std::string& request) {
    const size_t line_end = request.find("\r\n");
    const std::string line = request.substr(0, line_end);
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) {
      SendAnswer(c.fd, 400, "Bad Request", "{\"message\":\"bad request\"}");
      return false;
    }
    const std::string method = line.substr(0, sp1);
    std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    // "/v1.43/containers/json" -> "/containers/json"
    if (target.size() > 2 && target[1] == 'v' && std::isdigit(static_cast<unsigned char>(target[2]))) {
      const size_t slash = target.find('/', 1);
      if (slash != std::string::npos) target = target.substr(slash);
    }
    const std::string path = target.substr(0, target.find('?'));
    std::string lower = request;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    const bool close_after = lower.find("\r\nconnection: close") != std::string::npos;

    std::unique_lock lock(mutex_);
    requests_.push_back(target);
    if (method != "GET") {
      lock.unlock();
      SendAnswer(c.fd, 405, "Method Not Allowed", "{\"message\":\"only GET here\"}");
      return !close_after;
    }
    if (path == "/containers/json") {
      const std::string body = ListJson();
      lock.unlock();
      SendAnswer(c.fd, 200, "OK", body);
    } else if (path.starts_with("/containers/") && path.ends_with("/json") && path.size() > 17) {
      const std::string id = path.substr(12, path.size() - 12 - 5);
      auto it = containers_.find(id);
      if (it == containers_.end()) {
        lock.unlock();
        SendAnswer(c.fd, 404, "Not Found", "{\"message\":\"No such container: " + id + "\"}");
      } else {
        const std::string body = InspectJson(id, it->second);
        lock.unlock();
        SendAnswer(c.fd, 200, "OK", body);
      }
    } else if (path == "/events") {
      ++open_events_;
      lock.unlock();
      c.events = true;
      SendAll(c.fd, "HTTP/1.1 200 OK\r\nApi-Version: 1.43\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n");
      return true;
    } else if (path == "/_ping") {
      lock.unlock();
      SendAll(c.fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK");
    } else {
      lock.unlock();
      SendAnswer(c.fd, 404, "Not Found", "{\"message\":\"page not found\"}");
    }
    return !close_after;
  }

  // Reads what c has; answers every complete request. false: close the connection.
  bool OnReadable(Conn& c) {
    char buf[8192];
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n <= 0) return false;
    if (c.events) return true;  // nothing more is read on an events stream
    c.in.append(buf, static_cast<size_t>(n));
    for (size_t end; !c.events && (end = c.in.find("\r\n\r\n")) != std::string::npos;) {
      const std::string request = c.in.substr(0, end + 4);
      c.in.erase(0, end + 4);
      if (!Answer(c, request)) return false;
    }
    return c.in.size() < (1u << 20);
  }

  void Serve() {
    std::vector<pollfd> fds;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        while (!commands_.empty()) {
          std::function<void()> fn = std::move(commands_.front());
          commands_.pop_front();
          lock.unlock();
          fn();
          lock.lock();
          ++executed_;
        }
        RecountEvents();
        done_cv_.notify_all();
        if (stop_) return;
      }
      fds.clear();
      fds.push_back({wake_[0], POLLIN, 0});
      fds.push_back({listen_fd_, POLLIN, 0});
      for (const Conn& c : conns_) fds.push_back({c.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
      if (fds[0].revents != 0) {
        char drain[64];
        while (::read(wake_[0], drain, sizeof drain) > 0) {
        }
      }
      // Connections in fds[2..] are conns_[0..]: handle them before accepting new ones.
      std::vector<Conn> kept;
      for (size_t i = 0; i < conns_.size(); ++i) {
        Conn& c = conns_[i];
        bool keep = true;
        if (fds[i + 2].revents != 0) keep = OnReadable(c);
        if (keep) {
          kept.push_back(std::move(c));
        } else {
          ::close(c.fd);
        }
      }
      conns_ = std::move(kept);
      if (fds[1].revents & POLLIN) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) conns_.push_back(Conn{fd, {}, false});
      }
    }
  }

  // Called with mutex_ held, on the server's thread.
  void RecountEvents() {
    open_events_ = static_cast<size_t>(std::count_if(conns_.begin(), conns_.end(), [](const Conn& c) { return c.events; }));
  }

  const std::string path_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::vector<Conn> conns_;  // the server's thread only (and Stop, after the join)

  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  bool stop_ = false;
  std::deque<std::function<void()>> commands_;
  uint64_t queued_ = 0;
  uint64_t executed_ = 0;
  std::map<std::string, Container> containers_;
  std::vector<std::string> requests_;
  size_t open_events_ = 0;
};

}  // namespace logcap::testing
