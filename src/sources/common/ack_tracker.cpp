#include "sources/common/ack_tracker.h"

namespace logcap {

AckTracker::AckTracker(uint64_t stream_id, uint64_t start_offset) : stream_id_(stream_id), committed_(start_offset) {}

uint64_t AckTracker::Register(uint64_t end_offset) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(Entry{end_offset, State::kInFlight});
  return first_ticket_ + entries_.size() - 1;
}

void AckTracker::Finalize(uint64_t ticket, DeliveryOutcome outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ticket < first_ticket_ || ticket - first_ticket_ >= entries_.size()) return;
  Entry& entry = entries_[ticket - first_ticket_];
  if (entry.state != State::kInFlight) return;
  if (outcome == DeliveryOutcome::kFailed) {
    entry.state = State::kFailed;
    failed_ = true;
    return;
  }
  entry.state = State::kDone;
  while (!entries_.empty() && entries_.front().state == State::kDone) {
    if (entries_.front().end_offset > committed_) committed_ = entries_.front().end_offset;
    entries_.pop_front();
    ++first_ticket_;
  }
}

AckTokenPtr AckTracker::MakeToken(const std::shared_ptr<AckTracker>& tracker, uint64_t end_offset) {
  const uint64_t ticket = tracker->Register(end_offset);
  return std::make_shared<AckToken>([tracker, ticket](DeliveryOutcome outcome) { tracker->Finalize(ticket, outcome); });
}

uint64_t AckTracker::committed_offset() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_;
}

size_t AckTracker::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

bool AckTracker::has_failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

}  // namespace logcap
