#include "kafka/kafka_statistics.h"

#include <simdjson.h>

#include <algorithm>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/json_object.h"

namespace logcap {

namespace {

int64_t IntOr(simdjson::dom::element e, std::string_view key, int64_t fallback) {
  int64_t v = 0;
  return e[key].get_int64().get(v) == simdjson::SUCCESS ? v : fallback;
}

}  // namespace

Status ParseKafkaStatistics(std::string_view json, KafkaStatisticsSnapshot* out) {
  // Every few seconds, a few KiB: the DOM parser's simplicity is worth more than on-demand's speed.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root); error != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("librdkafka statistics: ") + simdjson::error_message(error));
  }
  simdjson::dom::object brokers;
  if (root["brokers"].get_object().get(brokers) != simdjson::SUCCESS) {
    return Status::InvalidArgument("librdkafka statistics: no brokers object");
  }
  KafkaStatisticsSnapshot s;
  s.seen = true;
  std::string_view type;
  const bool consumer = root["type"].get_string().get(type) == simdjson::SUCCESS && type == "consumer";
  if (!consumer) s.queue_messages = IntOr(root, "msg_cnt", 0);

  // The cluster's brokers have node ids >= 0; bootstrap entries (-1) count only until those are
  // known. A consumer also lists its group coordinator again under the same node id: each node
  // counts once, as up when any of its entries is.
  std::vector<std::pair<int64_t, bool>> nodes;  // node id, up
  int bootstrap_known = 0, bootstrap_up = 0;
  int64_t rtt_sum_us = 0;
  int rtt_count = 0;
  for (auto [name, broker] : brokers) {
    const int64_t node = IntOr(broker, "nodeid", -1);
    std::string_view state;
    const bool up = broker["state"].get_string().get(state) == simdjson::SUCCESS && state == "UP";
    if (node < 0) {
      ++bootstrap_known;
      bootstrap_up += up ? 1 : 0;
    } else {
      auto it = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.first == node; });
      if (it == nodes.end()) {
        nodes.emplace_back(node, up);
      } else {
        it->second = it->second || up;
      }
    }
    const int64_t avg = up ? IntOr(broker["rtt"], "avg", 0) : 0;
    if (avg > 0) {
      rtt_sum_us += avg;
      ++rtt_count;
    }
  }
  if (nodes.empty()) {
    s.brokers_known = bootstrap_known;
    s.brokers_up = bootstrap_up;
  } else {
    s.brokers_known = static_cast<int>(nodes.size());
    s.brokers_up = static_cast<int>(std::count_if(nodes.begin(), nodes.end(), [](const auto& n) { return n.second; }));
  }
  s.rtt_seconds = rtt_count > 0 ? static_cast<double>(rtt_sum_us) / rtt_count / 1e6 : 0;

  simdjson::dom::object topics;
  if (consumer && root["topics"].get_object().get(topics) == simdjson::SUCCESS) {
    for (auto [topic_name, topic] : topics) {
      simdjson::dom::object partitions;
      if (topic["partitions"].get_object().get(partitions) != simdjson::SUCCESS) continue;
      for (auto [id, partition] : partitions) {
        if (id == "-1") continue;  // librdkafka's internal unassigned-partition entry
        // The high-level consumer forwards every partition's fetch queue to one queue, and each
        // partition reports that shared count: the largest is the queue's length, the sum would
        // count it once per partition.
        s.queue_messages = std::max(s.queue_messages, IntOr(partition, "fetchq_cnt", 0));
        const int64_t lag = IntOr(partition, "consumer_lag", -1);
        if (lag > 0) s.consumer_lag += lag;
      }
    }
  }
  *out = s;
  return Status::Ok();
}

KafkaStatistics::KafkaStatistics(std::string component, Metrics* metrics) : component_(std::move(component)) {
  if (metrics != nullptr) {
    gauges_ = metrics->KafkaClient(component_);
    has_gauges_ = true;
  }
}

void KafkaStatistics::Update(std::string_view json) {
  KafkaStatisticsSnapshot s;
  if (!ParseKafkaStatistics(json, &s).ok()) return;  // never fatal: the previous figures stay
  if (has_gauges_) {
    gauges_.queue_messages->Set(static_cast<double>(s.queue_messages));
    gauges_.brokers_up->Set(s.brokers_up);
    gauges_.broker_rtt_seconds->Set(s.rtt_seconds);
    gauges_.consumer_lag_messages->Set(static_cast<double>(s.consumer_lag));
  }
  std::lock_guard lock(mu_);
  snapshot_ = s;
}

KafkaStatisticsSnapshot KafkaStatistics::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

ComponentHealth KafkaStatistics::Health() const {
  const KafkaStatisticsSnapshot s = snapshot();
  return {!s.seen || s.brokers_up > 0, Json()};
}

std::string KafkaStatistics::Json() const {
  const KafkaStatisticsSnapshot s = snapshot();
  if (!s.seen) return JsonObject().AddString("brokers", "no statistics yet").Take();
  return JsonObject()
      .Add("brokers_up", static_cast<uint64_t>(s.brokers_up))
      .Add("brokers_known", static_cast<uint64_t>(s.brokers_known))
      .AddRaw("rtt_seconds", fmt::format("{:.6f}", s.rtt_seconds))
      .Add("queue_messages", static_cast<uint64_t>(s.queue_messages))
      .Add("consumer_lag", static_cast<uint64_t>(s.consumer_lag))
      .Take();
}

}  // namespace logcap
