// MultilineDecoder: joining continuation lines where they are read (plain files and container logs).
#include "sources/file/multiline_decoder.h"

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sources/container/container_log_decoder.h"

namespace logcap {
namespace {

struct Got {
  std::string text;
  const SourceInfo* source = nullptr;
  uint8_t flags = 0;
  uint64_t end_offset = 0;
  Nanos source_time = 0;
  bool no_copy = false;  // pointed into a block
};

class Collect final : public DecodedEventSink {
 public:
  void Add(const DecodedEvent& e) override {
    got.push_back(Got{std::string(e.text), e.source, e.flags, e.end_offset, e.source_time, e.block != nullptr});
  }
  std::vector<std::string> Texts() const {
    std::vector<std::string> out;
    for (const Got& g : got) out.push_back(g.text);
    return out;
  }
  std::vector<Got> got;
};

// Feeds lines as a TailedFile would, each in a block of its own that the feeder lets go of at once
// (a read boundary between every two lines: the decoder must keep what it holds alive itself).
class Feeder {
 public:
  explicit Feeder(LineDecoder& decoder) : decoder_(decoder) {}
  // Feeds one line (without its newline); returns where it started.
  uint64_t Line(const std::string& text, uint8_t flags = 0) {
    std::shared_ptr<ByteBlock> block = ByteBlock::Create(text.size() + 1);
    std::memcpy(block->data(), text.data(), text.size());
    block->set_size(text.size());
    ConstByteBlockPtr shared = block;
    block.reset();
    const uint64_t start = offset_;
    offset_ += text.size() + ((flags & kFlagPartial) != 0 ? 0 : 1);
    const LineSplitter::Line line{std::string_view(shared->data(), text.size()), &shared, offset_, flags};
    decoder_.Decode(line, start, out);
    return start;
  }
  void Lines(const std::vector<std::string>& lines) {
    for (const std::string& l : lines) Line(l);
  }
  uint64_t offset() const { return offset_; }
  Collect out;

