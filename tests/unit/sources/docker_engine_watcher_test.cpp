// DockerEngineWatcher against FakeDockerEngine: real HTTP/1.1 over a real unix socket.
#include "sources/container/docker_engine_watcher.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "testing/fake_docker_engine.h"
#include "unit/sources/file_test_util.h"

namespace logcap {
namespace {

using testing::FakeDockerEngine;
using testing::TempDir;
using testing::WaitFor;

constexpr std::chrono::seconds kWait{10};

std::string Id(char c) { return std::string(64, c); }

// Records on_change calls (from the watcher's thread).
class Changes {
 public:
  void Add(const std::string& id) {
    std::lock_guard lock(mutex_);
    ids_.push_back(id);
  }
  size_t Count(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return static_cast<size_t>(std::count(ids_.begin(), ids_.end(), id));
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> ids_;
};

class DockerEngineWatcherTest : public ::testing::Test {
 protected:
  DockerEngineWatcherTest() : fake_(dir_ / "docker.sock") {}

  DockerEngineWatcher::Options Opts(std::string socket = "") const {
    DockerEngineWatcher::Options o;
    o.socket = socket.empty() ? "unix://" + fake_.path() : socket;
    o.request_timeout = std::chrono::seconds(2);
    o.retry_min = std::chrono::milliseconds(20);
    o.retry_max = std::chrono::milliseconds(200);
    return o;
  }

  // Starts the watcher and waits until it listed the containers and follows the event stream.
  void StartWatching() {
    watcher_ = std::make_unique<DockerEngineWatcher>(Opts(), [this](const std::string& id) { changes_.Add(id); });
    ASSERT_TRUE(watcher_->Start().ok());
    ASSERT_TRUE(WaitFor([&] { return watcher_->connected() && fake_.open_event_streams() == 1; }, kWait));
  }

  TempDir dir_;
  FakeDockerEngine fake_;
  Changes changes_;
  std::unique_ptr<DockerEngineWatcher> watcher_;
};

TEST_F(DockerEngineWatcherTest, ListFillsTheCache) {
  fake_.AddContainer(Id('a'), "shop-web-1", "nginx:1.25",
                     {{"com.docker.compose.project", "shop"}, {"com.docker.compose.service", "web"}, {"tier", "front"}},
                     true);
  fake_.AddContainer(Id('b'), "batch", "busybox", {}, false);
  ASSERT_TRUE(fake_.Start());
  StartWatching();

  auto web = watcher_->Lookup(Id('a'));
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->id, Id('a'));
  EXPECT_EQ(web->name, "shop-web-1");
  EXPECT_EQ(web->image, "nginx:1.25");
  EXPECT_EQ(web->image_id, FakeDockerEngine::ImageId("nginx:1.25"));
  EXPECT_TRUE(web->running);
  EXPECT_EQ(web->compose_project, "shop");
  EXPECT_EQ(web->compose_service, "web");
  EXPECT_EQ(web->labels.size(), 3u);
  ASSERT_NE(web->labels.Find("tier"), nullptr);
  EXPECT_EQ(*web->labels.Find("tier"), "front");

  auto batch = watcher_->Lookup(Id('b'));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->name, "batch");
  EXPECT_FALSE(batch->running);
  EXPECT_TRUE(batch->labels.empty());
  EXPECT_EQ(batch->compose_project, "");

  EXPECT_EQ(watcher_->Lookup(Id('c')), nullptr);
  EXPECT_EQ(watcher_->Lookup("shop-web-1"), nullptr);  // by id only
  EXPECT_GE(changes_.Count(""), 1u);
  const auto stats = watcher_->stats();
  EXPECT_EQ(stats.containers, 2u);
  EXPECT_EQ(stats.connects, 1u);
  EXPECT_TRUE(stats.connected);
  EXPECT_EQ(fake_.requests("/containers/json?all=1"), 1u);
  // The event stream asks for container events from a second before the list.
  bool filtered = false;
  for (const std::string& path : fake_.request_log()) {
    if (path.starts_with("/events?since=") &&
        path.find("filters=%7B%22type%22%3A%5B%22container%22%5D%7D") != std::string::npos) {
      filtered = true;
    }
  }
  EXPECT_TRUE(filtered);
}

TEST_F(DockerEngineWatcherTest, StartEventInspectsTheNewContainer) {
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  EXPECT_EQ(watcher_->Lookup(Id('d')), nullptr);

  fake_.AddContainer(Id('d'), "api", "example/api:2", {{"com.docker.compose.project", "shop"}}, true,
                     "/var/lib/docker/containers/" + Id('d') + "/" + Id('d') + "-json.log");
  fake_.PushEvent("start", Id('d'));
  ASSERT_TRUE(WaitFor([&] { return changes_.Count(Id('d')) == 1; }, kWait));
  auto api = watcher_->Lookup(Id('d'));
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->name, "api");
  EXPECT_EQ(api->image, "example/api:2");
  EXPECT_EQ(api->image_id, FakeDockerEngine::ImageId("example/api:2"));
  EXPECT_EQ(api->hostname, Id('d').substr(0, 12));  // only the inspect says these
  EXPECT_EQ(api->log_path, "/var/lib/docker/containers/" + Id('d') + "/" + Id('d') + "-json.log");
  EXPECT_TRUE(api->running);
  EXPECT_EQ(api->compose_project, "shop");
  EXPECT_EQ(fake_.requests("/containers/" + Id('d') + "/json"), 1u);
  EXPECT_EQ(watcher_->stats().events, 1u);
  EXPECT_EQ(watcher_->stats().containers, 1u);
}

