#include "sinks/stdout/stdout_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "unit/sinks/sink_test_util.h"

namespace logcap {
namespace {

using sinks_test::BatchBuilder;
using sinks_test::MakeSource;

class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe2(fds_, O_CLOEXEC), 0); }
  ~Pipe() {
    CloseRead();
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void CloseRead() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }
  // Everything written so far (the write end stays open, so read what is there without blocking).
  std::string Drain() {
    std::string out;
    const int flags = ::fcntl(fds_[0], F_GETFL);
    ::fcntl(fds_[0], F_SETFL, flags | O_NONBLOCK);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    ::fcntl(fds_[0], F_SETFL, flags);
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

EventBatch TwoLines() {
  BatchBuilder b;
  auto source = MakeSource("file", "/var/log/app.log");
  b.Add(source, "first");
  b.Add(source, "second");
  return b.Take();
}

TEST(StdoutSink, WritesTextLinesByDefaultOnFlush) {
  Pipe pipe;
  StdoutSink sink(StdoutSinkConfig{}, pipe.write_fd());
  ASSERT_TRUE(sink.Start().ok());
  EXPECT_EQ(sink.name(), "stdout");
  ASSERT_TRUE(sink.Write(TwoLines()).ok());
  EXPECT_EQ(pipe.Drain(), "") << "nothing is written before Flush";
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(pipe.Drain(),
            "2026-11-23T10:00:00.123456789Z file:/var/log/app.log first\n"
            "2026-11-23T10:00:00.123456789Z file:/var/log/app.log second\n");
}

TEST(StdoutSink, JsonFormatWritesContractObjects) {
  Pipe pipe;
  StdoutSinkConfig config;
  config.output_format = "json";
  StdoutSink sink(config, pipe.write_fd());
  ASSERT_TRUE(sink.Start().ok());
  ASSERT_TRUE(sink.Write(TwoLines()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  const std::string out = pipe.Drain();
  EXPECT_EQ(out.substr(0, 75), "{\"timestamp\":\"2026-11-23T10:00:00.123456789Z\",\"message\":\"first\",\"source_typ");
  EXPECT_EQ(sinks_test::SplitLines(out).size(), 2u);
}

TEST(StdoutSink, ClosedReaderIsRejectNotACrash) {
  Pipe pipe;
  StdoutSink sink(StdoutSinkConfig{}, pipe.write_fd());
  ASSERT_TRUE(sink.Start().ok());
  pipe.CloseRead();  // SIGPIPE would kill the test binary if the sink did not block it
  ASSERT_TRUE(sink.Write(TwoLines()).ok());
  SinkResult result = sink.Flush();
  EXPECT_EQ(result.verdict, SinkVerdict::kReject);
  EXPECT_NE(result.status.message().find("EPIPE"), std::string::npos) << result.status.ToString();
  // Permanent: later calls reject at once.
  EXPECT_EQ(sink.Write(TwoLines()).verdict, SinkVerdict::kReject);
  EXPECT_EQ(sink.Flush().verdict, SinkVerdict::kReject);
  EXPECT_NE(sink.StatsJson().find("\"closed\":true"), std::string::npos);
  sink.Stop();
}

TEST(StdoutSink, FullDiskIsRetry) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << "no /dev/full";
  StdoutSink sink(StdoutSinkConfig{}, fd);
  ASSERT_TRUE(sink.Start().ok());
  ASSERT_TRUE(sink.Write(TwoLines()).ok());
  SinkResult result = sink.Flush();
  EXPECT_EQ(result.verdict, SinkVerdict::kRetry);
  EXPECT_NE(result.status.message().find("No space left"), std::string::npos);
  ::close(fd);
}

TEST(StdoutSink, UnknownOutputFormatFailsStart) {
  StdoutSinkConfig config;
  config.output_format = "yaml";
  Status status = StdoutSink(config).Start();
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(status.message().find("yaml"), std::string::npos);
}

}  // namespace
}  // namespace logcap
