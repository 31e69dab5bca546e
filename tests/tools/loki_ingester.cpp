// See loki_ingester.h.
#include "loki_ingester.h"

#include <cstring>

#include <xxhash.h>

#include "core/json_object.h"
#include "go_time_format.h"

namespace logcap::testtools {
namespace {

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_sub_overflow(a, b, &r) ? INT64_MIN : r;
}
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

// Identity of an entry for duplicate detection: its line and structured metadata.
uint64_t ContentHash(const DecodedPush& push, const DecodedEntry& e) {
  uint64_t h = XXH3_64bits(e.line.data(), e.line.size());
  for (uint32_t i = 0; i < e.meta_count; ++i) {
    const LabelPair& p = push.metadata[e.meta_begin + i];
    h = XXH3_64bits_withSeed(p.name.data(), p.name.size(), h);
    h = XXH3_64bits_withSeed(p.value.data(), p.value.size(), h ^ 0x5bd1e995);
  }
  return h;
}

// Which bytes need escaping in a JSON string (control characters, quote, backslash).
struct EscapeTable {
  bool needs[256] = {};
  constexpr EscapeTable() {
    for (int c = 0; c < 0x20; ++c) needs[c] = true;
    needs[static_cast<unsigned char>('"')] = true;
    needs[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr EscapeTable kEscape;

// A JSON string of arbitrary bytes: runs that need no escaping are copied in one append. Bytes
// >= 0x80 pass through as they are (the store holds what was pushed).
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    while (run < end && !kEscape.needs[static_cast<unsigned char>(*run)]) ++run;
    out.append(p, static_cast<size_t>(run - p));
    if (run == end) break;
    const auto c = static_cast<unsigned char>(*run);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    p = run + 1;
  }
  out += '"';
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  char* e = buf + sizeof buf;
  char* b = e;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    *--b = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) *--b = '-';
  out.append(b, static_cast<size_t>(e - b));
}

}  // namespace

void LokiIngester::AddMessage(std::string& list, size_t& count, std::string_view text) {
  if (count++ >= kMaxMessages) return;
  if (!list.empty()) list += '\n';
  list += text;
}

void LokiIngester::AppendStoreLine(std::string& store, const DecodedPush& push, const DecodedEntry& e) const {
  store += store_prefix_;
  AppendInt(store, e.ts_ns);
  store += "\",\"line\":";
  AppendJsonString(store, e.line);
  store += ",\"metadata\":{";
  for (uint32_t i = 0; i < e.meta_count; ++i) {
    const LabelPair& p = push.metadata[e.meta_begin + i];
    if (i > 0) store += ',';
    AppendJsonString(store, p.name);
    store += ':';
    AppendJsonString(store, p.value);
  }
  store += '}';
  store += store_suffix_;
}