 private:
  LineDecoder& decoder_;
  uint64_t offset_ = 0;
};

std::shared_ptr<const SourceInfo> FileInfo() {
  auto info = std::make_shared<SourceInfo>();
  info->type = "file";
  info->id = "/var/log/app.log";
  return info;
}

MultilineSpec PatternSpec(MultilineSpec::Mode mode, const char* pattern, bool negate = false) {
  MultilineSpec spec;
  spec.mode = mode;
  std::string error;
  spec.pattern = Regex::Compile(pattern, RegexOptions{}, &error);
  EXPECT_TRUE(spec.pattern.has_value()) << error;
  spec.negate = negate;
  return spec;
}

MultilineSpec Preset(const char* name) {
  MultilineSpec spec;
  std::string error;
  EXPECT_TRUE(ApplyMultilinePreset(name, &spec, &error)) << error;
  return spec;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

const std::vector<std::string> kJavaTrace = {
    "2026-11-24 07:00:00.123 ERROR [http-nio-8080-exec-1] c.e.OrderService - order 42 failed",
    "java.lang.IllegalStateException: inventory unavailable",
    "\tat com.example.OrderService.reserve(OrderService.java:87)",
    "\tat com.example.OrderService.place(OrderService.java:41)",
    "\tat org.springframework.aop.framework.ReflectiveMethodInvocation.proceed(ReflectiveMethodInvocation.java:186)",
    "Caused by: java.net.SocketTimeoutException: Read timed out",
    "\tat java.base/java.net.SocketInputStream.socketRead0(Native Method)",
    "\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:168)",
    "\t... 12 more",
    "\tSuppressed: java.lang.RuntimeException: close failed",
    "\t\tat com.example.Pool.close(Pool.java:12)",
    "\t\t... 14 common frames omitted",
};

TEST(MultilineDecoderTest, StartModeJoinsEveryLineUntilTheNextStartLine) {
  MultilineDecoder decoder(PatternSpec(MultilineSpec::Mode::kStart, R"(^\d{4}-\d{2}-\d{2} )"), FileInfo());
  Feeder f(decoder);
  f.Line("2026-11-24 07:00:00 INFO one");
  EXPECT_TRUE(f.out.got.empty());  // it may still be continued
  EXPECT_TRUE(decoder.holding());
  f.Line("  continued");
  f.Line("  and again");
  const uint64_t two = f.Line("2026-11-24 07:00:01 INFO two");
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].text, "2026-11-24 07:00:00 INFO one\n  continued\n  and again");
  EXPECT_EQ(f.out.got[0].end_offset, two);  // its last line's end: where the next group starts
  EXPECT_EQ(f.out.got[0].flags, 0);
  EXPECT_EQ(decoder.held_start_offset(), two);
  decoder.Flush(f.offset(), f.out);
  ASSERT_EQ(f.out.got.size(), 2u);
  EXPECT_EQ(f.out.got[1].text, "2026-11-24 07:00:01 INFO two");
  EXPECT_TRUE(f.out.got[1].no_copy);  // a group of one line stays a view into its block
  EXPECT_EQ(f.out.got[1].flags, 0);   // complete as far as anyone can tell: not partial
  EXPECT_FALSE(decoder.holding());
  EXPECT_EQ(decoder.held_start_offset(), std::nullopt);
}

TEST(MultilineDecoderTest, StartModeLinesBeforeAnyStartLineMakeAGroupOfTheirOwn) {
  MultilineDecoder decoder(PatternSpec(MultilineSpec::Mode::kStart, "^START"), FileInfo());
  Feeder f(decoder);
  f.Lines({"orphan 1", "orphan 2", "START x", "y"});
  decoder.Flush(f.offset(), f.out);
  EXPECT_EQ(f.out.Texts(), (std::vector<std::string>{"orphan 1\norphan 2", "START x\ny"}));
}

TEST(MultilineDecoderTest, ContinuationModeAndNegate) {
  {
    MultilineDecoder decoder(PatternSpec(MultilineSpec::Mode::kContinuation, R"(^\s)"), FileInfo());
    Feeder f(decoder);
    f.Lines({"a", " a1", "\ta2", "b", "c", " c1"});
    decoder.Flush(f.offset(), f.out);
    EXPECT_EQ(f.out.Texts(), (std::vector<std::string>{"a\n a1\n\ta2", "b", "c\n c1"}));
  }
  {
    // negate: lines that do NOT start with a date continue the previous one.
    MultilineDecoder decoder(PatternSpec(MultilineSpec::Mode::kContinuation, R"(^\d{4}-)", true), FileInfo());
    Feeder f(decoder);
    f.Lines({"2026-01-01 a", "more a", "2026-01-01 b"});
    decoder.Flush(f.offset(), f.out);
    EXPECT_EQ(f.out.Texts(), (std::vector<std::string>{"2026-01-01 a\nmore a", "2026-01-01 b"}));
  }
  {
    // negate in start mode: a line not indented begins an event.
    MultilineDecoder decoder(PatternSpec(MultilineSpec::Mode::kStart, R"(^\s)", true), FileInfo());
    Feeder f(decoder);
    f.Lines({"x", " x1", "y"});
    decoder.Flush(f.offset(), f.out);
    EXPECT_EQ(f.out.Texts(), (std::vector<std::string>{"x\n x1", "y"}));
  }
}

TEST(MultilineDecoderTest, JavaPresetJoinsTheLoggerLineTheThrowableAndEveryFrame) {
  MultilineDecoder decoder(Preset("java"), FileInfo());
  Feeder f(decoder);
  f.Line("2026-11-24 07:00:00.100 INFO  [main] c.e.App - started");
  f.Lines(kJavaTrace);
  f.Line("2026-11-24 07:00:00.200 INFO  [main] c.e.App - next request");
  f.Line("java.lang.NullPointerException");  // a header without message, printed after its line
  f.Line("\tat com.example.A.b(A.java:1)");
  decoder.Flush(f.offset(), f.out);
  ASSERT_EQ(f.out.got.size(), 3u);
  EXPECT_EQ(f.out.got[0].text, "2026-11-24 07:00:00.100 INFO  [main] c.e.App - started");
  EXPECT_EQ(f.out.got[1].text, Join(kJavaTrace));
  EXPECT_EQ(f.out.got[2].text,
            "2026-11-24 07:00:00.200 INFO  [main] c.e.App - next request\njava.lang.NullPointerException\n"
            "\tat com.example.A.b(A.java:1)");
}

TEST(MultilineDecoderTest, PythonPresetEndsTheTracebackWithItsExceptionLine) {
  MultilineDecoder decoder(Preset("python"), FileInfo());
  Feeder f(decoder);
  const std::vector<std::string> traceback = {
      "Traceback (most recent call last):",
      "  File \"/app/server.py\", line 88, in handle",
      "    result = process(payload)",
      "  File \"/app/server.py\", line 41, in process",
      "    return int(payload[\"count\"]) / total",
      "           ~~~~~~~~~~~~~~~~~~~~~~^~~~~~~",
      "ZeroDivisionError: division by zero",
  };
  f.Line("INFO:root:handling request 7");
  ASSERT_EQ(f.out.got.size(), 1u);  // no group begins with it: an event at once, nothing held
  EXPECT_FALSE(decoder.holding());
  f.Lines(traceback);
  // The exception line is the traceback's last: emitted at once, not held for the next line.
  ASSERT_EQ(f.out.got.size(), 2u);
  EXPECT_EQ(f.out.got[1].text, Join(traceback));
  EXPECT_FALSE(decoder.holding());
  f.Line("INFO:root:handling request 8");
  ASSERT_EQ(f.out.got.size(), 3u);
  EXPECT_EQ(f.out.got[2].text, "INFO:root:handling request 8");
}

TEST(MultilineDecoderTest, PythonPresetJoinsAChainedExceptionsPreambleToItsTraceback) {
  MultilineDecoder decoder(Preset("python"), FileInfo());
  Feeder f(decoder);
  f.Lines({"Traceback (most recent call last):", "  File \"a.py\", line 2, in <module>", "    d[\"k\"]",
           "KeyError: 'k'", "", "During handling of the above exception, another exception occurred:", "",
           "Traceback (most recent call last):", "  File \"a.py\", line 4, in <module>",
           "    raise RuntimeError(\"lookup failed\")", "RuntimeError: lookup failed"});
  EXPECT_FALSE(decoder.holding());
  EXPECT_EQ(f.out.Texts(),
            (std::vector<std::string>{
                "Traceback (most recent call last):\n  File \"a.py\", line 2, in <module>\n    d[\"k\"]\nKeyError: 'k'",
                "",
                "During handling of the above exception, another exception occurred:\n\nTraceback (most recent call "
                "last):\n  File \"a.py\", line 4, in <module>\n    raise RuntimeError(\"lookup failed\")\nRuntimeError: "
                "lookup failed"}));
}

TEST(MultilineDecoderTest, GoPresetJoinsAPanicWithEveryGoroutine) {
  MultilineDecoder decoder(Preset("go"), FileInfo());
  Feeder f(decoder);
  const std::vector<std::string> panic = {
      "panic: runtime error: index out of range [5] with length 3",
      "",
      "goroutine 1 [running]:",
      "main.lookup(...)",
      "\t/src/app/main.go:12",
      "main.main()",
      "\t/src/app/main.go:7 +0x1d",
      "",
      "goroutine 18 [chan receive, 2 minutes]:",
      "net/http.(*conn).serve(0xc000120000, {0x6f1e58, 0xc00009e000})",
      "\t/usr/local/go/src/net/http/server.go:1995 +0x612",
      "created by net/http.(*Server).Serve in goroutine 1",
      "\t/usr/local/go/src/net/http/server.go:3089 +0x5ed",
  };
  f.Line("2026/11/24 07:00:00 listening on :8080");
  f.Lines(panic);
  f.Line("exit status 2");
  decoder.Flush(f.offset(), f.out);
  EXPECT_EQ(f.out.Texts(),
            (std::vector<std::string>{"2026/11/24 07:00:00 listening on :8080", Join(panic), "exit status 2"}));
}

TEST(MultilineDecoderTest, GoPresetSignalPanicsAndRecoveredPanics) {
  MultilineDecoder decoder(Preset("go"), FileInfo());
  Feeder f(decoder);
  const std::vector<std::string> signal = {
      "panic: runtime error: invalid memory address or nil pointer dereference",
      "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47e0b5]",
      "",
      "goroutine 1 [running]:",
      "main.main()",
      "\t/src/app/main.go:9 +0x15",
  };
  const std::vector<std::string> recovered = {
      "panic: first [recovered]",
      "\tpanic: second",
      "",
      "goroutine 1 [running]:",
      "main.main()",
      "\t/src/app/main.go:20 +0x60",
  };
  f.Lines(signal);
  f.Lines(recovered);
  decoder.Flush(f.offset(), f.out);
  EXPECT_EQ(f.out.Texts(), (std::vector<std::string>{Join(signal), Join(recovered)}));
}

TEST(MultilineDecoderTest, MaxLinesEmitsTheGroupAndTheRestBeginsANewOne) {
  MultilineSpec spec = PatternSpec(MultilineSpec::Mode::kStart, "^S");
  spec.max_lines = 3;
  MultilineDecoder decoder(spec, FileInfo());
  Feeder f(decoder);
  f.Lines({"S", "1", "2", "3", "4", "5", "6"});
  decoder.Flush(f.offset(), f.out);
  EXPECT_EQ(f.out.Texts(), (std::vector<std::string>{"S\n1\n2", "3\n4\n5", "6"}));
  for (const Got& g : f.out.got) EXPECT_EQ(g.flags & kFlagTruncated, 0);
}

TEST(MultilineDecoderTest, MaxBytesCutsTheEventFlagsItAndTheRestBeginsTheNext) {
  MultilineSpec spec = PatternSpec(MultilineSpec::Mode::kStart, "^S");
  spec.max_bytes = 12;
  MultilineDecoder decoder(spec, FileInfo());
  Feeder f(decoder);
  f.Lines({"S 12345", "abcd", "efgh", "S 0123456789abcdef", "S \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"});
  decoder.Flush(f.offset(), f.out);
  ASSERT_EQ(f.out.got.size(), 4u);
  EXPECT_EQ(f.out.got[0].text, "S 12345\nabcd");  // 12 bytes; "\nefgh" would pass the limit
  EXPECT_EQ(f.out.got[0].flags, kFlagTruncated);
  EXPECT_EQ(f.out.got[1].text, "efgh");  // the rest of the group
  EXPECT_EQ(f.out.got[1].flags, 0);
  EXPECT_EQ(f.out.got[2].text, "S 0123456789");  // one line longer than max_bytes: cut
  EXPECT_EQ(f.out.got[2].flags, kFlagTruncated);
  EXPECT_EQ(f.out.got[3].text, "S \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
  EXPECT_EQ(f.out.got[3].flags, kFlagTruncated);
  EXPECT_EQ(f.out.got[3].text.size(), 12u);  // 2 + 5 of the 6 two-byte characters: none split
  EXPECT_EQ(spec.stats->truncated.load(), 3u);
}

TEST(MultilineDecoderTest, MaxBytesNeverSplitsAUtf8Character) {
  MultilineSpec spec = PatternSpec(MultilineSpec::Mode::kStart, "^S");
  spec.max_bytes = 5;
  MultilineDecoder decoder(spec, FileInfo());
  Feeder f(decoder);
  f.Line("S \xe2\x82\xac\xe2\x82\xac");  // S, space, two 3-byte euro signs
  decoder.Flush(f.offset(), f.out);
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].text, "S \xe2\x82\xac");
}

