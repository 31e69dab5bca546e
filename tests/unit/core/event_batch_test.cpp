#include "core/event_batch.h"

#include <gtest/gtest.h>

#include <cstring>

#include "testing/batch_builder.h"

namespace logcap {
namespace {

EventBatch MakeBatch(const char* text, std::shared_ptr<const SourceInfo> source, AckTokenPtr token) {
  auto block = ByteBlock::Create(64);
  std::memcpy(block->data(), text, std::strlen(text));
  block->set_size(std::strlen(text));
  EventBatch batch;
  Event e;
  e.message = std::string_view(block->data(), block->size());
  e.source = batch.RetainSource(std::move(source));
  batch.RetainBlock(block);
  batch.Add(e);
  if (token) batch.AddAck(std::move(token));
  return batch;
}

TEST(EventBatch, AppendKeepsMessagesAliveAndRemapsAttributes) {
  auto source = std::make_shared<SourceInfo>();
  source->id = "a";
  EventBatch first = MakeBatch("one", source, nullptr);
  EventBatch second = MakeBatch("two", source, nullptr);
  EventAttributes attrs;
  attrs.labels.Set("k", "v");
  second.mutable_events()[0].attributes = second.AddAttributes(attrs);
  EventAttributes first_attrs;
  first_attrs.labels.Set("k", "first");
  first.mutable_events()[0].attributes = first.AddAttributes(first_attrs);

  first.Append(std::move(second));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first.events()[1].message, "two");
  EXPECT_EQ(*first.AttributesOf(first.events()[1])->labels.Find("k"), "v");
  EXPECT_EQ(*first.AttributesOf(first.events()[0])->labels.Find("k"), "first");
  EXPECT_EQ(first.message_bytes(), 6u);
  EXPECT_TRUE(second.empty());
}

TEST(AckToken, ReportsWorstOutcomeWhenLastHolderReleases) {
  DeliveryOutcome seen = DeliveryOutcome::kDelivered;
  int calls = 0;
  {
    auto token = std::make_shared<AckToken>([&](DeliveryOutcome o) {
      seen = o;
      ++calls;
    });
    auto source = std::make_shared<SourceInfo>();
    auto batch = std::make_shared<EventBatch>(MakeBatch("x", source, token));
    token.reset();
    SharedBatch copy_for_sink_a = batch;
    SharedBatch copy_for_sink_b = batch;
    batch.reset();
    copy_for_sink_a->ReportOutcome(DeliveryOutcome::kFailed);
    copy_for_sink_a.reset();
    EXPECT_EQ(calls, 0);
    copy_for_sink_b->ReportOutcome(DeliveryOutcome::kDropped);
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, DeliveryOutcome::kFailed);
}

TEST(EventBatch, RemoveIfKeepsOrderAndBytes) {
  auto source = std::make_shared<SourceInfo>();
  EventBatch batch = MakeBatch("aa", source, nullptr);
  batch.Append(MakeBatch("bbb", source, nullptr));
  batch.Append(MakeBatch("c", source, nullptr));
  EXPECT_EQ(batch.RemoveIf([](const Event& e) { return e.message == "bbb"; }), 1u);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.events()[1].message, "c");
  EXPECT_EQ(batch.message_bytes(), 3u);
}

TEST(EventBatch, SliceSharesBytesAndCopiesAttributesButNotAcks) {
  testing::AckCounter acks;
  auto source = testing::MakeSource("/s");
  EventBatch batch = testing::MakeBatch({"a", "b", "c", "d"}, source, &acks);
  EventAttributes attributes;
  attributes.labels.Set("k", "v");
  batch.mutable_events()[2].attributes = batch.AddAttributes(attributes);
  {
    EventBatch slice = batch.Slice(1, 3);
    ASSERT_EQ(slice.size(), 2u);
    EXPECT_EQ(slice.events()[0].message, "b");
    EXPECT_EQ(slice.events()[1].message, "c");
    EXPECT_EQ(slice.events()[0].message.data(), batch.events()[1].message.data());  // no copy
    ASSERT_NE(slice.AttributesOf(slice.events()[1]), nullptr);
    const std::string* value = slice.AttributesOf(slice.events()[1])->labels.Find("k");
    ASSERT_NE(value, nullptr);
    EXPECT_EQ(*value, "v");
    EXPECT_EQ(slice.ack_count(), 0u);
    EXPECT_TRUE(batch.Slice(3, 3).empty());
    EXPECT_EQ(batch.Slice(2, 99).size(), 2u);
  }
  EXPECT_EQ(acks.total(), 0);  // the slices never finalised the source batch
}

}  // namespace
}  // namespace logcap