LokiPushResult LokiIngester::Push(std::string_view tenant_name, const DecodedPush& push, const LokiLimits& limits,
                                  int64_t now_ns, std::string* store, std::string* message) {
  LokiPushResult result;
  message->clear();
  ++pushes_;
  ++by_format_[push.format == PushFormat::kProtobuf ? 0 : 1];
  ++push_seq_;
  auto tenant_it = tenants_.find(tenant_name);
  if (tenant_it == tenants_.end()) tenant_it = tenants_.emplace(std::string(tenant_name), Tenant{}).first;
  Tenant& tenant = tenant_it->second;

  distributor_messages_.clear();
  label_messages_.clear();
  ingester_message_.clear();
  size_t distributor_count = 0, label_count = 0;
  bool any_refused = false;

  const int64_t oldest_ok = limits.max_age_ns > 0 ? SaturatingSub(now_ns, limits.max_age_ns) : INT64_MIN;
  const int64_t newest_ok = SaturatingAdd(now_ns, limits.grace_ns);
  store_suffix_ = ",\"format\":\"";
  store_suffix_ += PushFormatName(push.format);
  store_suffix_ += "\"}\n";

  for (const DecodedStream& s : push.streams) {
    if (!s.sorted) ++order_violations_in_push_;
    const std::string_view labels = push.Text(s);
    if (s.labels_result != LabelsResult::kOk) {
      refused_.invalid_labels += s.entry_count;
      any_refused = true;
      AddMessage(label_messages_, label_count, labels);
      continue;
    }
    auto it = tenant.streams.find(labels);
    if (it == tenant.streams.end()) {
      it = tenant.streams.emplace(std::string(labels), StreamState{}).first;
      ++streams_;
    }
    StreamState& state = it->second;
    if (state.last_push == push_seq_) ++duplicate_streams_in_push_;
    state.last_push = push_seq_;

    // Distributor: per-entry validation; the survivors go on to the ingester.
    passing_.clear();
    for (uint32_t i = 0; i < s.entry_count; ++i) {
      const DecodedEntry& e = push.entries[s.entry_begin + i];
      reason_.clear();
      if (e.ts_ns < oldest_ok) {
        ++refused_.too_old;
        reason_ = "entry for stream '";
        reason_ += labels;
        reason_ += "' has timestamp too old: ";
        AppendGoTimeString(reason_, e.ts_ns);
        reason_ += ", oldest acceptable timestamp is: ";
        AppendGoTimeString(reason_, oldest_ok);
      } else if (e.ts_ns > newest_ok) {
        ++refused_.too_new;
        reason_ = "entry for stream '";
        reason_ += labels;
        reason_ += "' has timestamp too new: ";
        AppendGoTimeString(reason_, e.ts_ns);
      } else if (limits.max_line_size > 0 && e.line.size() > limits.max_line_size) {
        ++refused_.line_too_long;
        reason_ = "Max entry size '" + std::to_string(limits.max_line_size) + "' bytes exceeded for stream '";
        reason_ += labels;
        reason_ += "' while adding an entry with length '" + std::to_string(e.line.size()) + "' bytes";
      } else if (!limits.forbidden.empty() &&
                 memmem(e.line.data(), e.line.size(), limits.forbidden.data(), limits.forbidden.size()) != nullptr) {
        ++refused_.forbidden;
        reason_ = "entry for stream '";
        reason_ += labels;
        reason_ += "' contains forbidden text '";
        reason_ += limits.forbidden;
        reason_ += '\'';
      } else {
        passing_.push_back(s.entry_begin + i);
        continue;
      }
      any_refused = true;
      AddMessage(distributor_messages_, distributor_count, reason_);
    }
    if (passing_.empty()) continue;

    // Ingester: the stream's ordering rules and duplicate detection.
    if (!limits.ordered && state.recent == nullptr) state.recent = std::make_unique<RecentEntrySet>(kRecentEntries);
    if (store != nullptr) {
      store_prefix_ = "{\"tenant\":";
      AppendJsonString(store_prefix_, tenant_name);
      store_prefix_ += ",\"labels\":";
      AppendJsonString(store_prefix_, labels);
      store_prefix_ += ",\"ts\":\"";
    }
    uint64_t ignored = 0;
    stream_message_.clear();
    for (uint32_t index : passing_) {
      const DecodedEntry& e = push.entries[index];
      const uint64_t hash = ContentHash(push, e);
      if (state.has_entries && e.ts_ns == state.last_ts && hash == state.last_hash) {
        ++duplicates_;
        continue;
      }
      bool refuse = false;
      if (!limits.ordered) {
        const int64_t cutoff = SaturatingSub(state.newest, limits.window_ns);
        if (state.has_entries && e.ts_ns < cutoff) {
          refuse = true;
          ++refused_.too_far_behind;
          if (ignored < kMaxMessages) {
            reason_ = "entry too far behind, entry timestamp is: ";
            AppendGoRfc3339(reason_, e.ts_ns);
            reason_ += ", oldest acceptable timestamp is: ";
            AppendGoRfc3339(reason_, cutoff);
          }
        } else if (state.has_entries && e.ts_ns <= state.newest && state.recent->Contains(e.ts_ns, hash)) {
          // (Nothing newer than the newest accepted entry can be one of them: sorted input skips this.)
          ++duplicates_;
          continue;
        }
      } else if (state.has_entries && e.ts_ns < state.last_ts) {
        refuse = true;
        ++refused_.out_of_order;
        reason_ = "entry out of order";
      }
      if (refuse) {
        if (ignored++ < kMaxMessages) {
          stream_message_ += "entry with timestamp ";
          AppendGoTimeString(stream_message_, e.ts_ns);
          stream_message_ += " ignored, reason: '";
          stream_message_ += reason_;
          stream_message_ += "',\n";
        }
        continue;
      }
      if (!state.has_entries || e.ts_ns > state.newest) state.newest = e.ts_ns;
      state.has_entries = true;
      state.last_ts = e.ts_ns;
      state.last_hash = hash;
      if (state.recent != nullptr) state.recent->Insert(e.ts_ns, hash);
      ++result.accepted;
      if (store != nullptr) AppendStoreLine(*store, push, e);
    }
    if (ignored > 0) {
      any_refused = true;
      // Like Loki, a later stream's ingester message replaces an earlier one.
      ingester_message_.swap(stream_message_);
      ingester_message_ += "user '";
      ingester_message_ += tenant_name;
      ingester_message_ += "', total ignored: " + std::to_string(ignored) + " out of " +
                           std::to_string(passing_.size()) + " for stream: ";
      ingester_message_ += labels;
    }
  }

  entries_ += result.accepted;
  tenant.entries += result.accepted;
  if (any_refused) {
    result.status = 400;
    if (!ingester_message_.empty()) {
      *message = ingester_message_;
    } else if (!distributor_messages_.empty()) {
      *message = distributor_messages_;
    } else {
      *message = label_messages_;
    }
  }
  return result;
}

void LokiIngester::Reset() {
  tenants_.clear();
  pushes_ = entries_ = duplicates_ = streams_ = 0;
  order_violations_in_push_ = duplicate_streams_in_push_ = 0;
  by_format_[0] = by_format_[1] = 0;
  refused_ = Refused{};
}

void LokiIngester::AppendStatsJson(std::string& out) const {
  auto field = [&out](std::string_view name, uint64_t v, bool first = false) {
    if (!first) out += ',';
    out += '"';
    out += name;
    out += "\":";
    out += std::to_string(v);
  };
  out += '{';
  field("pushes", pushes_, true);
  field("entries", entries_);
  field("duplicates", duplicates_);
  field("streams", streams_);
  out += ",\"refused\":{";
  field("out_of_order", refused_.out_of_order, true);
  field("too_far_behind", refused_.too_far_behind);
  field("too_old", refused_.too_old);
  field("too_new", refused_.too_new);
  field("line_too_long", refused_.line_too_long);
  field("forbidden", refused_.forbidden);
  field("invalid_labels", refused_.invalid_labels);
  out += "},\"by_format\":{";
  field("protobuf", by_format_[0], true);
  field("json", by_format_[1]);
  out += "},\"tenants\":{";
  bool first = true;
  for (const auto& [name, tenant] : tenants_) {
    if (!first) out += ',';
    first = false;
    logcap::AppendJsonQuoted(out, name);
    out += ':';
    out += std::to_string(tenant.entries);
  }
  out += '}';
  field("order_violations_in_push", order_violations_in_push_);
  field("duplicate_streams_in_push", duplicate_streams_in_push_);
  out += '}';
}

}  // namespace logcap::testtools
