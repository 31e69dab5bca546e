#include "sources/container/partial_joiner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/event.h"

namespace logcap {
namespace {

constexpr auto kOut = ContainerStream::kStdout;
constexpr auto kErr = ContainerStream::kStderr;

TEST(PartialJoinerTest, CompleteRecordIsReturnedWithoutCopy) {
  PartialJoiner joiner(100);
  const std::string text = "complete";
  auto line = joiner.Add(kOut, text, 42, true, 7);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text.data(), text.data());  // the caller's bytes, not a copy
  EXPECT_EQ(line->text, "complete");
  EXPECT_EQ(line->time, 42);
  EXPECT_EQ(line->start_offset, 7u);
  EXPECT_EQ(line->stream, kOut);
  EXPECT_EQ(line->flags, 0);
  EXPECT_EQ(line->parts, 1u);
  EXPECT_FALSE(joiner.holding(kOut));
  EXPECT_FALSE(joiner.held_start_offset());
  EXPECT_EQ(joiner.stats().joined_lines, 0u);
}

TEST(PartialJoinerTest, PartsJoinWithTheFirstPartsTimeAndOffset) {
  PartialJoiner joiner(100);
  EXPECT_FALSE(joiner.Add(kOut, "ab", 1, false, 100));
  EXPECT_TRUE(joiner.holding(kOut));
  EXPECT_EQ(joiner.held_start_offset(), 100u);
  EXPECT_FALSE(joiner.Add(kOut, "", 2, false, 200));  // an empty part changes nothing
  EXPECT_FALSE(joiner.Add(kOut, "cd", 3, false, 300));
  auto line = joiner.Add(kOut, "ef", 4, true, 400);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "abcdef");
  EXPECT_EQ(line->time, 1);
  EXPECT_EQ(line->start_offset, 100u);
  EXPECT_EQ(line->parts, 4u);
  EXPECT_EQ(line->flags, 0);
  EXPECT_FALSE(joiner.holding(kOut));
  EXPECT_EQ(joiner.stats().joined_lines, 1u);
  // The next line starts afresh.
  EXPECT_FALSE(joiner.Add(kOut, "x", 5, false, 500));
  line = joiner.Add(kOut, "y", 6, true, 600);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "xy");
  EXPECT_EQ(line->time, 5);
}

TEST(PartialJoinerTest, StdoutAndStderrInterleavedAreJoinedSeparately) {
  PartialJoiner joiner(1000);
  std::vector<std::string> out, err;
  auto add = [&](ContainerStream s, std::string_view text, Nanos t, bool last, uint64_t offset) {
    if (auto line = joiner.Add(s, text, t, last, offset)) {
      (s == kOut ? out : err).emplace_back(std::string(line->text) + "@" + std::to_string(line->time));
    }
  };
  add(kOut, "out-1a ", 1, false, 0);
  add(kErr, "err-1a ", 2, false, 10);
  EXPECT_EQ(joiner.held_start_offset(), 0u);
  add(kErr, "err-1b ", 3, false, 20);
  add(kOut, "out-1b", 4, true, 30);
  EXPECT_EQ(joiner.held_start_offset(), 10u);  // stderr's line still open
  add(kOut, "out-2", 5, true, 40);              // complete while stderr is held
  add(kErr, "err-1c", 6, true, 50);
  EXPECT_FALSE(joiner.held_start_offset());
  add(kErr, "err-2", 7, true, 60);
  EXPECT_EQ(out, (std::vector<std::string>{"out-1a out-1b@1", "out-2@5"}));
  EXPECT_EQ(err, (std::vector<std::string>{"err-1a err-1b err-1c@2", "err-2@7"}));
}

TEST(PartialJoinerTest, HugeJoinedLineIsCutAtTheMaximumAndTheRestSkipped) {
  constexpr size_t kMax = 1000;
  PartialJoiner joiner(kMax);
  const std::string part(16 * 1024, 'p');
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(joiner.Add(kOut, part, 100 + i, false, 0));
  auto line = joiner.Add(kOut, "tail", 200, true, 0);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, std::string(kMax, 'p'));
  EXPECT_EQ(line->flags, kFlagTruncated);
  EXPECT_EQ(line->time, 100);
  EXPECT_EQ(line->parts, 11u);
  EXPECT_EQ(joiner.stats().truncated_lines, 1u);
  EXPECT_EQ(joiner.stats().skipped_bytes, 10 * part.size() + 4 - kMax);
  // The next line is whole again.
  line = joiner.Add(kOut, "short", 300, true, 0);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "short");
  EXPECT_EQ(line->flags, 0);
}

