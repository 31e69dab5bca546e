// EventBatch: the unit that moves through the pipeline. Hot paths move batches, never single events.
//
// A batch owns everything its events point at: the byte blocks holding messages, the SourceInfo of
// each source, per-event attributes, and the acknowledgement tokens of the source batches merged
// into it. Events are cheap PODs; merging two batches moves their vectors and remaps attribute
// indices, and copies no message bytes.
//
// Ownership and threads: a batch is built by one thread (a source), then moved into the dispatcher,
// and is shared read-only (shared_ptr<const EventBatch>) by the sinks. It is not internally
// synchronised: only its owner may mutate it.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "core/acknowledgement.h"
#include "core/byte_block.h"
#include "core/event.h"

namespace logcap {

class EventBatch {
 public:
  EventBatch() = default;
  EventBatch(EventBatch&&) noexcept = default;
  EventBatch& operator=(EventBatch&&) noexcept = default;
  EventBatch(const EventBatch&) = delete;
  EventBatch& operator=(const EventBatch&) = delete;

  // Keeps the bytes that events point into alive for the life of the batch.
  void RetainBlock(ConstByteBlockPtr block);
  // Keeps a source description alive; returns the pointer events should store.
  const SourceInfo* RetainSource(std::shared_ptr<const SourceInfo> source);
  // Adds an acknowledgement token; it is finalised when this batch (and every copy) is released.
  void AddAck(AckTokenPtr token) { acks_.push_back(std::move(token)); }
  // Reports an outcome to every token this batch carries.
  void ReportOutcome(DeliveryOutcome outcome) const;
  // Moves the tokens out: the caller now decides when the source batches are finalised (the disk
  // buffer releases them once the batch is durable, not when the sinks are done).
  std::vector<AckTokenPtr> TakeAcks() {
    std::vector<AckTokenPtr> taken;
    taken.swap(acks_);
    return taken;
  }

  // Appends an event; its message must point into a retained block and its source be retained.
  Event& Add(const Event& event) {
    message_bytes_ += event.message.size();
    if (event.read_time != 0 && (oldest_read_ == 0 || event.read_time < oldest_read_)) oldest_read_ = event.read_time;
    return events_.emplace_back(event);
  }
  // Attaches attributes to an event; returns the index stored in Event::attributes.
  uint32_t AddAttributes(EventAttributes attributes);
  const EventAttributes* AttributesOf(const Event& event) const {
    return event.attributes == kNoAttributes ? nullptr : &attributes_[event.attributes];
  }
  EventAttributes* MutableAttributesOf(const Event& event) {
    return event.attributes == kNoAttributes ? nullptr : &attributes_[event.attributes];
  }

  // Moves all of other's events and resources to the end of this batch. other is left empty.
  void Append(EventBatch&& other);
  // A new batch holding events [from, to) of this one: it shares the byte blocks and sources
  // (no message bytes are copied) and copies those events' attributes. Acks are not carried.
  EventBatch Slice(size_t from, size_t to) const;

  // Removes events for which drop(event) is true (processors use this). Keeps order.
  template <typename Pred>
  size_t RemoveIf(Pred drop) {
    size_t kept = 0, removed_bytes = 0;
    for (size_t i = 0; i < events_.size(); ++i) {
      if (drop(events_[i])) {
        removed_bytes += events_[i].message.size();
      } else {
        if (kept != i) events_[kept] = events_[i];
        ++kept;
      }
    }
    size_t removed = events_.size() - kept;
    events_.resize(kept);
    message_bytes_ -= removed_bytes;
    return removed;
  }

  // After messages were replaced through mutable_events() (processors): recomputes message_bytes().
  void RecountMessageBytes() {
    message_bytes_ = 0;
    for (const Event& e : events_) message_bytes_ += e.message.size();
  }

  const std::vector<Event>& events() const { return events_; }
  std::vector<Event>& mutable_events() { return events_; }
  size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }
  size_t message_bytes() const { return message_bytes_; }
  // The earliest read time of any event added (for end-to-end latency); 0 when none. Kept as a
  // running minimum: events removed later may have been the oldest (it stays a lower bound).
  Nanos OldestReadTime() const { return oldest_read_; }
  size_t ack_count() const { return acks_.size(); }
  void Reserve(size_t n) { events_.reserve(n); }
  // Room for n more attribute entries (a processor about to give many events attributes).
  void ReserveAttributes(size_t n) { attributes_.reserve(attributes_.size() + n); }

 private:
  std::vector<Event> events_;
  std::vector<ConstByteBlockPtr> blocks_;
  std::vector<std::shared_ptr<const SourceInfo>> sources_;
  std::vector<EventAttributes> attributes_;
  std::vector<AckTokenPtr> acks_;
  size_t message_bytes_ = 0;
  Nanos oldest_read_ = 0;
};

using SharedBatch = std::shared_ptr<const EventBatch>;

}  // namespace logcap