TEST_F(DockerEngineWatcherTest, RenameUpdatesTheName) {
  fake_.AddContainer(Id('a'), "old-name", "nginx");
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  ASSERT_EQ(watcher_->Lookup(Id('a'))->name, "old-name");

  fake_.Rename(Id('a'), "new-name");
  fake_.PushEvent("rename", Id('a'));
  ASSERT_TRUE(WaitFor([&] { return changes_.Count(Id('a')) == 1; }, kWait));
  EXPECT_EQ(watcher_->Lookup(Id('a'))->name, "new-name");
}

TEST_F(DockerEngineWatcherTest, DieMarksNotRunningWithoutAskingAndKeepsOldCopiesIntact) {
  fake_.AddContainer(Id('a'), "web", "nginx", {{"tier", "front"}});
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  auto before = watcher_->Lookup(Id('a'));
  ASSERT_NE(before, nullptr);
  ASSERT_TRUE(before->running);

  fake_.SetRunning(Id('a'), false);
  fake_.PushEvent("die", Id('a'));
  ASSERT_TRUE(WaitFor([&] { return changes_.Count(Id('a')) == 1; }, kWait));
  auto after = watcher_->Lookup(Id('a'));
  ASSERT_NE(after, nullptr);
  EXPECT_FALSE(after->running);
  EXPECT_EQ(after->name, "web");
  EXPECT_EQ(*after->labels.Find("tier"), "front");
  EXPECT_TRUE(before->running);  // copy on write: a reader's entry never changes under it
  EXPECT_EQ(fake_.requests("/containers/" + Id('a')), 0u);

  // A second stop changes nothing: no second on_change.
  fake_.PushEvent("stop", Id('a'));
  fake_.PushEvent("destroy", Id('a'));
  ASSERT_TRUE(WaitFor([&] { return changes_.Count(Id('a')) == 2; }, kWait));
  EXPECT_EQ(watcher_->Lookup(Id('a')), nullptr);
  EXPECT_EQ(watcher_->stats().events, 3u);
}

TEST_F(DockerEngineWatcherTest, KillAsksBecauseASignalMayNotStopTheContainer) {
  fake_.AddContainer(Id('a'), "web", "nginx");
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  fake_.PushEvent("kill", Id('a'));  // docker kill -s HUP: still running
  ASSERT_TRUE(WaitFor([&] { return changes_.Count(Id('a')) == 1; }, kWait));
  EXPECT_EQ(fake_.requests("/containers/" + Id('a') + "/json"), 1u);
  EXPECT_TRUE(watcher_->Lookup(Id('a'))->running);

  fake_.SetRunning(Id('a'), false);  // docker kill: the container dies
  fake_.PushEvent("kill", Id('a'));
  fake_.PushEvent("die", Id('a'));
  ASSERT_TRUE(WaitFor([&] { return !watcher_->Lookup(Id('a'))->running; }, kWait));
}

TEST_F(DockerEngineWatcherTest, DestroyRemoves) {
  fake_.AddContainer(Id('a'), "web", "nginx");
  fake_.AddContainer(Id('b'), "db", "postgres");
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  ASSERT_NE(watcher_->Lookup(Id('a')), nullptr);

  fake_.RemoveContainer(Id('a'));
  fake_.PushEvent("destroy", Id('a'), "web");
  ASSERT_TRUE(WaitFor([&] { return changes_.Count(Id('a')) == 1; }, kWait));
  EXPECT_EQ(watcher_->Lookup(Id('a')), nullptr);
  EXPECT_NE(watcher_->Lookup(Id('b')), nullptr);
  EXPECT_EQ(watcher_->stats().containers, 1u);
}