TEST(MultilineDecoderTest, HeldStartOffsetIsTheStartOfTheHeldGroupAndSeparatorIsUsed) {
  MultilineSpec spec = PatternSpec(MultilineSpec::Mode::kStart, "^S");
  spec.separator = " | ";
  MultilineDecoder decoder(spec, FileInfo());
  Feeder f(decoder);
  EXPECT_EQ(decoder.held_start_offset(), std::nullopt);
  const uint64_t first = f.Line("S one");
  EXPECT_EQ(decoder.held_start_offset(), first);
  f.Line("cont");
  EXPECT_EQ(decoder.held_start_offset(), first);  // not the last line's start: the group's
  const uint64_t second = f.Line("S two");
  EXPECT_EQ(decoder.held_start_offset(), second);
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].text, "S one | cont");
  EXPECT_EQ(f.out.got[0].end_offset, second);
}

TEST(MultilineDecoderTest, FlushIdleEmitsGroupsAfterTheirTimeoutAndFlagsPartialOnlyForPartialLines) {
  MultilineSpec spec = PatternSpec(MultilineSpec::Mode::kStart, "^S");
  spec.flush_timeout = 2 * kNanosPerSecond;
  MultilineDecoder decoder(spec, FileInfo());
  Feeder f(decoder);
  EXPECT_EQ(decoder.flush_after(), std::nullopt);  // nothing held
  f.Lines({"S a", "b"});
  EXPECT_EQ(decoder.flush_after(), 2 * kNanosPerSecond);
  decoder.FlushIdle(kNanosPerSecond, f.out);
  EXPECT_TRUE(f.out.got.empty());
  decoder.FlushIdle(2 * kNanosPerSecond, f.out);
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].text, "S a\nb");
  EXPECT_EQ(f.out.got[0].flags, 0);
  EXPECT_EQ(decoder.flush_after(), std::nullopt);
  // A line without its newline, flushed by the splitter (kFlagPartial), makes its group partial.
  f.Line("S c");
  f.Line("still typ", kFlagPartial);
  decoder.Flush(f.offset(), f.out);
  ASSERT_EQ(f.out.got.size(), 2u);
  EXPECT_EQ(f.out.got[1].text, "S c\nstill typ");
  EXPECT_EQ(f.out.got[1].flags, kFlagPartial);
  EXPECT_EQ(f.out.got[1].end_offset, f.offset());
}

