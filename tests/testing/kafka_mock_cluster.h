// MockKafka: librdkafka's in-process mock cluster (rdkafka_mock.h) for the Kafka sink and source
// tests, a plain consumer that reads back what was produced, as an outside client would, and a
// plain producer (Produce) that writes what a source test consumes.
#pragma once

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must come after rdkafka.h.
#include <librdkafka/rdkafka_mock.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace logcap::kafka_test {

struct Consumed {
  int32_t partition = 0;
  std::string key;
  std::string value;
  std::string traceparent;  // "" when the header is absent
};

class MockKafka {
 public:
  explicit MockKafka(int brokers = 3) {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
    // A client handle only to own the cluster.
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    EXPECT_NE(owner_, nullptr) << error;
    cluster_ = rd_kafka_mock_cluster_new(owner_, brokers);
    EXPECT_NE(cluster_, nullptr) << "rd_kafka_mock_cluster_new failed";
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  }
  ~MockKafka() {
    if (producer_ != nullptr) rd_kafka_destroy(producer_);
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(owner_);
  }
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  const std::string& bootstraps() const { return bootstraps_; }
  rd_kafka_mock_cluster_t* cluster() { return cluster_; }

  void CreateTopic(const std::string& topic, int partitions) {
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 3), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void SetBrokersDown(bool down, int brokers = 3) {
    for (int id = 1; id <= brokers; ++id) {
      if (down) {
        rd_kafka_mock_broker_set_down(cluster_, id);
      } else {
        rd_kafka_mock_broker_set_up(cluster_, id);
      }
    }
  }

  // Produces one message to topic's partition and waits until the cluster has it. timestamp_ms 0:
  // the producer's clock (CreateTime now). An empty key is no key; a null value with null_value.
  void Produce(const std::string& topic, int32_t partition, const std::string& key, const std::string& value,
               int64_t timestamp_ms = 0, bool null_value = false) {
    Enqueue(topic, partition, key, value, timestamp_ms, null_value);
    Flush();
  }
  // Produces values in order to topic's partition (no key), then waits until the cluster has them.
  void ProduceAll(const std::string& topic, int32_t partition, const std::vector<std::string>& values) {
    for (const std::string& v : values) Enqueue(topic, partition, "", v, 0, false);
    Flush();
  }
  void Flush() {
    if (producer_ != nullptr) {
      EXPECT_EQ(rd_kafka_flush(producer_, 20000), RD_KAFKA_RESP_ERR_NO_ERROR) << "produce did not complete";
    }
  }

  // Reads every message of topic's partitions from the beginning until `count` arrived or
  // `timeout` passed.
  std::vector<Consumed> Consume(const std::string& topic, int partitions, size_t count,
                                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps_.c_str(), error, sizeof error);
    rd_kafka_conf_set(conf, "group.id", "test-reader", error, sizeof error);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof error);
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    std::vector<Consumed> out;
    if (consumer == nullptr) {
      ADD_FAILURE() << "consumer: " << error;
      return out;
    }
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        Consumed c;
        c.partition = m->partition;
        if (m->key != nullptr) c.key.assign(static_cast<const char*>(m->key), m->key_len);
        if (m->payload != nullptr) c.value.assign(static_cast<const char*>(m->payload), m->len);
        rd_kafka_headers_t* headers = nullptr;
        if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const void* v = nullptr;
          size_t n = 0;
          if (rd_kafka_header_get_last(headers, "traceparent", &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            c.traceparent.assign(static_cast<const char*>(v), n);
          }
        }
        out.push_back(std::move(c));
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return out;
  }

 private:
  static void DeliveryReport(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    EXPECT_EQ(m->err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(m->err);
  }
  void Enqueue(const std::string& topic, int32_t partition, const std::string& key, const std::string& value,
               int64_t timestamp_ms, bool null_value) {
    if (producer_ == nullptr) {
      char error[256];
      rd_kafka_conf_t* conf = rd_kafka_conf_new();
      rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps_.c_str(), error, sizeof error);
      rd_kafka_conf_set(conf, "linger.ms", "1", error, sizeof error);
      rd_kafka_conf_set_dr_msg_cb(conf, DeliveryReport);
      producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
      ASSERT_NE(producer_, nullptr) << error;
    }
    rd_kafka_resp_err_t err;
    do {
      err = rd_kafka_producev(
          producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(null_value ? nullptr : const_cast<char*>(value.data()), null_value ? 0 : value.size()),
          RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
          RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(producer_, 10);
    } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
    rd_kafka_poll(producer_, 0);
  }

  rd_kafka_t* producer_ = nullptr;  // created by the first Produce
  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstraps_;
};

}  // namespace logcap::kafka_test
