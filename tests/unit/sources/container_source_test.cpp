// Whole ContainerSource runs: Docker json-file and CRI logs written by the test in the runtimes'
// exact formats into a temp directory, read into a collecting BatchConsumer.
#include "sources/container/container_source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "sources/container/self_identity.h"
#include "telemetry/metrics.h"
#include "testing/fake_docker_engine.h"
#include "unit/sources/file_test_util.h"

namespace logcap {
namespace {

using namespace std::chrono_literals;
using testing::AppendFile;
using testing::CapturedEvent;
using testing::CollectingConsumer;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

std::string Id(char c) { return std::string(64, c); }

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

// One json-file record exactly as Docker writes it.
std::string DockerRecord(std::string_view log, std::string_view stream = "stdout",
                         std::string_view time = "2026-11-24T07:00:00.123456789Z") {
  return "{\"log\":\"" + JsonEscape(log) + "\",\"stream\":\"" + std::string(stream) + "\",\"time\":\"" +
         std::string(time) + "\"}\n";
}

// Docker's json-file driver cuts a line into records of at most 16 KiB; only the last has the '\n'.
std::string DockerSplitRecords(const std::string& line, std::string_view stream = "stdout") {
  constexpr size_t kPart = 16 * 1024;
  std::string out;
  for (size_t pos = 0; pos < line.size(); pos += kPart) {
    std::string part = line.substr(pos, kPart);
    if (pos + kPart >= line.size()) part += "\n";
    out += DockerRecord(part, stream);
  }
  return out;
}

std::string CriLine(std::string_view message, std::string_view stream = "stdout", std::string_view tag = "F",
                    std::string_view time = "2026-11-24T07:00:01.5+01:00") {
  return std::string(time) + " " + std::string(stream) + " " + std::string(tag) + " " + std::string(message) + "\n";
}

std::string ConfigV2(const std::string& id, const std::string& name, const std::string& image,
                     const std::map<std::string, std::string>& labels = {}) {
  std::string l;
  for (const auto& [k, v] : labels) l += (l.empty() ? "" : ",") + ("\"" + k + "\":\"" + v + "\"");
  return "{\"ID\":\"" + id + "\",\"Name\":\"/" + name + "\",\"State\":{\"Running\":true,\"Pid\":42},\"Config\":{"
         "\"Hostname\":\"" + id.substr(0, 12) + "\",\"Image\":\"" + image + "\",\"Labels\":{" + l +
         "},\"Env\":[\"PATH=/usr/bin\"]},\"Image\":\"sha256:" + std::string(64, '9') +
         "\",\"LogPath\":\"/var/lib/docker/containers/" + id + "/" + id + "-json.log\",\"NetworkSettings\":{}}";
}

std::vector<std::string> MessagesOf(const std::vector<CapturedEvent>& events) {
  std::vector<std::string> messages;
  for (const CapturedEvent& e : events) messages.push_back(e.message);
  return messages;
}

std::string Label(const CapturedEvent& e, const std::string& key) {
  const std::string* v = e.labels.Find(key);
  return v ? *v : std::string("<none>");
}

class ContainerSourceTest : public ::testing::Test {
 protected:
  ContainerSourceTest() : docker_(dir_ / "docker"), pods_(dir_ / "log/pods"), positions_(dir_ / "positions") {
    std::filesystem::create_directories(docker_);
    std::filesystem::create_directories(pods_);
  }

