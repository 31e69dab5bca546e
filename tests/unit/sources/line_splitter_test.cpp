#include "sources/file/line_splitter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/event.h"

namespace logcap {
namespace {

struct Got {
  std::string text;
  uint64_t end_offset;
  uint8_t flags;
};

// Feeds data through a splitter in reads of the given sizes; keeps every view and its block, and
// checks at the end that the views still read the same bytes (the blocks keep them alive).
class Driver {
 public:
  explicit Driver(size_t max_line, uint64_t start = 0) : splitter_(max_line, start) {}

  void Read(std::string_view data) {
    while (!data.empty()) {
      std::span<char> buf = splitter_.PrepareRead(data.size());
      const size_t n = std::min(buf.size(), data.size());
      std::memcpy(buf.data(), data.data(), n);
      splitter_.Commit(n, [this](const LineSplitter::Line& l) { Record(l); });
      data.remove_prefix(n);
    }
  }
  bool Flush() {
    return splitter_.FlushPartial([this](const LineSplitter::Line& l) { Record(l); });
  }
  std::vector<Got> lines() const {
    for (size_t i = 0; i < views_.size(); ++i) EXPECT_EQ(std::string(views_[i]), got_[i].text) << "view " << i;
    return got_;
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& g : lines()) out.push_back(g.text);
    return out;
  }
  LineSplitter& splitter() { return splitter_; }

 private:
  void Record(const LineSplitter::Line& l) {
    ASSERT_NE(l.block, nullptr);
    ASSERT_NE(*l.block, nullptr);
    // The text lies inside the block it names.
    const char* begin = (*l.block)->data();
    EXPECT_GE(l.text.data(), begin);
    EXPECT_LE(l.text.data() + l.text.size(), begin + (*l.block)->size());
    blocks_.push_back(*l.block);
    views_.push_back(l.text);
    got_.push_back(Got{std::string(l.text), l.end_offset, l.flags});
  }

  LineSplitter splitter_;
  std::vector<ConstByteBlockPtr> blocks_;
  std::vector<std::string_view> views_;
  std::vector<Got> got_;
};

const std::string kSample = "alpha\n\nbeta\r\ngamma delta\n\r\nx\nlast-without-newline";

std::vector<Got> ExpectedSample() {
  return {{"alpha", 6, 0}, {"", 7, 0}, {"beta", 13, 0}, {"gamma delta", 25, 0}, {"", 27, 0}, {"x", 29, 0}};
}

void ExpectSameLines(const std::vector<Got>& got, const std::vector<Got>& want, const std::string& context) {
  ASSERT_EQ(got.size(), want.size()) << context;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].text, want[i].text) << context << " line " << i;
    EXPECT_EQ(got[i].end_offset, want[i].end_offset) << context << " line " << i;
    EXPECT_EQ(got[i].flags, want[i].flags) << context << " line " << i;
  }
}

TEST(LineSplitter, EverySplitPointOfASampleGivesTheSameLines) {
  for (size_t cut = 0; cut <= kSample.size(); ++cut) {
    Driver d(1024);
    d.Read(std::string_view(kSample).substr(0, cut));
    d.Read(std::string_view(kSample).substr(cut));
    ExpectSameLines(d.lines(), ExpectedSample(), "cut at " + std::to_string(cut));
    EXPECT_TRUE(d.splitter().has_partial());
    EXPECT_EQ(d.splitter().line_start_offset(), 29u);
  }
}

TEST(LineSplitter, EveryPairOfSplitPointsGivesTheSameLines) {
  for (size_t a = 0; a <= kSample.size(); ++a) {
    for (size_t b = a; b <= kSample.size(); ++b) {
      Driver d(1024);
      d.Read(std::string_view(kSample).substr(0, a));
      d.Read(std::string_view(kSample).substr(a, b - a));
      d.Read(std::string_view(kSample).substr(b));
      ExpectSameLines(d.lines(), ExpectedSample(), "cuts " + std::to_string(a) + "," + std::to_string(b));
    }
  }
}

TEST(LineSplitter, ByteByByteReadsGiveTheSameLines) {
  Driver d(1024);
  for (char c : kSample) d.Read(std::string_view(&c, 1));
  ExpectSameLines(d.lines(), ExpectedSample(), "byte by byte");
}

TEST(LineSplitter, HeldLastLineIsReportedOnlyByFlushAsPartial) {
  Driver d(1024);
  d.Read(kSample);
  EXPECT_EQ(d.lines().size(), 6u);
  ASSERT_TRUE(d.Flush());
  auto lines = d.lines();
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[6].text, "last-without-newline");
  EXPECT_EQ(lines[6].flags, kFlagPartial);
  EXPECT_EQ(lines[6].end_offset, kSample.size());
  EXPECT_FALSE(d.splitter().has_partial());
  EXPECT_FALSE(d.Flush());
  // What follows the flushed partial is a line of its own.
  d.Read("tail\n");
  EXPECT_EQ(d.lines().back().text, "tail");
}

TEST(LineSplitter, CarriageReturnIsStrippedOnlyRightBeforeTheNewline) {
  Driver d(1024);
  d.Read("a\rb\r\nc\r\r\n\r\n");
  EXPECT_EQ(d.texts(), (std::vector<std::string>{"a\rb", "c\r", ""}));
}

