// CircuitBreaker: its transitions and the log_capturer_sink_circuit_state gauge that mirrors them.
#include "pipeline/circuit_breaker.h"

#include <gtest/gtest.h>
#include <prometheus/gauge.h>

#include "telemetry/metrics.h"

namespace logcap {
namespace {

class CircuitBreakerTest : public ::testing::Test {
 protected:
  Metrics metrics;
  prometheus::Gauge& gauge = metrics.SinkCircuitState("breaker_test");

  // The state and the gauge must always agree: 0 closed, 1 half-open, 2 open.
  void ExpectState(const CircuitBreaker& breaker, CircuitState state) {
    EXPECT_EQ(breaker.state(), state);
    EXPECT_EQ(gauge.Value(), static_cast<double>(state));
  }
};

TEST_F(CircuitBreakerTest, StartsClosedAndOpensAtTheThreshold) {
  CircuitBreaker breaker(3, &gauge);
  ExpectState(breaker, CircuitState::kClosed);
  breaker.BeforeAttempt();
  EXPECT_FALSE(breaker.OnFailure(false));
  breaker.BeforeAttempt();
  EXPECT_FALSE(breaker.OnFailure(false));
  ExpectState(breaker, CircuitState::kClosed);
  EXPECT_EQ(breaker.consecutive_failures(), 2u);
  breaker.BeforeAttempt();
  EXPECT_TRUE(breaker.OnFailure(false));  // the third one opens it
  ExpectState(breaker, CircuitState::kOpen);
}

TEST_F(CircuitBreakerTest, ASuccessBeforeTheThresholdResetsTheCount) {
  CircuitBreaker breaker(2, &gauge);
  EXPECT_FALSE(breaker.OnFailure(false));
  breaker.OnSuccess();
  EXPECT_EQ(breaker.consecutive_failures(), 0u);
  EXPECT_FALSE(breaker.OnFailure(false));  // counts from zero again
  ExpectState(breaker, CircuitState::kClosed);
}

TEST_F(CircuitBreakerTest, NextAttemptAfterOpeningIsHalfOpenAndSuccessCloses) {
  CircuitBreaker breaker(1, &gauge);
  EXPECT_TRUE(breaker.OnFailure(false));
  ExpectState(breaker, CircuitState::kOpen);
  breaker.BeforeAttempt();
  ExpectState(breaker, CircuitState::kHalfOpen);
  breaker.OnSuccess();
  ExpectState(breaker, CircuitState::kClosed);
  EXPECT_EQ(breaker.consecutive_failures(), 0u);
}

TEST_F(CircuitBreakerTest, FailureInHalfOpenReopens) {
  CircuitBreaker breaker(5, &gauge);
  for (int i = 0; i < 5; ++i) breaker.OnFailure(false);
  ExpectState(breaker, CircuitState::kOpen);
  breaker.BeforeAttempt();
  ExpectState(breaker, CircuitState::kHalfOpen);
  EXPECT_TRUE(breaker.OnFailure(false));  // one failure is enough in half-open
  ExpectState(breaker, CircuitState::kOpen);
}

TEST_F(CircuitBreakerTest, FailureWhileAlreadyOpenDoesNotReportOpeningAgain) {
  CircuitBreaker breaker(1, &gauge);
  EXPECT_TRUE(breaker.OnFailure(false));
  EXPECT_FALSE(breaker.OnFailure(false));
  ExpectState(breaker, CircuitState::kOpen);
}

TEST_F(CircuitBreakerTest, MisconfiguredOpensAtOnce) {
  CircuitBreaker breaker(100, &gauge);
  breaker.BeforeAttempt();
  EXPECT_TRUE(breaker.OnFailure(true));
  ExpectState(breaker, CircuitState::kOpen);
  EXPECT_EQ(breaker.consecutive_failures(), 1u);
}

TEST_F(CircuitBreakerTest, BeforeAttemptLeavesAClosedBreakerClosed) {
  CircuitBreaker breaker(2, &gauge);
  breaker.BeforeAttempt();
  ExpectState(breaker, CircuitState::kClosed);
}

TEST_F(CircuitBreakerTest, ThresholdZeroBehavesAsOneAndNullGaugeIsAllowed) {
  CircuitBreaker breaker(0, nullptr);
  EXPECT_TRUE(breaker.OnFailure(false));
  EXPECT_EQ(breaker.state(), CircuitState::kOpen);
  breaker.BeforeAttempt();
  EXPECT_EQ(breaker.state(), CircuitState::kHalfOpen);
  breaker.OnSuccess();
  EXPECT_EQ(breaker.state(), CircuitState::kClosed);
}

TEST(CircuitStateName, NamesEveryState) {
  EXPECT_EQ(CircuitStateName(CircuitState::kClosed), "closed");
  EXPECT_EQ(CircuitStateName(CircuitState::kHalfOpen), "half_open");
  EXPECT_EQ(CircuitStateName(CircuitState::kOpen), "open");
}

}  // namespace
}  // namespace logcap