  ContainerMonitorConfig Config() {
    ContainerMonitorConfig c;
    c.enabled = true;
    c.docker_root = docker_;
    c.docker_socket = "";
    c.cri_include = {pods_ + "/*/*/*.log"};
    c.labels = {{"job", "containers"}};
    c.scan_interval = 100ms;
    c.partial_line_timeout = 1h;
    return c;
  }
  std::unique_ptr<ContainerSource> Make(const ContainerMonitorConfig& c, SelfIdentity self = {}) {
    self.hostname = "not-a-container";
    return std::make_unique<ContainerSource>("container_monitor", c, positions_, 50ms, self);
  }
  void Start(ContainerSource& s, CollectingConsumer& out) {
    SourceContext ctx;
    ctx.output = &out;
    ctx.metrics = &metrics_;
    ctx.max_batch_events = 100;
    Status st = s.Start(ctx);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  // Starts a source with c, waits until n events came (or the deadline passed), stops it, and
  // returns the events.
  std::vector<CapturedEvent> ReadEvents(const ContainerMonitorConfig& c, size_t n) {
    CollectingConsumer out;
    auto source = Make(c);
    Start(*source, out);
    const bool got = out.WaitForCount(n);
    source->Stop();
    EXPECT_TRUE(source->Finish().ok());
    EXPECT_TRUE(got) << "got " << out.Count() << " of " << n << " events";
    return out.Events();
  }
  // Creates <docker_root>/<id>/ with config.v2.json (unless name is empty) and returns the log path.
  std::string AddDockerContainer(const std::string& id, const std::string& name, const std::string& image = "nginx:1.25",
                                 const std::map<std::string, std::string>& labels = {}) {
    std::filesystem::create_directories(docker_ + "/" + id);
    if (!name.empty()) WriteFile(docker_ + "/" + id + "/config.v2.json", ConfigV2(id, name, image, labels));
    return docker_ + "/" + id + "/" + id + "-json.log";
  }
  std::string AddPod(const std::string& ns, const std::string& pod, const std::string& uid, const std::string& container) {
    const std::string dir = pods_ + "/" + ns + "_" + pod + "_" + uid + "/" + container;
    std::filesystem::create_directories(dir);
    return dir + "/0.log";
  }
  double Malformed(const std::string& format) {
    return metrics_.ContainerMalformedRecords("container_monitor", format).Value();
  }

  TempDir dir_;
  std::string docker_;
  std::string pods_;
  std::string positions_;
  Metrics metrics_;
};

TEST_F(ContainerSourceTest, DockerRecordsBecomeTheLinesTheContainerWroteWithItsMetadata) {
  const std::string id = Id('a');
  const std::string log = AddDockerContainer(id, "shop-web-1", "nginx:1.25",
                                             {{"com.docker.compose.project", "shop"},
                                              {"com.docker.compose.service", "web"},
                                              {"tier", "front"}});
  const std::string long_line(40000, 'x');  // Docker writes it as three records
  WriteFile(log, DockerRecord("hello \"world\"\n") + DockerRecord("oops\n", "stderr", "2026-11-24T07:00:02Z") +
                     DockerSplitRecords(long_line) + DockerRecord("tty line\r\n") + "{\"log\":\"broken\n" +
                     DockerRecord("no newline at the end") + DockerRecord("after\n"));
  const std::vector<CapturedEvent> events = ReadEvents(Config(), 6);
  // The record without a newline is a part: it is joined with the next record of its stream.
  ASSERT_EQ(events.size(), 6u);

  EXPECT_EQ(events[0].message, "hello \"world\"");
  EXPECT_EQ(events[0].source_type, "docker");
  EXPECT_EQ(events[0].source_id, id);
  EXPECT_EQ(events[0].source_name, "shop-web-1");
  EXPECT_EQ(events[0].component, "container_monitor");
  EXPECT_EQ(events[0].source_time, 1795503600123456789);  // 2026-11-24T07:00:00.123456789Z
  EXPECT_EQ(Label(events[0], "container_name"), "shop-web-1");
  EXPECT_EQ(Label(events[0], "image"), "nginx:1.25");
  EXPECT_EQ(Label(events[0], "compose_project"), "shop");
  EXPECT_EQ(Label(events[0], "compose_service"), "web");
  EXPECT_EQ(Label(events[0], "stream"), "stdout");
  EXPECT_EQ(Label(events[0], "job"), "containers");
  EXPECT_EQ(Label(events[0], "tier"), "<none>");  // container labels are not event labels

  EXPECT_EQ(events[1].message, "oops");
  EXPECT_EQ(Label(events[1], "stream"), "stderr");
  EXPECT_EQ(events[1].source_time, 1795503602000000000);

  EXPECT_EQ(events[2].message, long_line);
  EXPECT_EQ(events[2].flags, 0);
  EXPECT_EQ(events[3].message, "tty line");

  EXPECT_EQ(events[4].message, "{\"log\":\"broken");
  EXPECT_EQ(events[4].flags, kFlagMalformed);
  EXPECT_EQ(Label(events[4], "stream"), "<none>");
  EXPECT_EQ(events[4].source_id, id);
  EXPECT_EQ(Malformed("docker"), 1);

  EXPECT_EQ(events[5].message, "no newline at the endafter");

  // The position is past everything, in the container source's own positions file.
  const std::string saved = testing::ReadFile(positions_ + "/container_positions.json");
  EXPECT_NE(saved.find(log), std::string::npos) << saved;
  EXPECT_NE(saved.find("\"offset\":" + std::to_string(std::filesystem::file_size(log))), std::string::npos) << saved;
}

TEST_F(ContainerSourceTest, MalformedRecordsOfEveryKindArePassedOnRawAndCounted) {
  const std::string id = Id('b');
  const std::string log = AddDockerContainer(id, "api");
  WriteFile(log, std::string("not json at all\n") + "{\"stream\":\"stdout\",\"time\":\"2026-11-24T07:00:00Z\"}\n" +
                     "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"yesterday\"}\n" +
                     "{\"log\":\"x\\n\",\"stream\":\"stdlog\",\"time\":\"2026-11-24T07:00:00Z\"}\n" + DockerRecord("fine\n"));
  const std::string cri = AddPod("shop", "web-7d4b9c", "0f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "nginx");
  WriteFile(cri, "2026-11-24T07:00:00Z stdout X bad tag\nno time here\n" + CriLine("fine too"));
  CollectingConsumer out;
  auto source = Make(Config());
  Start(*source, out);
  ASSERT_TRUE(out.WaitForCount(8)) << out.Count();
  source->Stop();
  ASSERT_TRUE(source->Finish().ok());
  size_t malformed = 0;
  std::set<std::string> messages;
  for (const CapturedEvent& e : out.Events()) {
    messages.insert(e.message);
    if (e.flags & kFlagMalformed) ++malformed;
  }
  EXPECT_EQ(malformed, 6u);
  EXPECT_TRUE(messages.count("not json at all"));
  EXPECT_TRUE(messages.count("no time here"));
  EXPECT_TRUE(messages.count("fine"));
  EXPECT_TRUE(messages.count("fine too"));
  EXPECT_EQ(Malformed("docker"), 4);
  EXPECT_EQ(Malformed("cri"), 2);
  EXPECT_NE(source->StatsJson().find("\"malformed_records\":6"), std::string::npos) << source->StatsJson();
}

TEST_F(ContainerSourceTest, DockerRotationMidStreamLosesNothingAndRestartDoesNotReadHistoryAgain) {
  const std::string id = Id('c');
  const std::string log = AddDockerContainer(id, "worker");
  std::string first;
  for (int i = 0; i < 500; ++i) first += DockerRecord("line-" + std::to_string(i) + "\n");
  WriteFile(log, first);
  CollectingConsumer out;
  auto source = Make(Config());
  Start(*source, out);
  ASSERT_TRUE(out.WaitForCount(500));
  // Docker's rotation: the file is renamed to .1 (older ones shift), a new one is created. A part
  // of a long line is left at the end of the old file and its end is in the new one.
  AppendFile(log, DockerRecord("line-500\n") + DockerRecord(std::string(16384, 'p')));
  ASSERT_EQ(::rename(log.c_str(), (log + ".1").c_str()), 0);
  std::string second = DockerRecord("-end of the long line\n");
  for (int i = 501; i < 1000; ++i) second += DockerRecord("line-" + std::to_string(i) + "\n");
  WriteFile(log, second);
  // The held part is reported when the rotated file is released (rotate_wait after its end).
  ASSERT_TRUE(out.WaitForCount(1002)) << out.Count();
  source->Stop();
  ASSERT_TRUE(source->Finish().ok());

  std::vector<std::string> messages = out.Messages();
  ASSERT_EQ(messages.size(), 1002u);
  for (int i = 0; i <= 500; ++i) EXPECT_EQ(messages[i], "line-" + std::to_string(i));
  // The part left in the rotated file is reported when that file is released (partial), and the
  // rest of the line as it comes in the new file: nothing is lost, the break is flagged.
  const std::set<std::string> tail(messages.begin() + 501, messages.end());
  EXPECT_TRUE(tail.count(std::string(16384, 'p')));
  EXPECT_TRUE(tail.count("-end of the long line"));
  for (int i = 501; i < 1000; ++i) EXPECT_TRUE(tail.count("line-" + std::to_string(i))) << i;

  // Restart: nothing is read again; new lines are.
  AppendFile(log, DockerRecord("after restart\n"));
  CollectingConsumer again;
  auto restarted = Make(Config());
  Start(*restarted, again);
  ASSERT_TRUE(again.WaitForCount(1));
  std::this_thread::sleep_for(300ms);  // a chance to (wrongly) read more
  restarted->Stop();
  ASSERT_TRUE(restarted->Finish().ok());
  EXPECT_EQ(again.Messages(), std::vector<std::string>{"after restart"});
}

TEST_F(ContainerSourceTest, APartHeldAtShutdownIsReadAgainAfterARestartAndJoinedWhole) {
  const std::string id = Id('7');
  const std::string log = AddDockerContainer(id, "slow-writer");
  const std::string head(16384, 'h');
  WriteFile(log, DockerRecord("before\n") + DockerRecord(head) + DockerRecord("on stderr meanwhile\n", "stderr"));
  {
    CollectingConsumer out;
    auto source = Make(Config());
    Start(*source, out);
    ASSERT_TRUE(out.WaitForCount(2));
    source->Stop();
    ASSERT_TRUE(source->Finish().ok());
    EXPECT_EQ(out.Messages(), (std::vector<std::string>{"before", "on stderr meanwhile"}));
  }
  AppendFile(log, DockerRecord("tail\n"));
  CollectingConsumer out;
  auto source = Make(Config());
  Start(*source, out);
  ASSERT_TRUE(WaitFor([&] { return out.HasMessage(head + "tail"); }));
  source->Stop();
  ASSERT_TRUE(source->Finish().ok());
  // The saved position stayed before the held part: it is read again and joined with its end. The
  // stderr line after it is read again too (at least once: a duplicate, never a loss).
  EXPECT_EQ(out.Messages(), (std::vector<std::string>{"on stderr meanwhile", head + "tail"}));
}

TEST_F(ContainerSourceTest, ContainerRemovedWhileTheAgentWasDownIsReadToTheEndOfWhatRemains) {
  const std::string id = Id('d');
  const std::string log = AddDockerContainer(id, "batch-job");
  WriteFile(log, DockerRecord("one\n"));
  {
    CollectingConsumer out;
    auto source = Make(Config());
    Start(*source, out);
    ASSERT_TRUE(out.WaitForCount(1));
    source->Stop();
    ASSERT_TRUE(source->Finish().ok());
  }
  // While the agent is down the container writes more, then exits; its config is gone (docker rm
  // in progress) but the log file is still there.
  AppendFile(log, DockerRecord("two\n") + DockerRecord("three\n"));
  std::filesystem::remove(docker_ + "/" + id + "/config.v2.json");
  const std::vector<CapturedEvent> events = ReadEvents(Config(), 2);
  ASSERT_EQ(MessagesOf(events), (std::vector<std::string>{"two", "three"}));
  EXPECT_EQ(events[0].source_id, id);
}

TEST_F(ContainerSourceTest, CriLogsJoinPartsTakeThePathAndTheContainerIdOfTheKubeletLink) {
  const std::string uid = "0f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
  const std::string log = AddPod("shop", "web-7d4b9c-x2x9q", uid, "nginx");
  // The kubelet's link in <log>/containers names the container id.
  const std::string links = dir_ / "log/containers";
  std::filesystem::create_directories(links);
  const std::string cid = Id('e');
  ASSERT_EQ(::symlink(log.c_str(), (links + "/web-7d4b9c-x2x9q_shop_nginx-" + cid + ".log").c_str()), 0);
  WriteFile(log, CriLine("GET / 200") + CriLine("part one, ", "stdout", "P") + CriLine("an error", "stderr") +
                     CriLine("part two", "stdout", "F") + CriLine("", "stdout", "F") + CriLine("new runtime tag", "stdout", "F:x"));
  const std::vector<CapturedEvent> events = ReadEvents(Config(), 5);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].message, "GET / 200");
  EXPECT_EQ(events[0].source_type, "cri");
  EXPECT_EQ(events[0].source_id, cid);
  EXPECT_EQ(events[0].source_name, "nginx");
  EXPECT_EQ(events[0].source_time, 1795500001500000000);  // 07:00:01.5+01:00 = 06:00:01.5Z
  EXPECT_EQ(Label(events[0], "namespace"), "shop");
  EXPECT_EQ(Label(events[0], "pod"), "web-7d4b9c-x2x9q");
  EXPECT_EQ(Label(events[0], "container"), "nginx");
  EXPECT_EQ(Label(events[0], "stream"), "stdout");
  EXPECT_EQ(events[1].message, "an error");
  EXPECT_EQ(Label(events[1], "stream"), "stderr");
  EXPECT_EQ(events[2].message, "part one, part two");
  EXPECT_EQ(events[3].message, "");
  EXPECT_EQ(events[4].message, "new runtime tag");

