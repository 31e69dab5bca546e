#include "pipeline/circuit_breaker.h"

#include <prometheus/gauge.h>

namespace logcap {

std::string_view CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kHalfOpen:
      return "half_open";
    case CircuitState::kOpen:
      return "open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(uint64_t threshold, prometheus::Gauge* gauge)
    : threshold_(threshold == 0 ? 1 : threshold), gauge_(gauge) {
  if (gauge_ != nullptr) gauge_->Set(0);
}

void CircuitBreaker::Set(CircuitState state) {
  state_.store(state, std::memory_order_relaxed);
  if (gauge_ != nullptr) gauge_->Set(static_cast<double>(state));
}

void CircuitBreaker::BeforeAttempt() {
  if (state() == CircuitState::kOpen) Set(CircuitState::kHalfOpen);
}

void CircuitBreaker::OnSuccess() {
  failures_.store(0, std::memory_order_relaxed);
  if (state() != CircuitState::kClosed) Set(CircuitState::kClosed);
}

bool CircuitBreaker::OnFailure(bool misconfigured) {
  const uint64_t failures = failures_.fetch_add(1, std::memory_order_relaxed) + 1;
  const CircuitState before = state();
  if (before == CircuitState::kOpen) return false;
  if (before == CircuitState::kHalfOpen || misconfigured || failures >= threshold_) {
    Set(CircuitState::kOpen);
    return true;
  }
  return false;
}

}  // namespace logcap