TEST(MultilineDecoderTest, ResetForgetsHeldGroups) {
  MultilineDecoder decoder(PatternSpec(MultilineSpec::Mode::kStart, "^S"), FileInfo());
  Feeder f(decoder);
  f.Lines({"S a", "b"});
  decoder.Reset();
  EXPECT_FALSE(decoder.holding());
  decoder.Flush(f.offset(), f.out);
  EXPECT_TRUE(f.out.got.empty());
}

TEST(MultilineDecoderTest, ACatastrophicPatternCountsAsNoMatchAndIsCounted) {
  MultilineSpec spec = PatternSpec(MultilineSpec::Mode::kStart, "^(a+)+$");
  MultilineDecoder decoder(spec, FileInfo());
  Feeder f(decoder);
  f.Line("aaaa");                                   // a start line
  f.Line(std::string(40, 'a') + "b");               // hits the limit: not a start, continues
  f.Line("aa");
  decoder.Flush(f.offset(), f.out);
  EXPECT_EQ(f.out.Texts(), (std::vector<std::string>{"aaaa\n" + std::string(40, 'a') + "b", "aa"}));
  EXPECT_GE(spec.stats->regex_limits.load(), 1u);
}

// ---------------------------------------------------------------- container logs

std::string DockerRecord(const std::string& escaped_log, const std::string& stream) {
  return R"({"log":")" + escaped_log + R"(","stream":")" + stream + R"(","time":"2026-11-24T07:00:00.123456789Z"})";
}

