// kafka-mock: librdkafka's mock Kafka cluster (rdkafka_mock.h) as a separate process, for the
// end-to-end tests (tests/e2e/kafka_mock.py drives it) and for trying the agent by hand.
//
//   kafka-mock [--brokers N] [--topic name:partitions]...
//
// Prints `BOOTSTRAP host:port,...` on stdout once the cluster listens (on 127.0.0.1), then reads
// one command a line on stdin and answers each with `ok` or `error <why>`:
//
//   down <broker id>|all          the broker(s) close their connections and refuse new ones
//   up <broker id>|all
//   errors <ApiKey> <count> <NAME>  the next <count> requests of ApiKey (0 Produce, 1 Fetch,
//                                 8 OffsetCommit, ...) fail with RD_KAFKA_RESP_ERR_<NAME>
//   clear <ApiKey>                drop the errors still pushed for ApiKey
//   topic <name> <partitions>     create a topic (replication factor min(3, brokers))
//   leader <topic> <partition> <broker id>
//   produce <topic> <file> [max]  produce each line of the file (at most max) as one message (lz4, acks=all),
//                                 waiting out a full queue; answers `ok <messages delivered>`
//                                 (benchmarks fill topics with it: kcat -P drops messages when
//                                 its local queue is full)
//   count <topic> <partitions>    messages the topic holds (high - low watermark, summed): the mock
//                                 forgets some of what it acknowledged under a heavy load
//   quit
//
// Exits on `quit`, stdin EOF, SIGTERM or SIGINT.
#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must come after rdkafka.h.
#include <librdkafka/rdkafka_mock.h>

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

std::optional<long> ParseInt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return std::nullopt;
  return v;
}

// "REQUEST_TIMED_OUT", "RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT" or a number -> the error code.
std::optional<rd_kafka_resp_err_t> ErrorByName(std::string name) {
  static const std::string kPrefix = "RD_KAFKA_RESP_ERR_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  if (auto n = ParseInt(name)) return static_cast<rd_kafka_resp_err_t>(*n);
  const rd_kafka_err_desc* descs = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);
  for (size_t i = 0; i < count; ++i) {
    if (descs[i].name != nullptr && name == descs[i].name) return descs[i].code;
  }
  return std::nullopt;
}

class Cluster {
 public:
  Cluster(int brokers) : brokers_(brokers) {}
  ~Cluster() {
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    if (owner_ != nullptr) rd_kafka_destroy(owner_);
  }

