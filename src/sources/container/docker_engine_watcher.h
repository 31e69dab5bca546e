// DockerEngineWatcher: keeps a cache of every Docker container's metadata (name, image, labels,
// Compose project and service, running or not), fed by the Docker Engine API over its unix socket.
//
// Container logs are read from disk whatever happens here: this is optional metadata. When the
// socket is missing or the daemon is down, Lookup answers from what was last known (or nullptr)
// and the watcher keeps retrying quietly: one warning per outage, one info line once it is back.
//
// What the watcher's thread ("docker-engine") does, over and over:
//   1. t0 = wall clock seconds - 1; GET /containers/json?all=1 and replace the whole cache with it
//      (containers no longer listed are removed; hostname, log_path and tty, which the list does not
//      carry, are kept from an earlier inspect of the same id). connected() becomes true, then
//      on_change("").
//   2. GET /events?since=t0&filters={"type":["container"]}: a response that never ends, one JSON
//      object per line (Action/Actor.ID, or the older status/id). create, start, rename, update:
//      GET /containers/{id}/json and store what it says (404: the container is gone, removed);
//      kill too (a signal that may not stop it: `docker kill -s HUP`); die, stop: the entry is
//      replaced by a copy marked not running (no request); destroy: removed.
//      Other actions (exec_*, attach, health_status, ...) are ignored. on_change(id) follows each
//      change of the cache. Events replayed by `since` are applied again, which is harmless.
//   3. A connection error, a timeout, an answer that is not 2xx (except the 404 of an inspect) or
//      the end of the event stream: connected() becomes false, the thread waits (retry_min,
//      doubling up to retry_max, +-20% jitter; back to retry_min once an event stream was
//      established) and starts again at 1.
//   Paths are unversioned (the daemon answers them with its own API version).
//
// Failure: Start fails only for a socket that is not a unix socket ("unix:///path" or "/path";
// InvalidArgument) or when libcurl cannot start (Unavailable); never because the daemon is
// unreachable. A malformed event line or list entry, or an inspect answer that cannot be parsed, is
// logged (at most one warning per 10 s) and counted in Stats::request_errors; it is never fatal.
//
// Threading: Start, Stop and the destructor from one thread. Lookup, connected and stats from any
// thread at any time. on_change runs on the watcher's thread, with no lock of the watcher held; it
// must be cheap, must not block, and must not call Stop (it may call Lookup).
//
// Lifetime: Stop wakes the thread (curl_multi_wakeup and a condition variable) and joins it: it
// returns within milliseconds, also while a request or the event stream is blocked. The cache stays
// readable after Stop (Lookup keeps answering from it). The destructor calls Stop. Start after Stop
// starts again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "config/config.h"
#include "core/status.h"
#include "sources/container/docker_container_config.h"

namespace logcap {

class DockerEngineWatcher {
 public:
  struct Options {
    std::string socket;  // "unix:///var/run/docker.sock" or a plain absolute path "/var/run/docker.sock"
    Duration request_timeout = std::chrono::seconds(5);  // connect, and each request as a whole
    Duration retry_min = std::chrono::seconds(1);
    Duration retry_max = std::chrono::seconds(30);
  };
  struct Stats {
    uint64_t connects = 0;        // container lists loaded
    uint64_t disconnects = 0;     // connected -> not connected
    uint64_t events = 0;          // container events received (applied or ignored)
    uint64_t request_errors = 0;  // malformed events, list entries or inspect answers; answers that are
                                  // not 2xx (besides an inspect's 404); not transport failures
    uint64_t failed_attempts = 0;  // connection attempts (list, then events) that ended in an error
    uint64_t containers = 0;      // entries in the cache
    bool connected = false;
  };

  // on_change(id): called on the watcher's thread after the cache changed for container id (empty
  // id: the whole list was (re)loaded). May be empty.
  DockerEngineWatcher(Options options, std::function<void(const std::string& id)> on_change);
  ~DockerEngineWatcher();
  DockerEngineWatcher(const DockerEngineWatcher&) = delete;
  DockerEngineWatcher& operator=(const DockerEngineWatcher&) = delete;

  // Validates the socket and starts the thread. InvalidArgument for a socket that is not
  // "unix://PATH" or an absolute path (or when already started); Unavailable if libcurl fails.
  Status Start();
  // Stops the thread promptly (see Lifetime). Idempotent.
  void Stop();

  // The cached metadata of the container with this full id, or nullptr.
  std::shared_ptr<const DockerContainerConfig> Lookup(std::string_view id) const;
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  Stats stats() const;

  // The socket path in socket ("unix:///x" -> "/x", "/x" -> "/x"), or InvalidArgument.
  static Status SocketPath(std::string_view socket, std::string* path);

 private:
  struct Session;  // one thread run: curl handles (only the .cpp includes curl)
  friend struct Session;

  void Run();
  void SleepBackoff(Duration delay);

  Options options_;
  std::function<void(const std::string&)> on_change_;
  std::string socket_path_;

  void* multi_ = nullptr;  // CURLM*: created by Start, woken by Stop, freed after the join
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex sleep_mutex_;
  std::condition_variable sleep_cv_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const DockerContainerConfig>> cache_;

  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> disconnects_{0};
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> request_errors_{0};
  std::atomic<uint64_t> failed_attempts_{0};
};

}  // namespace logcap
