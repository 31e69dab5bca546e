#include "sinks/null/null_sink.h"

#include <gtest/gtest.h>

#include "unit/sinks/sink_test_util.h"

namespace logcap {
namespace {

TEST(NullSink, DiscardsAndCountsEventsAndMessageBytes) {
  NullSink sink;
  ASSERT_TRUE(sink.Start().ok());
  EXPECT_EQ(sink.name(), "null");
  sinks_test::BatchBuilder b;
  auto source = sinks_test::MakeSource("file", "/a");
  b.Add(source, "abc");
  b.Add(source, "de");
  ASSERT_TRUE(sink.Write(b.Take()).ok());
  ASSERT_TRUE(sink.Flush().ok());
  EXPECT_EQ(sink.events(), 2u);
  EXPECT_EQ(sink.bytes(), 5u);
  EXPECT_EQ(sink.StatsJson(), "{\"events\":2,\"bytes\":5,\"batches\":1,\"flushes\":1}");
  sink.Stop();
}

}  // namespace
}  // namespace logcap
