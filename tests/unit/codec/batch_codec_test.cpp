#include "codec/batch_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "testing/batch_builder.h"

namespace logcap {
namespace {

constexpr Nanos kTime = 1795428000LL * kNanosPerSecond + 123456789;

// Builds a batch event by event, each message in a block of its own (the codec must not care).
class Builder {
 public:
  Event& Add(const std::shared_ptr<const SourceInfo>& source, std::string_view message) {
    auto block = ByteBlock::Create(message.size() + 1);
    if (!message.empty()) std::memcpy(block->data(), message.data(), message.size());
    block->set_size(message.size());
    batch_.RetainBlock(block);
    Event e;
    e.message = std::string_view(block->data(), message.size());
    e.read_time = kTime;
    e.source = source ? batch_.RetainSource(source) : nullptr;
    return batch_.Add(e);
  }
  uint32_t Attributes(Labels labels, std::string fields_json) {
    return batch_.AddAttributes(EventAttributes{std::move(labels), std::move(fields_json)});
  }
  EventBatch Take() { return std::move(batch_); }

 private:
  EventBatch batch_;
};

std::shared_ptr<SourceInfo> Source(std::string type, std::string id, Labels labels = {}) {
  auto s = std::make_shared<SourceInfo>();
  s->type = std::move(type);
  s->id = std::move(id);
  s->name = "name-of-" + s->id;
  s->component = "file_monitor";
  s->labels = std::move(labels);
  return s;
}

std::string Encode(const EventBatch& batch) {
  std::string out;
  EncodeBatch(batch, &out);
  return out;
}

EventBatch DecodeOk(std::string payload) {
  EventBatch out;
  Status s = DecodeBatch(std::move(payload), &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

void ExpectSameSource(const SourceInfo* a, const SourceInfo* b) {
  ASSERT_EQ(a == nullptr, b == nullptr);
  if (a == nullptr) return;
  EXPECT_EQ(a->type, b->type);
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(a->name, b->name);
  EXPECT_EQ(a->component, b->component);
  EXPECT_EQ(a->labels, b->labels);
}

// Every encoded field of every event compares equal (positions are not encoded).
void ExpectSameEvents(const EventBatch& want, const EventBatch& got) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    const Event& a = want.events()[i];
    const Event& b = got.events()[i];
    EXPECT_EQ(a.message, b.message);
    EXPECT_EQ(a.source_time, b.source_time);
    EXPECT_EQ(a.read_time, b.read_time);
    EXPECT_EQ(a.level, b.level);
    EXPECT_EQ(a.flags, b.flags);
    EXPECT_EQ(a.trace.trace_id, b.trace.trace_id);
    EXPECT_EQ(a.trace.span_id, b.trace.span_id);
    EXPECT_EQ(a.trace.sampled, b.trace.sampled);
    EXPECT_EQ(b.position.stream_id, 0u);
    EXPECT_EQ(b.position.offset, 0u);
    ExpectSameSource(a.source, b.source);
    const EventAttributes* aa = want.AttributesOf(a);
    const EventAttributes* ba = got.AttributesOf(b);
    ASSERT_EQ(aa == nullptr, ba == nullptr);
    if (aa != nullptr) {
      EXPECT_EQ(aa->labels, ba->labels);
      EXPECT_EQ(aa->fields_json, ba->fields_json);
    }
  }
}

TEST(BatchCodecTest, RoundTripsEveryField) {
  auto app = Source("file", "/var/log/app.log", {{"job", "varlogs"}, {"host", "node-1"}});
  auto docker = Source("docker", "abc123", {});
  Builder b;
  {
    Event& e = b.Add(app, "plain line");
    e.source_time = kTime - 5 * kNanosPerMilli;
    e.level = Level::kError;
    e.position = {7, 99};  // not encoded
  }
  {
    Event& e = b.Add(docker, "with attributes and trace");
    e.attributes = b.Attributes({{"pod", "web-1"}, {"job", "override"}}, R"({"user":"ann","n":[1,2,{"x":null}]})");
    for (size_t i = 0; i < 16; ++i) e.trace.trace_id[i] = static_cast<uint8_t>(0xf0 + i);
    for (size_t i = 0; i < 8; ++i) e.trace.span_id[i] = static_cast<uint8_t>(i + 1);
    e.trace.sampled = true;
    e.flags = kFlagTruncated | kFlagPartial;
    e.level = Level::kFatal;
    e.read_time = kTime + 3 * kNanosPerSecond;
  }
  b.Add(app, "");                                           // empty message
  b.Add(nullptr, "no source");                              // event without a source
  static constexpr char kBadUtf8[] = "bad \xC3( utf8 \xFF\xFE \0 nul";
  b.Add(app, std::string(kBadUtf8, sizeof(kBadUtf8) - 1));  // invalid UTF-8 and a NUL, kept byte for byte
  {
    Event& e = b.Add(app, "attributes present but empty");
    e.attributes = b.Attributes({}, "");
    e.read_time = -kTime;  // before 1970: a large backwards step
    e.source_time = INT64_MAX;
  }
  {
    Event& e = b.Add(app, "only a span id, not sampled");
    e.trace.span_id[3] = 9;
    e.read_time = INT64_MIN;
    e.source_time = INT64_MAX;
    e.flags = 0xff;  // unknown flag bits survive
    e.level = Level::kTrace;
  }
  {
    Event& e = b.Add(app, "sampled only");
    e.trace.sampled = true;
    e.level = Level::kWarn;
  }
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>(i & 0xff);
  b.Add(docker, big);  // 1 MiB message
  EventBatch batch = b.Take();

  EventBatch decoded = DecodeOk(Encode(batch));
  ExpectSameEvents(batch, decoded);
  EXPECT_EQ(decoded.message_bytes(), batch.message_bytes());
  EXPECT_EQ(decoded.events()[3].source, nullptr);
  EXPECT_EQ(decoded.ack_count(), 0u);
}

TEST(BatchCodecTest, EqualSourcesBecomeOneSharedSourceInfo) {
  // Two SourceInfo objects with equal content (e.g. from two merged source batches) and a third
  // that differs only by a label value.
  auto a1 = Source("file", "/a.log", {{"job", "x"}});
  auto a2 = Source("file", "/a.log", {{"job", "x"}});
  auto c = Source("file", "/a.log", {{"job", "y"}});
  Builder b;
  b.Add(a1, "1");
  b.Add(a2, "2");
  b.Add(c, "3");
  b.Add(a1, "4");
  EventBatch decoded = DecodeOk(Encode(b.Take()));
  ASSERT_EQ(decoded.size(), 4u);
  const auto& ev = decoded.events();
  EXPECT_EQ(ev[0].source, ev[1].source);
  EXPECT_EQ(ev[0].source, ev[3].source);
  EXPECT_NE(ev[0].source, ev[2].source);
  EXPECT_EQ(*ev[2].source->labels.Find("job"), "y");
}

TEST(BatchCodecTest, SourceTableIsWrittenOncePerPayload) {
  auto source = Source("file", "/var/log/a-rather-long-path/of/some/application.log", {{"job", "varlogs"}});
  Builder one, many;
  one.Add(source, "m");
  for (int i = 0; i < 100; ++i) many.Add(source, "m");
  const size_t one_size = Encode(one.Take()).size();
  const size_t many_size = Encode(many.Take()).size();
  // 99 more events of a one-byte message: head, flags, source ref, read time delta, length, byte.
  EXPECT_EQ(many_size - one_size, 99u * 6u);
}

TEST(BatchCodecTest, EncodeAppendsAndEmptyBatchRoundTrips) {
  std::string out = "prefix";
  EncodeBatch(EventBatch(), &out);
  ASSERT_GT(out.size(), 6u);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  EventBatch decoded = DecodeOk(out.substr(6));
  EXPECT_TRUE(decoded.empty());
}

TEST(BatchCodecTest, MergedBatchesKeepTheirAttributes) {
  auto s1 = Source("file", "/1.log");
  auto s2 = Source("http", "api");
  Builder b1, b2;
  b1.Add(s1, "first").attributes = b1.Attributes({{"k", "1"}}, "");
  b2.Add(s2, "second").attributes = b2.Attributes({{"k", "2"}}, "{\"a\":1}");
  EventBatch merged = b1.Take();
  merged.Append(b2.Take());
  EventBatch decoded = DecodeOk(Encode(merged));
  ExpectSameEvents(merged, decoded);
}

TEST(BatchCodecTest, MessagesLiveAsLongAsTheBatch) {
  auto source = Source("file", "/x.log");
  EventBatch decoded;
  {
    Builder b;
    for (int i = 0; i < 50; ++i) b.Add(source, "message number " + std::to_string(i));
    std::string payload = Encode(b.Take());
    ASSERT_TRUE(DecodeBatch(std::move(payload), &decoded).ok());
  }
  // The original batch and the payload string are gone; the views must still be valid (ASan).
  for (int i = 0; i < 50; ++i) EXPECT_EQ(decoded.events()[i].message, "message number " + std::to_string(i));
  // A short payload (kept inline by std::string) must survive being moved too.
  EventBatch tiny;
  {
    Builder b;
    b.Add(nullptr, "hi").read_time = 1;
    std::string payload = Encode(b.Take());
    ASSERT_LT(payload.size(), 16u);
    ASSERT_TRUE(DecodeBatch(std::move(payload), &tiny).ok());
  }
  EXPECT_EQ(tiny.events()[0].message, "hi");
}

TEST(BatchCodecTest, RejectsWhatItCannotRead) {
  auto source = Source("file", "/x.log");
  Builder b;
  b.Add(source, "hello");
  const std::string good = Encode(b.Take());

  EventBatch out;
  Status s = DecodeBatch("", &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("version byte"), std::string::npos) << s.message();

  std::string other_version = good;
  other_version[0] = 2;
  s = DecodeBatch(other_version, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("unsupported version 2"), std::string::npos) << s.message();

  s = DecodeBatch(good + "x", &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("1 unexpected bytes"), std::string::npos) << s.message();

  s = DecodeBatch(good.substr(0, good.size() - 2), &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("event 0: message has length 5"), std::string::npos) << s.message();
  EXPECT_TRUE(out.empty());

  // A huge count must be refused before anything is reserved for it.
  std::string huge_count("\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11);
  s = DecodeBatch(huge_count, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("event count"), std::string::npos) << s.message();

  std::string overlong("\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12);
  s = DecodeBatch(overlong, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);

  EventBatch not_empty = DecodeOk(good);
  s = DecodeBatch(good, &not_empty);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(not_empty.size(), 1u);
}

TEST(BatchCodecTest, RejectsBadHeadBytesAndSourceReferences) {
  Builder b;
  b.Add(Source("file", "/x.log"), "hello");
  const std::string good = Encode(b.Take());
  // version, source count 1, source entry, event count, then the event's head byte.
  const size_t source_entry = (1 + 4) + (1 + 6) + (1 + 14) + (1 + 12) + 1;  // type, id, name, component, labels
  const size_t head = 1 + 1 + source_entry + 1;
  ASSERT_EQ(good[head + 2], 1);  // source ref

  EventBatch out;
  std::string bad = good;
  bad[head] = static_cast<char>(0x80);
  Status s = DecodeBatch(bad, &out);
  EXPECT_NE(s.message().find("reserved bit"), std::string::npos) << s.message();
  bad = good;
  bad[head] = 7;
  s = DecodeBatch(bad, &out);
  EXPECT_NE(s.message().find("level 7"), std::string::npos) << s.message();
  bad = good;
  bad[head + 2] = 2;
  s = DecodeBatch(bad, &out);
  EXPECT_NE(s.message().find("source reference"), std::string::npos) << s.message();
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
}

// A payload exercising every optional part, for the damage tests.
std::string RichPayload() {
  auto a = Source("file", "/var/log/app.log", {{"job", "varlogs"}, {"env", "prod"}});
  auto d = Source("docker", "c0ffee", {{"image", "nginx"}});
  Builder b;
  for (int i = 0; i < 12; ++i) {
    Event& e = b.Add(i % 3 == 0 ? d : a, "line " + std::to_string(i) + std::string(static_cast<size_t>(i), '\xC3'));
    e.read_time = kTime + i * 1000;
    if (i % 2 == 0) e.source_time = kTime - i;
    e.level = static_cast<Level>(i % 7);
    e.flags = static_cast<uint8_t>(i % 4);
    if (i % 4 == 1) e.attributes = b.Attributes({{"trace", "yes"}, {"n", std::to_string(i)}}, "{\"i\":1}");
    if (i % 5 == 2) {
      e.trace.trace_id[0] = 1;
      e.trace.span_id[7] = 2;
      e.trace.sampled = true;
    }
  }
  return Encode(b.Take());
}

// Decoding damaged input never crashes (run under ASan+UBSan); a successful decode gives a batch
// whose every view can be read and which encodes and decodes again.
void DecodeDamaged(std::string payload, bool must_fail) {
  EventBatch out;
  Status s = DecodeBatch(std::move(payload), &out);
  if (s.ok()) {
    ASSERT_FALSE(must_fail);
    size_t sum = 0;
    for (const Event& e : out.events()) {
      for (char c : e.message) sum += static_cast<unsigned char>(c);
      if (e.source != nullptr) sum += e.source->id.size();
      if (const EventAttributes* a = out.AttributesOf(e)) sum += a->fields_json.size() + a->labels.size();
    }
    EXPECT_GE(sum, 0u);
    EventBatch again;
    ASSERT_TRUE(DecodeBatch(Encode(out), &again).ok());
    EXPECT_EQ(again.size(), out.size());
  } else {
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    EXPECT_FALSE(s.message().empty());
    EXPECT_TRUE(out.empty());
  }
}

TEST(BatchCodecTest, EveryTruncationIsCorruption) {
  const std::string payload = RichPayload();
  for (size_t n = 0; n < payload.size(); ++n) {
    SCOPED_TRACE("truncated to " + std::to_string(n));
    DecodeDamaged(payload.substr(0, n), /*must_fail=*/true);
  }
}

TEST(BatchCodecTest, RandomByteFlipsNeverCrash) {
  const std::string payload = RichPayload();
  std::mt19937_64 rng(20261123);
  int ok = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string damaged = payload;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      const size_t at = rng() % damaged.size();
      if (rng() % 2) {
        damaged[at] = static_cast<char>(damaged[at] ^ (1u << (rng() % 8)));
      } else {
        damaged[at] = static_cast<char>(rng());
      }
    }
    EventBatch out;
    Status s = DecodeBatch(damaged, &out);
    if (s.ok()) ++ok;
    DecodeDamaged(std::move(damaged), /*must_fail=*/false);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Most single flips land in message bytes and still decode; some must have failed too.
  EXPECT_GT(ok, 0);
  EXPECT_LT(ok, 20000);
}

TEST(BatchCodecTest, WorksWithTheSharedTestBuilder) {
  auto source = testing::MakeSource("/var/log/x.log");
  EventBatch batch = testing::MakeBatch({"a", "bb", "ccc"}, source);
  EventBatch decoded = DecodeOk(Encode(batch));
  ExpectSameEvents(batch, decoded);
}

}  // namespace
}  // namespace logcap
