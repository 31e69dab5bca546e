// EncodeLokiProtobuf against libprotobuf: everything it writes must parse with the generated
// classes of proto/loki_push.proto to the same content, and match SerializeToString byte for byte.
#include "sinks/loki/loki_protobuf_encoder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "loki_push.pb.h"
#include "unit/sinks/loki_test_push.h"

namespace logcap {
namespace {

using testing_loki::Pairs;
using testing_loki::TestEntry;
using testing_loki::TestPush;
using testing_loki::TestStream;

constexpr Nanos kSecond = 1'000'000'000;

std::string Encode(TestPush& push) {
  std::string out;
  EncodeLokiProtobuf(push.View(), out);
  return out;
}

lokipb::PushRequest Decode(const std::string& bytes) {
  lokipb::PushRequest req;
  EXPECT_TRUE(req.ParseFromString(bytes));
  return req;
}

// Compares every field of the decoded request with the push's content (strings repaired).
void ExpectSameContent(const lokipb::PushRequest& req, TestPush& push) {
  ASSERT_EQ(req.streams_size(), static_cast<int>(push.streams.size()));
  const LokiPushView& view = push.View();
  for (size_t s = 0; s < push.streams.size(); ++s) {
    const lokipb::StreamAdapter& stream = req.streams(static_cast<int>(s));
    EXPECT_EQ(stream.labels(), TestPush::Valid(view.streams[s].labels));
    EXPECT_EQ(stream.hash(), 0u);
    ASSERT_EQ(stream.entries_size(), static_cast<int>(push.streams[s].entries.size()));
    for (size_t i = 0; i < push.streams[s].entries.size(); ++i) {
      const TestEntry& want = push.streams[s].entries[i];
      const lokipb::EntryAdapter& got = stream.entries(static_cast<int>(i));
      ASSERT_TRUE(got.has_timestamp());
      EXPECT_GE(got.timestamp().nanos(), 0);
      EXPECT_LT(got.timestamp().nanos(), 1'000'000'000);
      EXPECT_EQ(static_cast<__int128>(got.timestamp().seconds()) * kSecond + got.timestamp().nanos(),
                static_cast<__int128>(want.timestamp));
      EXPECT_EQ(got.line(), TestPush::Valid(want.line));
      ASSERT_EQ(got.structuredmetadata_size(), static_cast<int>(want.metadata.size()));
      for (size_t m = 0; m < want.metadata.size(); ++m) {
        EXPECT_EQ(got.structuredmetadata(static_cast<int>(m)).name(), TestPush::Valid(want.metadata[m].first));
        EXPECT_EQ(got.structuredmetadata(static_cast<int>(m)).value(), TestPush::Valid(want.metadata[m].second));
      }
    }
  }
}

// Decodes, compares the content, and compares the bytes with libprotobuf's serialisation.
void Check(TestPush& push) {
  const std::string ours = Encode(push);
  ExpectSameContent(Decode(ours), push);
  std::string reference;
  ASSERT_TRUE(push.ToProto().SerializeToString(&reference));
  EXPECT_EQ(ours, reference);
}

TestPush SeveralStreams() {
  TestPush push;
  for (int s = 0; s < 5; ++s) {
    TestStream stream;
    stream.labels = {{"job", "app" + std::to_string(s)}, {"level", s % 2 ? "info" : "error"}};
    for (int i = 0; i < 300; ++i) {
      TestEntry e;
      e.timestamp = 1'700'000'000 * kSecond + i * 1'000'123 + s;
      e.line = "GET /api/v1/orders/" + std::to_string(i) + " 200 " + std::string(static_cast<size_t>(i % 150), 'x');
      if (i % 3 == 0) e.metadata = {{"trace_id", "abc" + std::to_string(i)}, {"span_id", "s" + std::to_string(s)}};
      stream.entries.push_back(e);
    }
    push.streams.push_back(stream);
  }
  return push;
}

TEST(LokiProtobufEncoder, SeveralStreamsManyEntriesAndMetadata) {
  TestPush push = SeveralStreams();
  Check(push);
}

TEST(LokiProtobufEncoder, EmptyPushIsEmpty) {
  TestPush push;
  std::string out = "stale content";
  EncodeLokiProtobuf(push.View(), out);
  EXPECT_EQ(out, "");
}

TEST(LokiProtobufEncoder, EmptyThings) {
  TestPush push;
  push.streams.push_back({});                                // no labels, no entries
  push.streams.push_back({{{"job", "a"}}, {}});              // no entries
  push.streams.push_back({{{"job", "b"}}, {TestEntry{}}});   // epoch, empty line
  push.streams.push_back({{{"job", "c"}}, {TestEntry{5, "", {{"", ""}, {"k", ""}, {"", "v"}}}}});
  Check(push);
  // The epoch's timestamp is still sent (as an empty message): Loki would read a missing one as year 1.
  const lokipb::PushRequest req = Decode(Encode(push));
  EXPECT_TRUE(req.streams(2).entries(0).has_timestamp());
}

TEST(LokiProtobufEncoder, Timestamps) {
  const Nanos max = std::numeric_limits<Nanos>::max();
  const Nanos min = std::numeric_limits<Nanos>::min();
  const std::vector<Nanos> times = {0,          1,           999'999'999,      kSecond,     kSecond + 1,
                                    -1,         -kSecond,    -kSecond - 1,     -kSecond + 1, 1'700'000'000'123'456'789,
                                    max,        min,         min + 1,          4'102'444'800 * kSecond,
                                    -86400 * kSecond * 365 * 50};
  TestPush push;
  TestStream stream{{{"job", "t"}}, {}};
  for (Nanos t : times) stream.entries.push_back(TestEntry{t, "line " + std::to_string(t), {}});
  push.streams.push_back(stream);
  Check(push);

  const lokipb::PushRequest req = Decode(Encode(push));
  auto ts = [&](size_t i) { return req.streams(0).entries(static_cast<int>(i)).timestamp(); };
  EXPECT_EQ(ts(5).seconds(), -1);  // -1 ns: floor division
  EXPECT_EQ(ts(5).nanos(), 999'999'999);
  EXPECT_EQ(ts(6).seconds(), -1);
  EXPECT_EQ(ts(6).nanos(), 0);
  EXPECT_EQ(ts(7).seconds(), -2);
  EXPECT_EQ(ts(7).nanos(), 999'999'999);
  EXPECT_EQ(ts(9).seconds(), 1'700'000'000);
  EXPECT_EQ(ts(9).nanos(), 123'456'789);
  EXPECT_EQ(ts(10).seconds(), max / kSecond);
  EXPECT_EQ(ts(11).seconds(), min / kSecond - 1);
}

TEST(LokiProtobufEncoder, OneMebibyteLines) {
  TestPush push;
  TestStream stream{{{"job", "big"}}, {}};
  std::string big(1 << 20, 'a');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  stream.entries.push_back(TestEntry{kSecond, big, {{"k", big.substr(0, 1000)}}});
  stream.entries.push_back(TestEntry{2 * kSecond, big + "\xC3\xA9", {}});
  push.streams.push_back(stream);
  Check(push);
}

TEST(LokiProtobufEncoder, InvalidUtf8IsRepaired) {
  TestPush push;
  push.streams.push_back({{{"job", "x"}},
                          {TestEntry{1, "ok line", {}},
                           TestEntry{2, "bad \xFF line \xC3", {{"na\xFFme", "va\xED\xA0\x80lue"}}},
                           TestEntry{3, "caf\xC3\xA9 \xF0\x9F\x98\x80", {{"k", "v"}}}}});
  push.streams.push_back({{{"job", "y"}}, {TestEntry{4, "fine", {}}}});
  Check(push);  // the reference holds the repaired strings; ParseFromString checks UTF-8 too
  const lokipb::PushRequest req = Decode(Encode(push));
  EXPECT_EQ(req.streams(0).entries(1).line(), "bad \xEF\xBF\xBD line \xEF\xBF\xBD");
  EXPECT_EQ(req.streams(0).entries(1).structuredmetadata(0).name(), "na\xEF\xBF\xBDme");
  EXPECT_EQ(req.streams(0).entries(2).line(), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(LokiProtobufEncoder, ReusesTheOutputBuffer) {
  TestPush push = SeveralStreams();
  std::string out;
  EncodeLokiProtobuf(push.View(), out);
  const std::string first = out;
  const char* data = out.data();
  EncodeLokiProtobuf(push.View(), out);
  EXPECT_EQ(out, first);
  EXPECT_EQ(out.data(), data);  // the same content fits in the same capacity: no allocation
}

TEST(LokiProtobufEncoder, RandomPushesMatchLibprotobuf) {
  std::mt19937_64 rng(1234);
  auto random_string = [&](size_t max_len, bool allow_invalid) {
    std::string s(rng() % (max_len + 1), '\0');
    for (char& c : s) {
      const unsigned pick = static_cast<unsigned>(rng() % 8);
      c = pick == 0 && allow_invalid ? static_cast<char>(rng()) : static_cast<char>(' ' + rng() % 95);
    }
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    TestPush push;
    const size_t streams = rng() % 4;
    for (size_t s = 0; s < streams; ++s) {
      TestStream stream;
      stream.labels = {{"job", random_string(10, false)}};
      const size_t entries = rng() % 20;
      for (size_t i = 0; i < entries; ++i) {
        TestEntry e;
        e.timestamp = static_cast<Nanos>(rng());
        // Lengths around the varint boundaries (127/128, 16383/16384) now and then.
        e.line = random_string(rng() % 5 == 0 ? 20000 : 140, round % 3 == 0);
        const size_t metadata = rng() % 4;
        for (size_t m = 0; m < metadata; ++m) e.metadata.emplace_back(random_string(8, false), random_string(130, round % 5 == 0));
        stream.entries.push_back(e);
      }
      push.streams.push_back(stream);
    }
    Check(push);
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace logcap