struct Container {
  Container() {
    shared = std::make_shared<ContainerDecodeShared>();
    auto make = [](const char* stream) {
      auto info = std::make_shared<SourceInfo>();
      info->type = "docker";
      info->id = "abc";
      if (stream != nullptr) info->labels.Set("stream", stream);
      return info;
    };
    sources = ContainerSources{make("stdout"), make("stderr"), make(nullptr)};
  }
  std::unique_ptr<LineDecoder> Decoder() {
    return std::make_unique<ContainerLogDecoder>(ContainerLogFormat::kDocker, shared, sources, "/x/x-json.log");
  }
  std::shared_ptr<ContainerDecodeShared> shared;
  ContainerSources sources;
};

TEST(MultilineDecoderTest, ContainerStdoutAndStderrInterleavedAreJoinedSeparately) {
  Container c;
  const MultilineSpec java = Preset("java");
  MultilineDecoder decoder(c.Decoder(), {&java, &java, &java});
  Feeder f(decoder);
  const uint64_t out_start = f.Line(DockerRecord("java.lang.IllegalStateException: out\\n", "stdout"));
  f.Line(DockerRecord("ERROR err side\\n", "stderr"));
  f.Line(DockerRecord("\\tat a.B.c(B.java:1)\\n", "stdout"));
  f.Line(DockerRecord("\\tat x.Y.z(Y.java:2)\\n", "stderr"));
  // Docker cut this stdout line in two parts: the inner decoder joins them before we see the line.
  f.Line(DockerRecord("\\tat a.B.d(B.java:", "stdout"));
  f.Line(DockerRecord("\\tat q.R.s(R.java:3)\\n", "stderr"));
  EXPECT_EQ(decoder.held_start_offset(), out_start);
  f.Line(DockerRecord("2)\\n", "stdout"));
  EXPECT_TRUE(f.out.got.empty());
  f.Line(DockerRecord("not a continuation\\n", "stderr"));
  f.Line("this is not JSON");  // malformed: passed through at once
  ASSERT_EQ(f.out.got.size(), 2u);
  EXPECT_EQ(f.out.got[0].text, "ERROR err side\n\tat x.Y.z(Y.java:2)\n\tat q.R.s(R.java:3)");
  EXPECT_EQ(f.out.got[0].source, c.sources.stderr_info.get());
  EXPECT_NE(f.out.got[0].source_time, 0);
  EXPECT_EQ(f.out.got[1].text, "this is not JSON");
  EXPECT_EQ(f.out.got[1].flags, kFlagMalformed);
  EXPECT_EQ(decoder.held_start_offset(), out_start);  // the stdout group still holds the position
  decoder.Flush(f.offset(), f.out);
  ASSERT_EQ(f.out.got.size(), 4u);
  EXPECT_EQ(f.out.got[2].text, "java.lang.IllegalStateException: out\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)");
  EXPECT_EQ(f.out.got[2].source, c.sources.stdout_info.get());
  EXPECT_EQ(f.out.got[2].flags, 0);
  EXPECT_EQ(f.out.got[3].text, "not a continuation");
  EXPECT_EQ(f.out.got[3].source, c.sources.stderr_info.get());
}