TEST_F(DockerEngineWatcherTest, OlderEventFormatAndIgnoredActions) {
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  fake_.AddContainer(Id('e'), "old", "busybox");
  // exec_* and attach are ignored (no inspect); a network event is ignored too.
  fake_.PushRaw("{\"Type\":\"container\",\"Action\":\"exec_start: sh -c true\",\"Actor\":{\"ID\":\"" + Id('e') +
                "\"}}\n{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"" + Id('f') + "\"}}\n");
  // Daemons before API 1.22 only send status and id.
  fake_.PushRaw("{\"status\":\"start\",\"id\":\"" + Id('e') + "\",\"from\":\"busybox\",\"time\":1700000000}\n");
  ASSERT_TRUE(WaitFor([&] { return changes_.Count(Id('e')) == 1; }, kWait));
  ASSERT_NE(watcher_->Lookup(Id('e')), nullptr);
  EXPECT_EQ(watcher_->Lookup(Id('e'))->name, "old");
  EXPECT_EQ(fake_.requests("/containers/" + Id('e') + "/json"), 1u);  // only for start
  EXPECT_EQ(watcher_->stats().request_errors, 0u);
}

TEST_F(DockerEngineWatcherTest, CreateOfAContainerAlreadyGoneLeavesNothing) {
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  fake_.PushEvent("create", Id('9'));  // the fake does not know it: the inspect answers 404
  fake_.AddContainer(Id('a'), "web", "nginx");
  fake_.PushEvent("start", Id('a'));
  ASSERT_TRUE(WaitFor([&] { return watcher_->Lookup(Id('a')) != nullptr; }, kWait));
  EXPECT_EQ(fake_.requests("/containers/" + Id('9') + "/json"), 1u);
  EXPECT_EQ(watcher_->Lookup(Id('9')), nullptr);
  EXPECT_EQ(changes_.Count(Id('9')), 0u);
  EXPECT_TRUE(watcher_->connected());
  EXPECT_EQ(watcher_->stats().disconnects, 0u);
  EXPECT_EQ(watcher_->stats().request_errors, 0u);
}

TEST_F(DockerEngineWatcherTest, EventSplitAcrossReadsIsAppliedOnceComplete) {
  fake_.AddContainer(Id('a'), "web", "nginx");
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  const std::string event = "{\"Type\":\"container\",\"Action\":\"destroy\",\"Actor\":{\"ID\":\"" + Id('a') +
                            "\",\"Attributes\":{\"name\":\"web\"}},\"time\":1700000000}\n";
  fake_.PushRaw(event.substr(0, 30));
  // The first half alone is not an event: nothing happens (checked after the second half shows
  // the stream is processed in order).
  fake_.PushRaw(event.substr(30, 20));
  EXPECT_NE(watcher_->Lookup(Id('a')), nullptr);
  fake_.PushRaw(event.substr(50));
  ASSERT_TRUE(WaitFor([&] { return watcher_->Lookup(Id('a')) == nullptr; }, kWait));
  EXPECT_EQ(watcher_->stats().request_errors, 0u);
  EXPECT_EQ(watcher_->stats().events, 1u);
}

TEST_F(DockerEngineWatcherTest, MalformedEventIsCountedAndTheNextOneStillApplies) {
  fake_.AddContainer(Id('a'), "web", "nginx");
  fake_.AddContainer(Id('b'), "db", "postgres");
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  fake_.PushRaw("this is not json\n");
  fake_.PushRaw("{\"Type\":\"container\",\"Action\":\"destroy\"}\n");  // no id
  fake_.PushRaw("{\"Type\":\"container\",\"Action\":\"destroy\",\"Actor\":{\"ID\":\"../../x\"}}\n");  // not an id
  fake_.PushEvent("destroy", Id('a'));
  ASSERT_TRUE(WaitFor([&] { return watcher_->Lookup(Id('a')) == nullptr; }, kWait));
  EXPECT_EQ(watcher_->stats().request_errors, 3u);
  EXPECT_NE(watcher_->Lookup(Id('b')), nullptr);
  EXPECT_TRUE(watcher_->connected());
  EXPECT_EQ(watcher_->stats().disconnects, 0u);
}

TEST_F(DockerEngineWatcherTest, DaemonAbsentAtStartThenConnectsWhenItComes) {
  watcher_ = std::make_unique<DockerEngineWatcher>(Opts(), [this](const std::string& id) { changes_.Add(id); });
  ASSERT_TRUE(watcher_->Start().ok());  // no socket file at all
  // It keeps trying (and failing) without ever being connected.
  ASSERT_TRUE(WaitFor([&] { return watcher_->stats().failed_attempts >= 3; }, kWait));
  EXPECT_FALSE(watcher_->connected());
  EXPECT_EQ(watcher_->Lookup(Id('a')), nullptr);
  EXPECT_EQ(watcher_->stats().connects, 0u);
  EXPECT_EQ(watcher_->stats().containers, 0u);
  EXPECT_EQ(watcher_->stats().request_errors, 0u);  // an absent daemon is not a request error

  fake_.AddContainer(Id('a'), "web", "nginx");
  ASSERT_TRUE(fake_.Start());
  ASSERT_TRUE(WaitFor([&] { return watcher_->connected(); }, kWait));
  ASSERT_NE(watcher_->Lookup(Id('a')), nullptr);
  EXPECT_EQ(watcher_->Lookup(Id('a'))->name, "web");
  EXPECT_EQ(watcher_->stats().connects, 1u);
  EXPECT_EQ(watcher_->stats().disconnects, 0u);  // never connected before
  EXPECT_GE(changes_.Count(""), 1u);
}

