#include "core/event_batch.h"

#include <algorithm>
#include <iterator>

namespace logcap {

void EventBatch::RetainBlock(ConstByteBlockPtr block) {
  // Sources emit many batches per block and many events per block: keep one reference each.
  if (!blocks_.empty() && blocks_.back() == block) return;
  blocks_.push_back(std::move(block));
}

const SourceInfo* EventBatch::RetainSource(std::shared_ptr<const SourceInfo> source) {
  const SourceInfo* raw = source.get();
  for (const auto& s : sources_)
    if (s.get() == raw) return raw;
  sources_.push_back(std::move(source));
  return raw;
}

void EventBatch::ReportOutcome(DeliveryOutcome outcome) const {
  for (const auto& token : acks_) token->Report(outcome);
}

uint32_t EventBatch::AddAttributes(EventAttributes attributes) {
  attributes_.push_back(std::move(attributes));
  return static_cast<uint32_t>(attributes_.size() - 1);
}

void EventBatch::Append(EventBatch&& other) {
  if (other.events_.empty() && other.acks_.empty()) return;
  const uint32_t attribute_base = static_cast<uint32_t>(attributes_.size());
  if (attribute_base != 0) {
    for (Event& e : other.events_)
      if (e.attributes != kNoAttributes) e.attributes += attribute_base;
  }
  if (events_.empty()) {
    events_ = std::move(other.events_);
  } else {
    events_.insert(events_.end(), other.events_.begin(), other.events_.end());
  }
  for (auto& block : other.blocks_) RetainBlock(std::move(block));
  for (auto& source : other.sources_) RetainSource(std::move(source));
  std::move(other.attributes_.begin(), other.attributes_.end(), std::back_inserter(attributes_));
  std::move(other.acks_.begin(), other.acks_.end(), std::back_inserter(acks_));
  message_bytes_ += other.message_bytes_;
  if (other.oldest_read_ != 0 && (oldest_read_ == 0 || other.oldest_read_ < oldest_read_)) oldest_read_ = other.oldest_read_;
  other = EventBatch();
}

EventBatch EventBatch::Slice(size_t from, size_t to) const {
  EventBatch slice;
  to = std::min(to, events_.size());
  if (from >= to) return slice;
  slice.blocks_ = blocks_;
  slice.sources_ = sources_;
  slice.events_.reserve(to - from);
  for (size_t i = from; i < to; ++i) {
    Event e = events_[i];
    if (e.attributes != kNoAttributes) e.attributes = slice.AddAttributes(attributes_[e.attributes]);
    slice.Add(e);
  }
  return slice;
}

}  // namespace logcap