TEST(MultilineDecoderTest, ContainerTimeoutFlushLeavesTheRuntimesPartsHeld) {
  Container c;
  MultilineSpec spec = PatternSpec(MultilineSpec::Mode::kStart, "^S");
  spec.flush_timeout = kNanosPerSecond;
  MultilineDecoder decoder(c.Decoder(), {&spec, nullptr, nullptr});  // stderr is not joined
  Feeder f(decoder);
  const uint64_t group = f.Line(DockerRecord("S one\\n", "stdout"));
  f.Line(DockerRecord("cont\\n", "stdout"));
  f.Line(DockerRecord("stderr line\\n", "stderr"));  // passes through
  ASSERT_EQ(f.out.Texts(), (std::vector<std::string>{"stderr line"}));
  const uint64_t part = f.Line(DockerRecord("S half of a li", "stdout"));  // a part: the runtime's
  EXPECT_EQ(decoder.held_start_offset(), group);
  decoder.FlushIdle(kNanosPerSecond, f.out);
  ASSERT_EQ(f.out.got.size(), 2u);
  EXPECT_EQ(f.out.got[1].text, "S one\ncont");
  EXPECT_EQ(f.out.got[1].flags, 0);
  EXPECT_TRUE(decoder.holding());  // the part is still held by the inner decoder
  EXPECT_EQ(decoder.held_start_offset(), part);
  f.Line(DockerRecord("ne\\n", "stdout"));
  EXPECT_EQ(decoder.held_start_offset(), part);  // the joined line begins a group held from the part
  decoder.Flush(f.offset(), f.out);
  ASSERT_EQ(f.out.got.size(), 3u);
  EXPECT_EQ(f.out.got[2].text, "S half of a line");
}

TEST(MultilineDecoderTest, WrapWithMultilineWrapsOnlyWhenAPipelineAsksForIt) {
  const MultilineSpec spec = Preset("java");
  auto info = FileInfo();
  EXPECT_EQ(WrapWithMultiline(nullptr, info, nullptr), nullptr);
  EXPECT_EQ(WrapWithMultiline(nullptr, info, [](const SourceInfo&) -> const MultilineSpec* { return nullptr; }),
            nullptr);
  auto plain = WrapWithMultiline(nullptr, info, [&](const SourceInfo&) { return &spec; });
  ASSERT_NE(plain, nullptr);
  ASSERT_EQ(plain->sources().size(), 1u);
  EXPECT_EQ(plain->sources()[0], info);
  Container c;
  std::unique_ptr<LineDecoder> inner = c.Decoder();
  LineDecoder* raw = inner.get();
  auto unchanged = WrapWithMultiline(std::move(inner), info, [](const SourceInfo&) -> const MultilineSpec* {
    return nullptr;
  });
  EXPECT_EQ(unchanged.get(), raw);
  // Only stderr selects a multiline pipeline: stdout passes through.
  auto wrapped = WrapWithMultiline(c.Decoder(), info, [&](const SourceInfo& s) -> const MultilineSpec* {
    const std::string* stream = s.labels.Find("stream");
    return stream != nullptr && *stream == "stderr" ? &spec : nullptr;
  });
  ASSERT_NE(dynamic_cast<MultilineDecoder*>(wrapped.get()), nullptr);
  Feeder f(*wrapped);
  f.Line(DockerRecord("out\\n", "stdout"));
  f.Line(DockerRecord("\\tat out.A(A.java:1)\\n", "stdout"));
  f.Line(DockerRecord("err\\n", "stderr"));
  f.Line(DockerRecord("\\tat err.A(A.java:1)\\n", "stderr"));
  wrapped->Flush(f.offset(), f.out);
  EXPECT_EQ(f.out.Texts(), (std::vector<std::string>{"out", "\tat out.A(A.java:1)", "err\n\tat err.A(A.java:1)"}));
}

}  // namespace
}  // namespace logcap