  bool Start(std::string* error) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    // A client handle only to own the cluster (its threads and sockets).
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (owner_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      *error = std::string("rd_kafka_new: ") + err;
      return false;
    }
    cluster_ = rd_kafka_mock_cluster_new(owner_, brokers_);
    if (cluster_ == nullptr) {
      *error = "rd_kafka_mock_cluster_new failed";
      return false;
    }
    return true;
  }

  std::string Bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

  std::string CreateTopic(const std::string& name, int partitions) {
    if (name.empty() || partitions < 1) return "error topic needs a name and partitions >= 1";
    const rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, std::min(3, brokers_));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("error ") + rd_kafka_err2str(err);
    return "ok";
  }

  std::string Execute(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string s; in >> s;) w.push_back(s);
    if (w.empty()) return "error empty command";
    const std::string& cmd = w[0];
    if (cmd == "down" || cmd == "up") {
      if (w.size() != 2) return "error usage: " + cmd + " <broker id>|all";
      std::vector<int32_t> ids;
      if (w[1] == "all") {
        for (int id = 1; id <= brokers_; ++id) ids.push_back(id);
      } else {
        auto id = ParseInt(w[1]);
        if (!id || *id < 1 || *id > brokers_) return "error no broker " + w[1];
        ids.push_back(static_cast<int32_t>(*id));
      }
      for (int32_t id : ids) {
        const rd_kafka_resp_err_t err = cmd == "down" ? rd_kafka_mock_broker_set_down(cluster_, id)
                                                      : rd_kafka_mock_broker_set_up(cluster_, id);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("error ") + rd_kafka_err2str(err);
      }
      return "ok";
    }
    if (cmd == "errors") {
      if (w.size() != 4) return "error usage: errors <ApiKey> <count> <ERROR_NAME>";
      auto api = ParseInt(w[1]);
      auto count = ParseInt(w[2]);
      auto code = ErrorByName(w[3]);
      if (!api || *api < 0) return "error bad ApiKey " + w[1];
      if (!count || *count < 1 || *count > 1000000) return "error bad count " + w[2];
      if (!code) return "error unknown error name " + w[3];
      std::vector<rd_kafka_resp_err_t> errors(static_cast<size_t>(*count), *code);
      rd_kafka_mock_push_request_errors_array(cluster_, static_cast<int16_t>(*api), errors.size(), errors.data());
      return "ok";
    }
    if (cmd == "clear") {
      if (w.size() != 2) return "error usage: clear <ApiKey>";
      auto api = ParseInt(w[1]);
      if (!api || *api < 0) return "error bad ApiKey " + w[1];
      rd_kafka_mock_clear_request_errors(cluster_, static_cast<int16_t>(*api));
      return "ok";
    }
    if (cmd == "topic") {
      if (w.size() != 3) return "error usage: topic <name> <partitions>";
      auto n = ParseInt(w[2]);
      if (!n) return "error bad partition count " + w[2];
      return CreateTopic(w[1], static_cast<int>(*n));
    }
    if (cmd == "leader") {
      if (w.size() != 4) return "error usage: leader <topic> <partition> <broker id>";
      auto partition = ParseInt(w[2]);
      auto broker = ParseInt(w[3]);
      if (!partition || !broker) return "error bad partition or broker";
      const rd_kafka_resp_err_t err = rd_kafka_mock_partition_set_leader(
          cluster_, w[1].c_str(), static_cast<int32_t>(*partition), static_cast<int32_t>(*broker));
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("error ") + rd_kafka_err2str(err);
      return "ok";
    }
    if (cmd == "count") {
      if (w.size() != 3) return "error usage: count <topic> <partitions>";
      auto partitions = ParseInt(w[2]);
      if (!partitions || *partitions < 1) return "error bad partition count " + w[2];
      return CountMessages(w[1], static_cast<int32_t>(*partitions));
    }
    if (cmd == "produce") {
      if (w.size() != 3 && w.size() != 4) return "error usage: produce <topic> <file> [max]";
      std::optional<long> max = w.size() == 4 ? ParseInt(w[3]) : std::optional<long>(-1);
      if (!max) return "error bad max " + w[3];
      return ProduceFile(w[1], w[2], *max);
    }
    return "error unknown command " + cmd;
  }

  std::string CountMessages(const std::string& topic, int32_t partitions) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", Bootstraps().c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t* client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (client == nullptr) {
      rd_kafka_conf_destroy(conf);
      return std::string("error client: ") + err;
    }
    long long total = 0;
    std::string failure;
    for (int32_t p = 0; p < partitions && failure.empty(); ++p) {
      int64_t low = 0, high = 0;
      const rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(client, topic.c_str(), p, &low, &high, 10000);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) failure = std::string("error partition ") + std::to_string(p) + ": " + rd_kafka_err2str(e);
      total += high - low;
    }
    rd_kafka_destroy(client);
    return failure.empty() ? "ok " + std::to_string(total) : failure;
  }

  std::string ProduceFile(const std::string& topic, const std::string& path, long max) {
    FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return "error cannot open " + path + ": " + std::strerror(errno);
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::pair<const char*, std::string> props[] = {
        {"bootstrap.servers", Bootstraps()}, {"compression.codec", "lz4"}, {"linger.ms", "20"},
        {"enable.idempotence", "true"}, {"log_level", "3"}};
    for (const auto& [key, value] : props) rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof err);
    static size_t delivered;
    delivered = 0;
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++delivered;
    });
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (producer == nullptr) {
      std::fclose(file);
      rd_kafka_conf_destroy(conf);
      return std::string("error producer: ") + err;
    }
    char* line = nullptr;
    size_t capacity = 0;
    size_t lines = 0;
    std::string failure;
    for (ssize_t n; failure.empty() && (max < 0 || lines < static_cast<size_t>(max)) &&
                    (n = getline(&line, &capacity, file)) >= 0;) {
      size_t len = static_cast<size_t>(n);
      if (len > 0 && line[len - 1] == '\n') --len;
      for (;;) {
        const rd_kafka_resp_err_t e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                        RD_KAFKA_V_VALUE(line, len), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          failure = std::string("error produce: ") + rd_kafka_err2str(e);
          break;
        }
        rd_kafka_poll(producer, 100);
      }
      ++lines;
      if ((lines & 1023) == 0) rd_kafka_poll(producer, 0);
    }
    std::free(line);
    std::fclose(file);
    rd_kafka_flush(producer, 120000);
    rd_kafka_destroy(producer);
    if (!failure.empty()) return failure;
    if (delivered != lines) return "error " + std::to_string(delivered) + " of " + std::to_string(lines) + " delivered";
    return "ok " + std::to_string(delivered);
  }

 private:
  int brokers_;
  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