TEST(PartialJoinerTest, ExactlyTheMaximumIsNotTruncated) {
  PartialJoiner joiner(6);
  EXPECT_FALSE(joiner.Add(kOut, "abc", 1, false));
  auto line = joiner.Add(kOut, "def", 2, true);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "abcdef");
  EXPECT_EQ(line->flags, 0);
  line = joiner.Add(kOut, "123456", 3, true);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->flags, 0);
  line = joiner.Add(kOut, "1234567", 4, true);  // a single complete record over the maximum
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "123456");
  EXPECT_EQ(line->flags, kFlagTruncated);
  EXPECT_EQ(joiner.stats().skipped_bytes, 1u);
}

TEST(PartialJoinerTest, CutDoesNotSplitAUtf8Character) {
  // "aé€" = 61 C3A9 E282AC: a limit of 4 falls inside the euro sign, which is dropped whole.
  PartialJoiner joiner(4);
  auto line = joiner.Add(kOut, "a\xC3\xA9\xE2\x82\xAC", 1, true);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "a\xC3\xA9");
  EXPECT_EQ(line->flags, kFlagTruncated);
  EXPECT_EQ(joiner.stats().skipped_bytes, 3u);
  // Joined: the cut character straddles two parts.
  EXPECT_FALSE(joiner.Add(kOut, "a\xC3\xA9\xE2", 2, false));
  line = joiner.Add(kOut, "\x82\xAC", 3, true);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "a\xC3\xA9");
  // A 4-byte character right at the limit is kept.
  PartialJoiner exact(5);
  line = exact.Add(kOut, "a\xF0\x9F\x98\x80z", 4, true);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "a\xF0\x9F\x98\x80");
}

TEST(PartialJoinerTest, FlushReportsAnUnfinishedLineAsPartial) {
  PartialJoiner joiner(100);
  EXPECT_FALSE(joiner.Flush(kOut));
  EXPECT_FALSE(joiner.Add(kOut, "no newline", 9, false, 50));
  EXPECT_FALSE(joiner.Add(kErr, "other", 10, false, 60));
  auto line = joiner.Flush(kOut);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "no newline");
  EXPECT_EQ(line->flags, kFlagPartial);
  EXPECT_EQ(line->time, 9);
  EXPECT_FALSE(joiner.holding(kOut));
  EXPECT_TRUE(joiner.holding(kErr));  // stderr untouched
  EXPECT_EQ(joiner.held_start_offset(), 60u);
  EXPECT_FALSE(joiner.Flush(kOut));
  joiner.Reset();
  EXPECT_FALSE(joiner.holding(kErr));
  EXPECT_FALSE(joiner.Flush(kErr));
}

TEST(PartialJoinerTest, FlushOfATruncatedLineHasBothFlags) {
  PartialJoiner joiner(3);
  EXPECT_FALSE(joiner.Add(kOut, "abcdef", 1, false));
  auto line = joiner.Flush(kOut);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "abc");
  EXPECT_EQ(line->flags, kFlagPartial | kFlagTruncated);
}

TEST(PartialJoinerTest, BufferIsReusedAndLargeOnesReleased) {
  PartialJoiner joiner(1 << 20);
  // Many joined lines of the same size: the stream's buffer is reused (same address).
  const char* first = nullptr;
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(joiner.Add(kOut, "0123456789", i, false));
    auto line = joiner.Add(kOut, "abcdefghij", i, true);
    ASSERT_TRUE(line);
    if (first == nullptr) first = line->text.data();
    EXPECT_EQ(line->text.data(), first) << i;
  }
  // A line far beyond kRetainedCapacity: its buffer is given back before the next line.
  const std::string big(PartialJoiner::kRetainedCapacity * 4, 'b');
  EXPECT_FALSE(joiner.Add(kOut, big, 0, false));
  auto line = joiner.Add(kOut, big, 0, true);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text.size(), 2 * big.size());
  EXPECT_FALSE(joiner.Add(kOut, "x", 0, false));
  line = joiner.Add(kOut, "y", 0, true);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "xy");
}

TEST(PartialJoinerTest, JoinedViewStaysValidWhileTheOtherStreamIsAdded) {
  PartialJoiner joiner(100);
  EXPECT_FALSE(joiner.Add(kOut, "he", 1, false));
  auto line = joiner.Add(kOut, "llo", 2, true);
  ASSERT_TRUE(line);
  EXPECT_FALSE(joiner.Add(kErr, "zz", 3, false));  // the other stream's buffer
  EXPECT_EQ(line->text, "hello");
}

}  // namespace
}  // namespace logcap