  // Without a link, the id is namespace/pod/container.
  const std::string other = AddPod("shop", "db-0", "11111111-2222-3333-4444-555555555555", "postgres");
  WriteFile(other, CriLine("ready"));
  CollectingConsumer out2;
  auto source2 = Make(Config());
  Start(*source2, out2);
  ASSERT_TRUE(WaitFor([&] { return out2.HasMessage("ready"); }));
  source2->Stop();
  ASSERT_TRUE(source2->Finish().ok());
  for (const CapturedEvent& e : out2.Events()) {
    if (e.message == "ready") {
      EXPECT_EQ(e.source_id, "shop/db-0/postgres");
    }
  }
}

TEST_F(ContainerSourceTest, FiltersAndSelfExclusionDecideWhichContainersAreRead) {
  const std::string self_id = Id('1');
  const std::map<std::string, std::string> no_labels;
  const std::map<std::string, std::string> debug = {{"logging", "off"}};
  WriteFile(AddDockerContainer(self_id, "log-capturer"), DockerRecord("the agent's own log\n"));
  WriteFile(AddDockerContainer(Id('2'), "web-1"), DockerRecord("web out\n") + DockerRecord("web err\n", "stderr"));
  WriteFile(AddDockerContainer(Id('3'), "web-quiet", "nginx", debug), DockerRecord("quiet\n"));
  WriteFile(AddDockerContainer(Id('4'), "db-1"), DockerRecord("db\n"));
  WriteFile(AddPod("kube-system", "coredns-1", "aaaaaaaa-0000-0000-0000-000000000000", "coredns"), CriLine("dns"));
  WriteFile(AddPod("shop", "web-2", "bbbbbbbb-0000-0000-0000-000000000000", "web-2"), CriLine("pod web"));
  const std::string self_uid = "cccccccc-0000-0000-0000-000000000000";
  WriteFile(AddPod("logging", "agent-x", self_uid, "agent"), CriLine("the agent in k8s"));

  ContainerMonitorConfig c = Config();
  c.include_names = {"web-*"};
  c.exclude_labels = {{"logging", "off"}};
  c.include_stderr = false;
  SelfIdentity self;
  self.container_ids = {self_id};
  self.pod_uid = self_uid;
  CollectingConsumer out;
  auto source = Make(c, self);
  Start(*source, out);
  ASSERT_TRUE(WaitFor([&] { return out.HasMessage("web out") && out.HasMessage("pod web"); }));
  std::this_thread::sleep_for(300ms);
  source->Stop();
  ASSERT_TRUE(source->Finish().ok());
  std::multiset<std::string> got;
  for (const auto& m : out.Messages()) got.insert(m);
  EXPECT_EQ(got, (std::multiset<std::string>{"web out", "pod web"}));
  EXPECT_EQ(metrics_.ContainerFilesSkipped("container_monitor", "self").Value(), 2);
  EXPECT_EQ(metrics_.ContainerFilesSkipped("container_monitor", "filtered").Value(), 3);
  EXPECT_NE(source->StatsJson().find("\"filtered_stream_lines\":1"), std::string::npos) << source->StatsJson();
  // The filtered stream's records still move the position: nothing is pending for a restart.
  const std::string saved = testing::ReadFile(positions_ + "/container_positions.json");
  const std::string web = docker_ + "/" + Id('2') + "/" + Id('2') + "-json.log";
  EXPECT_NE(saved.find("\"offset\":" + std::to_string(std::filesystem::file_size(web))), std::string::npos) << saved;
}

TEST_F(ContainerSourceTest, ContainersAppearingAndDisappearingWhileRunningAreFollowed) {
  CollectingConsumer out;
  auto source = Make(Config());
  Start(*source, out);
  std::set<std::string> expected;
  for (char c : std::string("56789")) {
    const std::string log = AddDockerContainer(Id(c), std::string("svc-") + c);
    std::string body;
    for (int i = 0; i < 50; ++i) {
      body += DockerRecord(std::string("svc-") + c + "-" + std::to_string(i) + "\n");
      expected.insert(std::string("svc-") + c + "-" + std::to_string(i));
    }
    WriteFile(log, body);
  }
  ASSERT_TRUE(out.WaitForCount(250)) << out.Count();
  // docker rm: the directory goes away with its files.
  std::filesystem::remove_all(docker_ + "/" + Id('5'));
  std::filesystem::remove_all(docker_ + "/" + Id('6'));
  ASSERT_TRUE(WaitFor([&] { return source->OpenFilesForTest() == 3; })) << source->OpenFilesForTest();
  const std::string late = AddPod("shop", "late-1", "dddddddd-0000-0000-0000-000000000000", "late");
  WriteFile(late, CriLine("late pod"));
  expected.insert("late pod");
  ASSERT_TRUE(out.WaitForCount(251));
  source->Stop();
  ASSERT_TRUE(source->Finish().ok());
  const std::vector<std::string> messages = out.Messages();
  EXPECT_EQ(std::set<std::string>(messages.begin(), messages.end()), expected);
  EXPECT_EQ(messages.size(), expected.size());
}

TEST_F(ContainerSourceTest, EngineApiMetadataIsUsedAndAContainerWithoutConfigWaitsForIt) {
  const std::string socket = dir_ / "docker.sock";
  testing::FakeDockerEngine engine(socket);
  ASSERT_TRUE(engine.Start());
  const std::string id = Id('f');
  engine.AddContainer(id, "from-the-api", "redis:7", {{"com.docker.compose.project", "cache"}});
  ContainerMonitorConfig c = Config();
  c.docker_socket = "unix://" + socket;
  CollectingConsumer out;
  auto source = Make(c);
  Start(*source, out);
  ASSERT_TRUE(WaitFor([&] { return source->StatsJson().find("\"connected\":true") != std::string::npos; }))
      << source->StatsJson();
  // A container whose directory has no config.v2.json: only the API knows it.
  const std::string log = AddDockerContainer(id, "");
  WriteFile(log, DockerRecord("ready to serve\n"));
  ASSERT_TRUE(out.WaitForCount(1));
  // A container started later: the API's start event brings its metadata.
  const std::string id2 = Id('0');
  engine.AddContainer(id2, "late-api", "busybox");
  engine.PushEvent("start", id2, "late-api");
  WriteFile(AddDockerContainer(id2, ""), DockerRecord("late\n"));
  ASSERT_TRUE(out.WaitForCount(2));
  EXPECT_NE(source->Health().detail_json.find("\"docker_api\":\"connected\""), std::string::npos);
  source->Stop();
  ASSERT_TRUE(source->Finish().ok());
  const std::vector<CapturedEvent> events = out.Events();
  EXPECT_EQ(events[0].source_name, "from-the-api");
  EXPECT_EQ(Label(events[0], "image"), "redis:7");
  EXPECT_EQ(Label(events[0], "compose_project"), "cache");
  EXPECT_EQ(events[1].source_name, "late-api");
  engine.Stop();
}

TEST_F(ContainerSourceTest, WithoutAnyMetadataTheLogIsStillReadAfterTheGrace) {
  const std::string id = Id('9');
  WriteFile(AddDockerContainer(id, ""), DockerRecord("orphan\n"));
  ContainerMonitorConfig c = Config();
  c.docker_socket = "unix://" + (dir_ / "no-such.sock");  // the daemon is not there
  CollectingConsumer out;
  auto source = Make(c);
  Start(*source, out);
  ASSERT_TRUE(out.WaitForCount(1));
  EXPECT_NE(source->Health().detail_json.find("\"docker_api\":\"unreachable\""), std::string::npos);
  EXPECT_TRUE(source->Health().ok);
  source->Stop();
  ASSERT_TRUE(source->Finish().ok());
  const CapturedEvent e = out.Events()[0];
  EXPECT_EQ(e.message, "orphan");
  EXPECT_EQ(e.source_id, id);
  EXPECT_EQ(e.source_name, id.substr(0, 12));
  EXPECT_EQ(Label(e, "container_name"), "<none>");
}

TEST_F(ContainerSourceTest, ReadFromEndSkipsHistoryAtTheVeryFirstStartOnlyAndAnEngineThatFailsToStartIsHarmless) {
  const std::string old_log = AddDockerContainer(Id('1'), "old");
  WriteFile(old_log, DockerRecord("history\n"));
  ContainerMonitorConfig c = Config();
  c.read_from = "end";
  // A socket path longer than sockaddr_un holds: the watcher refuses to start; logs still flow.
  c.docker_socket = "/" + std::string(200, 's');
  {
    CollectingConsumer out;
    auto source = Make(c);
    Start(*source, out);
    ASSERT_TRUE(WaitFor([&] { return source->OpenFilesForTest() == 1; }));
    AppendFile(old_log, DockerRecord("new\n"));
    ASSERT_TRUE(out.WaitForCount(1));
    // Only the container layouts are read, not the file monitor's default /var/log/*.log.
    EXPECT_NE(source->StatsJson().find("\"skipped_unknown_layout\":0"), std::string::npos) << source->StatsJson();
    source->Stop();
    ASSERT_TRUE(source->Finish().ok());
    EXPECT_EQ(out.Messages(), std::vector<std::string>{"new"});
  }
  // A container that started while the agent was down: read whole, although read_from is end.
  WriteFile(AddDockerContainer(Id('2'), "started-while-down"), DockerRecord("first words\n"));
  CollectingConsumer out;
  auto source = Make(c);
  Start(*source, out);
  ASSERT_TRUE(out.WaitForCount(1));
  std::this_thread::sleep_for(300ms);  // a chance to (wrongly) read the old container again
  source->Stop();
  ASSERT_TRUE(source->Finish().ok());
  EXPECT_EQ(out.Messages(), std::vector<std::string>{"first words"});
}

TEST_F(ContainerSourceTest, ACriLinkMadeJustAfterTheLogFileStillGivesTheContainerId) {
  const std::string links = dir_ / "log/containers";
  std::filesystem::create_directories(links);
  CollectingConsumer out;
  auto source = Make(Config());
  Start(*source, out);
  // The kubelet's order: the runtime starts the container (its log appears), then the link.
  const std::string log = AddPod("shop", "api-1", "22222222-3333-4444-5555-666666666666", "api");
  WriteFile(log, CriLine("started"));
  std::this_thread::sleep_for(300ms);  // a few scans see the file without its link
  const std::string cid = Id('4');
  ASSERT_EQ(::symlink(log.c_str(), (links + "/api-1_shop_api-" + cid + ".log").c_str()), 0);
  ASSERT_TRUE(out.WaitForCount(1));
  source->Stop();
  ASSERT_TRUE(source->Finish().ok());
  ASSERT_EQ(out.Events().size(), 1u);
  EXPECT_EQ(out.Events()[0].source_id, cid);
}

TEST_F(ContainerSourceTest, APodLogHoldingDockerRecordsIsDecodedAsDockerWithThePodLabels) {
  // Kubernetes on Docker (cri-dockerd): the pod log is Docker's json-file log.
  const std::string log = AddPod("shop", "legacy-1", "33333333-4444-5555-6666-777777777777", "app");
  WriteFile(log, DockerRecord("from docker\n", "stderr"));
  const std::vector<CapturedEvent> events = ReadEvents(Config(), 1);
  ASSERT_EQ(events.size(), 1u);
  const CapturedEvent e = events[0];
  EXPECT_EQ(e.message, "from docker");
  EXPECT_EQ(e.flags, 0);
  EXPECT_EQ(Label(e, "stream"), "stderr");
  EXPECT_EQ(Label(e, "namespace"), "shop");
  EXPECT_EQ(Label(e, "pod"), "legacy-1");
  EXPECT_EQ(Malformed("cri") + Malformed("docker"), 0);

  // Read through Docker's own path, the pod is known from the labels the kubelet gave the container.
  const std::string id = Id('3');
  WriteFile(AddDockerContainer(id, "k8s_app_legacy-2_shop_44444444_0", "app:1",
                               {{"io.kubernetes.pod.namespace", "shop"},
                                {"io.kubernetes.pod.name", "legacy-2"},
                                {"io.kubernetes.container.name", "app"}}),
            DockerRecord("via docker_root\n"));
  CollectingConsumer out2;
  auto source2 = Make(Config());
  Start(*source2, out2);
  ASSERT_TRUE(WaitFor([&] { return out2.HasMessage("via docker_root"); }));
  source2->Stop();
  ASSERT_TRUE(source2->Finish().ok());
  for (const CapturedEvent& d : out2.Events()) {
    if (d.message != "via docker_root") continue;
    EXPECT_EQ(d.source_type, "docker");
    EXPECT_EQ(Label(d, "namespace"), "shop");
    EXPECT_EQ(Label(d, "pod"), "legacy-2");
    EXPECT_EQ(Label(d, "container"), "app");
  }
}

}  // namespace
}  // namespace logcap
