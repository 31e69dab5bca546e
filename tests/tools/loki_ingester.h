// LokiIngester: what a single-binary Loki does with a decoded push (distributor checks, then the
// ingester's per-stream rules), with per-tenant stream state, counters, Loki's answer, and the
// store lines of what it accepted.
//
// Contract, per Push(), streams and entries in request order:
//   1. A stream whose labels were refused (loki_labels.h) is skipped: its entries count as
//      refused "invalid_labels"; its message is a label error.
//   2. Distributor checks, per entry, first failing one wins (the entry is discarded, counted, and
//      its message kept): too old (only when max_age_ns > 0: ts < now - max_age), too new
//      (ts > now + grace), line too long (only when max_line_size > 0: bytes > limit), forbidden
//      text (when `forbidden` is not empty and the line contains it).
//   3. Ingester, per stream state (tenant + canonical labels), for the entries left:
//      - equal to the last accepted entry (timestamp, line and structured metadata) -> duplicate;
//      - unordered: ts < newest - window -> refused "too far behind"; else a (ts, content) pair among
//        the last 4096 accepted -> duplicate; else accepted;
//      - ordered: ts < last accepted ts -> refused "entry out of order"; else accepted.
//      Duplicates are skipped silently (counted). Accepted entries move newest/last.
//   4. The answer: 204 and an empty *message when nothing was refused; else 400 with, in order of
//      preference, the ingester message of the LAST stream with ingester refusals (up to 10
//      "entry with timestamp <T> ignored, reason: '<why>',\n" lines and "user '<tenant>', total
//      ignored: <N> out of <M> for stream: <labels>"), or the distributor messages (up to 10,
//      joined by "\n"), or the label errors (up to 10, joined by "\n").
//   5. Accepted entries are appended to *store (when not null) as JSON lines:
//      {"tenant":..,"labels":..,"ts":"<ns>","line":..,"metadata":{..},"format":"protobuf"|"json"}
//      even when the answer is 400.
// Timestamps in messages use Go's forms (go_time_format.h). Not thread-safe: the caller holds
// one lock around Push(), Reset() and AppendStatsJson().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loki_push_decoder.h"
#include "recent_entry_set.h"

namespace logcap::testtools {

struct LokiLimits {
  bool ordered = false;                          // Loki's unordered_writes: false
  int64_t window_ns = int64_t{3600} * 1'000'000'000;  // unordered: how far behind newest
  int64_t max_age_ns = 0;                        // reject_old_samples_max_age; 0 = off
  int64_t grace_ns = int64_t{600} * 1'000'000'000;    // creation_grace_period
  uint64_t max_line_size = 0;                    // 0 = off
  std::string_view forbidden;                    // a test fault: refuse lines containing it
};

struct LokiPushResult {
  int status = 204;        // 204 or 400
  uint64_t accepted = 0;   // entries stored
};

class LokiIngester {
 public:
  static constexpr uint32_t kRecentEntries = 4096;
  static constexpr size_t kMaxMessages = 10;

  LokiPushResult Push(std::string_view tenant, const DecodedPush& push, const LokiLimits& limits, int64_t now_ns,
                      std::string* store, std::string* message);

  // Forgets every stream and zeroes the counters.
  void Reset();

  // Appends the "loki" stats object:
  //   {"pushes":N,          pushes applied (decoded; not injected failures, 401/415 or undecodable)
  //    "entries":N,         entries accepted (stored)
  //    "duplicates":N,      entries skipped as exact duplicates
  //    "streams":N,         distinct (tenant, canonical labels) seen with valid labels
  //    "refused":{"out_of_order","too_far_behind","too_old","too_new","line_too_long","forbidden",
  //               "invalid_labels"},   entries refused, by reason
  //    "by_format":{"protobuf":N,"json":N},  pushes by format
  //    "tenants":{"<tenant>":N,...},         entries accepted per tenant (every tenant seen)
  //    "order_violations_in_push":N,  streams whose entries in one push were not sorted by time
  //    "duplicate_streams_in_push":N} label sets that appeared again within one push
  void AppendStatsJson(std::string& out) const;

 private:
  struct StreamState {
    bool has_entries = false;
    int64_t newest = 0;
    int64_t last_ts = 0;
    uint64_t last_hash = 0;
    uint64_t last_push = 0;                  // the push that last named this stream
    std::unique_ptr<RecentEntrySet> recent;  // unordered mode, created on first use
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Tenant {
    std::unordered_map<std::string, StreamState, StringHash, std::equal_to<>> streams;
    uint64_t entries = 0;
  };
  struct Refused {
    uint64_t out_of_order = 0, too_far_behind = 0, too_old = 0, too_new = 0, line_too_long = 0, forbidden = 0,
             invalid_labels = 0;
  };

  // Appends one store line for entry e of a stream whose JSON prefix is in store_prefix_.
  void AppendStoreLine(std::string& store, const DecodedPush& push, const DecodedEntry& e) const;
  // Adds a line to a capped "\n"-joined message list.
  static void AddMessage(std::string& list, size_t& count, std::string_view text);

  std::map<std::string, Tenant, std::less<>> tenants_;
  uint64_t pushes_ = 0, entries_ = 0, duplicates_ = 0, streams_ = 0;
  uint64_t order_violations_in_push_ = 0, duplicate_streams_in_push_ = 0;
  uint64_t by_format_[2] = {0, 0};
  Refused refused_;
  uint64_t push_seq_ = 0;

  // Per-push scratch, kept to reuse its memory.
  std::vector<uint32_t> passing_;
  std::string distributor_messages_, label_messages_, ingester_message_, stream_message_;
  std::string store_prefix_, store_suffix_;
  std::string reason_;
};

}  // namespace logcap::testtools