TEST(LineSplitter, EmptyLinesAreReported) {
  Driver d(1024);
  d.Read("\n\n\n");
  auto lines = d.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].end_offset, 3u);
}

TEST(LineSplitter, OffsetsStartAtTheResumeOffset) {
  Driver d(1024, 1000);
  d.Read("ab\ncd\n");
  auto lines = d.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].end_offset, 1003u);
  EXPECT_EQ(lines[1].end_offset, 1006u);
}

TEST(LineSplitter, LineOfExactlyMaxSizeIsNotTruncatedEvenWithCrLf) {
  Driver d(8);
  d.Read("12345678\n");
  d.Read("1234");
  d.Read("5678\r");
  d.Read("\n");
  auto lines = d.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "12345678");
  EXPECT_EQ(lines[0].flags, 0);
  EXPECT_EQ(lines[1].text, "12345678");
  EXPECT_EQ(lines[1].flags, 0);
}

TEST(LineSplitter, LineLongerThanMaxInOneReadIsTruncated) {
  Driver d(4);
  d.Read("123456789\nok\n");
  auto lines = d.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "1234");
  EXPECT_EQ(lines[0].flags, kFlagTruncated);
  EXPECT_EQ(lines[0].end_offset, 10u);
  EXPECT_EQ(lines[1].text, "ok");
}

TEST(LineSplitter, LineSpanningManyBlocksIsTruncatedOnceAndTheRestSkipped) {
  Driver d(10);
  std::string long_line(10000, 'x');
  for (size_t i = 0; i < long_line.size(); ++i) long_line[i] = static_cast<char>('a' + i % 26);
  d.Read("before\n");
  for (size_t i = 0; i < long_line.size(); i += 97) {
    d.Read(std::string_view(long_line).substr(i, 97));
    // While skipping, the line is held as partial and the resume offset stays at its start.
    EXPECT_TRUE(d.splitter().has_partial());
    EXPECT_EQ(d.splitter().line_start_offset(), 7u);
  }
  d.Read("\nafter\n");
  auto lines = d.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].text, long_line.substr(0, 10));
  EXPECT_EQ(lines[1].flags, kFlagTruncated);
  EXPECT_EQ(lines[1].end_offset, 7u + long_line.size() + 1);
  EXPECT_EQ(lines[2].text, "after");
  EXPECT_EQ(lines[2].flags, 0);
}

TEST(LineSplitter, SkippingALongLineNeverCarriesItsBytes) {
  LineSplitter s(16, 0);
  std::span<char> buf = s.PrepareRead(64);
  std::memset(buf.data(), 'x', 64);
  s.Commit(64, [](const LineSplitter::Line&) { FAIL() << "no line yet"; });
  // Past the limit nothing is carried: each new block is exactly the read size.
  for (int i = 0; i < 100; ++i) {
    buf = s.PrepareRead(64);
    EXPECT_EQ(buf.size(), 64u);
    std::memset(buf.data(), 'y', 64);
    s.Commit(64, [](const LineSplitter::Line&) { FAIL() << "no line yet"; });
  }
  EXPECT_TRUE(s.has_partial());
  EXPECT_EQ(s.next_read_offset(), 64u * 101);
}

TEST(LineSplitter, TenMebibyteLineInDefaultSizedReadsIsOneTruncatedEvent) {
  const size_t kMax = 1024 * 1024, kRead = 256 * 1024;
  LineSplitter s(kMax, 0);
  std::vector<Got> got;
  auto on_line = [&](const LineSplitter::Line& l) { got.push_back(Got{std::string(l.text), l.end_offset, l.flags}); };
  const size_t total = 10 * 1024 * 1024;
  size_t done = 0;
  while (done < total) {
    std::span<char> buf = s.PrepareRead(kRead);
    EXPECT_LE(buf.size(), kRead);
    const size_t n = std::min(buf.size(), total - done);
    std::memset(buf.data(), 'z', n);
    s.Commit(n, on_line);
    done += n;
  }
  std::span<char> buf = s.PrepareRead(kRead);
  std::memcpy(buf.data(), "\nnext\n", 6);
  s.Commit(6, on_line);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text.size(), kMax);
  EXPECT_EQ(got[0].flags, kFlagTruncated);
  EXPECT_EQ(got[0].end_offset, total + 1);
  EXPECT_EQ(got[1].text, "next");
}

TEST(LineSplitter, FlushWhileSkippingReportsTruncatedPartial) {
  Driver d(3);
  d.Read("abcdefgh");
  ASSERT_TRUE(d.Flush());
  auto lines = d.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "abc");
  EXPECT_EQ(lines[0].flags, kFlagTruncated | kFlagPartial);
  EXPECT_EQ(lines[0].end_offset, 8u);
  d.Read("ij\n");
  EXPECT_EQ(d.lines().back().text, "ij");
}

TEST(LineSplitter, ResetForgetsTheHeldLine) {
  Driver d(100);
  d.Read("held");
  d.splitter().Reset(0);
  EXPECT_FALSE(d.splitter().has_partial());
  d.Read("new\n");
  EXPECT_EQ(d.texts(), (std::vector<std::string>{"new"}));
}

}  // namespace
}  // namespace logcap