TEST_F(DockerEngineWatcherTest, DroppedConnectionsReconnectAndReloadTheList) {
  fake_.AddContainer(Id('a'), "web", "nginx");
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  ASSERT_EQ(fake_.requests("/containers/json"), 1u);

  // While the daemon "restarts", a container appears and one goes, with no event for either.
  fake_.RemoveContainer(Id('a'));
  fake_.AddContainer(Id('b'), "db", "postgres");
  fake_.DropConnections();
  ASSERT_TRUE(WaitFor([&] { return watcher_->Lookup(Id('b')) != nullptr; }, kWait));
  EXPECT_EQ(watcher_->Lookup(Id('a')), nullptr);
  EXPECT_GE(fake_.requests("/containers/json"), 2u);
  ASSERT_TRUE(WaitFor([&] { return watcher_->connected() && fake_.open_event_streams() == 1; }, kWait));
  const auto stats = watcher_->stats();
  EXPECT_GE(stats.disconnects, 1u);
  EXPECT_GE(stats.connects, 2u);
  EXPECT_EQ(stats.containers, 1u);

  // Events flow again on the new stream.
  fake_.PushEvent("die", Id('b'));
  ASSERT_TRUE(WaitFor([&] { return !watcher_->Lookup(Id('b'))->running; }, kWait));
}

TEST_F(DockerEngineWatcherTest, DaemonGoneKeepsTheCacheAndReportsNotConnected) {
  fake_.AddContainer(Id('a'), "web", "nginx");
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  fake_.Stop();  // the socket file is gone too
  ASSERT_TRUE(WaitFor([&] { return !watcher_->connected(); }, kWait));
  const uint64_t failed = watcher_->stats().failed_attempts;
  ASSERT_TRUE(WaitFor([&] { return watcher_->stats().failed_attempts >= failed + 2; }, kWait));  // retrying
  EXPECT_FALSE(watcher_->connected());
  EXPECT_EQ(watcher_->stats().disconnects, 1u);  // one outage, however many attempts
  ASSERT_NE(watcher_->Lookup(Id('a')), nullptr);  // what was known stays known
  EXPECT_EQ(watcher_->Lookup(Id('a'))->name, "web");
}

TEST_F(DockerEngineWatcherTest, StopReturnsPromptlyWhileTheEventStreamIsOpen) {
  ASSERT_TRUE(fake_.Start());
  StartWatching();
  const auto start = std::chrono::steady_clock::now();
  watcher_->Stop();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_FALSE(watcher_->connected());
  watcher_->Stop();  // idempotent
}

TEST_F(DockerEngineWatcherTest, StopReturnsPromptlyWhileADaemonDoesNotAnswer) {
  // A listening socket that accepts nothing and answers nothing: the request hangs.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = dir_ / "mute.sock";
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  auto o = Opts("unix://" + path);
  o.request_timeout = std::chrono::seconds(60);
  DockerEngineWatcher watcher(o, nullptr);
  ASSERT_TRUE(watcher.Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the request get stuck
  const auto start = std::chrono::steady_clock::now();
  watcher.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(watcher.connected());
  ::close(fd);
}

TEST_F(DockerEngineWatcherTest, BadSocketUrlsAreRefused) {
  for (const std::string socket : {"tcp://1.2.3.4:2375", "", "unix://", "unix://relative.sock", "docker.sock",
                                   "http://localhost/var/run/docker.sock", "npipe:////./pipe/docker_engine"}) {
    DockerEngineWatcher::Options o = Opts();
    o.socket = socket;
    DockerEngineWatcher bad(o, nullptr);
    const Status s = bad.Start();
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << "\"" << socket << "\": " << s.ToString();
  }
  std::string path;
  ASSERT_TRUE(DockerEngineWatcher::SocketPath("unix:///var/run/docker.sock", &path).ok());
  EXPECT_EQ(path, "/var/run/docker.sock");
  ASSERT_TRUE(DockerEngineWatcher::SocketPath("/run/user/1000/docker.sock", &path).ok());
  EXPECT_EQ(path, "/run/user/1000/docker.sock");
  EXPECT_FALSE(DockerEngineWatcher::SocketPath("/" + std::string(200, 'x'), &path).ok());
}

}  // namespace
}  // namespace logcap