void Reply(const std::string& text) {
  std::fputs((text + "\n").c_str(), stdout);
  std::fflush(stdout);
}

int Usage(const char* why) {
  std::fprintf(stderr, "kafka-mock: %s\nusage: kafka-mock [--brokers N] [--topic name:partitions]...\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 3;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--brokers" || arg == "--topic") && i + 1 >= argc) return Usage(("missing value for " + arg).c_str());
    if (arg == "--brokers") {
      auto n = ParseInt(argv[++i]);
      if (!n || *n < 1 || *n > 100) return Usage("--brokers must be 1..100");
      brokers = static_cast<int>(*n);
    } else if (arg == "--topic") {
      const std::string spec = argv[++i];
      const size_t colon = spec.rfind(':');
      auto n = colon == std::string::npos ? std::optional<long>(1) : ParseInt(spec.substr(colon + 1));
      const std::string name = colon == std::string::npos ? spec : spec.substr(0, colon);
      if (name.empty() || !n || *n < 1) return Usage(("bad --topic " + spec).c_str());
      topics.emplace_back(name, static_cast<int>(*n));
    } else if (arg == "-h" || arg == "--help") {
      Usage("help");
      return 0;
    } else {
      return Usage(("unknown argument " + arg).c_str());
    }
  }

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  Cluster cluster(brokers);
  std::string error;
  if (!cluster.Start(&error)) {
    std::fprintf(stderr, "kafka-mock: %s\n", error.c_str());
    return 1;
  }
  for (const auto& [name, partitions] : topics) {
    const std::string r = cluster.CreateTopic(name, partitions);
    if (r != "ok") {
      std::fprintf(stderr, "kafka-mock: topic %s: %s\n", name.c_str(), r.c_str());
      return 1;
    }
  }
  Reply("BOOTSTRAP " + cluster.Bootstraps());

  // Commands from stdin; poll so that SIGTERM is noticed while waiting.
  std::string pending;
  char buf[4096];
  while (!g_stop) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int r = ::poll(&p, 1, 200);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (r == 0) continue;
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 0) break;  // EOF
    pending.append(buf, static_cast<size_t>(n));
    bool quit = false;
    for (size_t nl; !quit && (nl = pending.find('\n')) != std::string::npos;) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (line == "quit") {
        Reply("ok");
        quit = true;
        break;
      }
      Reply(cluster.Execute(line));
    }
    if (quit) break;
  }
  return 0;
}
