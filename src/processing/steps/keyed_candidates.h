// The lock-free first pass of the per-key rate steps (sample, throttle): which records of a batch
// the step takes, and the XXH3 hash of each one's key, computed before the step takes its lock so
// the lock covers only the counter updates.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "processing/event_record.h"
#include "processing/template.h"

namespace logcap {

struct KeyedCandidate {
  bool taken = false;  // false: the step leaves this record alone
  bool keyed = false;  // true: `hash` is the record's key (else it shares the step's one counter)
  uint64_t hash = 0;
  bool drop = false;   // the step's verdict, set under its lock
};

// One entry per record, in the calling thread's reused vector (valid until the thread's next call).
// takes(record) says whether the step takes the record (its condition, exclusions).
template <typename Takes>
std::vector<KeyedCandidate>& HashCandidateKeys(std::span<EventRecord* const> records,
                                               const std::optional<Template>& key, Takes takes) {
  thread_local std::vector<KeyedCandidate> candidates;
  thread_local std::string text;
  candidates.assign(records.size(), KeyedCandidate{});
  for (size_t i = 0; i < records.size(); ++i) {
    EventRecord& record = *records[i];
    if (!takes(record)) continue;
    KeyedCandidate& c = candidates[i];
    c.taken = true;
    if (key) {
      text.clear();
      key->Expand(record, text);
      c.keyed = true;
      c.hash = XXH3_64bits(text.data(), text.size());
    }
  }
  return candidates;
}

}  // namespace logcap
