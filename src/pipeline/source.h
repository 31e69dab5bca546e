// Source: a component that captures logs and emits them as EventBatches (Vector's "source").
//
// Lifecycle, driven by the Agent on one thread:
//   Start(context)  begin capturing on the source's own thread(s); emit through context.output.
//   Stop()          stop reading and join the threads. Batches already emitted may still be
//                   acknowledged afterwards (the AckToken callbacks must stay valid until Finish).
//   Finish()        called once the pipeline has drained: every emitted batch has been finalised.
//                   Persist final state (positions) here.
// A source never blocks the agent: under backpressure its own thread blocks in output->Push().
#pragma once

#include <cstddef>
#include <string>

#include "core/component_health.h"
#include "core/event_batch.h"
#include "core/status.h"

namespace logcap {

class Metrics;

// Where sources put what they capture. Implemented by the Dispatcher.
class BatchConsumer {
 public:
  virtual ~BatchConsumer() = default;
  // Takes the batch. Under the `block` policy this waits while the pipeline is full. Returns false
  // if the pipeline is shutting down and did not take the batch (its tokens were told kFailed).
  virtual bool Push(EventBatch&& batch) = 0;

  enum class Offer { kAccepted, kFull, kClosed };
  // Never waits (for sources that answer a client, e.g. HTTP ingest): kFull when the batch would
  // have to wait under the `block` policy (the batch is left untouched, the caller answers 429);
  // kClosed when shutting down. The drop policies accept and count as Push does.
  // The default suits consumers that never block.
  virtual Offer TryPush(EventBatch&& batch) { return Push(std::move(batch)) ? Offer::kAccepted : Offer::kClosed; }
};

struct SourceContext {
  BatchConsumer* output = nullptr;
  Metrics* metrics = nullptr;
  size_t max_batch_events = 1000;  // emit batches of at most this many events
};

class Source {
 public:
  virtual ~Source() = default;
  virtual const std::string& name() const = 0;  // the configured component, e.g. "file_monitor"
  virtual Status Start(const SourceContext& context) = 0;
  virtual void Stop() = 0;
  virtual Status Finish() = 0;
  // A JSON object with this source's counters, for GET /api/v1/stats.
  virtual std::string StatsJson() const = 0;
  // What GET /health says of the far side it reads from (e.g. brokers reachable), from any thread.
  virtual ComponentHealth Health() const { return {}; }
};

}  // namespace logcap
