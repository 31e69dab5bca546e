#include "codec/batch_codec.h"

#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace logcap {

namespace {

constexpr uint8_t kLevelMask = 0x07;
constexpr uint8_t kHasSourceTime = 0x08;
constexpr uint8_t kHasAttributes = 0x10;
constexpr uint8_t kHasTrace = 0x20;
constexpr uint8_t kSampled = 0x40;
constexpr uint8_t kReservedHeadBits = 0x80;
constexpr uint8_t kMaxLevel = static_cast<uint8_t>(Level::kFatal);

constexpr size_t kMaxVarint = 10;
constexpr size_t kTraceBytes = 16 + 8;
// The fewest bytes an entry can take: they bound counts read from the payload before anything is
// reserved for them (a source: 4 empty strings and a label count; an event: head, flags,
// source_ref, read_time, message length).
constexpr size_t kMinSourceBytes = 5;
constexpr size_t kMinEventBytes = 5;

// ---- writing ----

inline char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline char* PutString(char* p, std::string_view s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Zigzag maps small negative and positive differences to small unsigned numbers. Computed in
// unsigned arithmetic so that any two int64 times give a defined result (wrapping).
inline uint64_t ZigzagDelta(Nanos value, Nanos base) {
  const uint64_t d = static_cast<uint64_t>(value) - static_cast<uint64_t>(base);
  return (d << 1) ^ (0 - (d >> 63));
}
inline Nanos UnzigzagDelta(uint64_t z, Nanos base) {
  const uint64_t d = (z >> 1) ^ (0 - (z & 1));
  return static_cast<Nanos>(static_cast<uint64_t>(base) + d);
}

size_t LabelsBound(const Labels& labels) {
  size_t n = kMaxVarint;
  for (const auto& [k, v] : labels) n += 2 * kMaxVarint + k.size() + v.size();
  return n;
}

char* PutLabels(char* p, const Labels& labels) {
  p = PutVarint(p, labels.size());
  for (const auto& [k, v] : labels) {
    p = PutString(p, k);
    p = PutString(p, v);
  }
  return p;
}

bool HasTrace(const TraceContext& t) {
  if (t.sampled) return true;
  for (uint8_t b : t.trace_id)
    if (b != 0) return true;
  for (uint8_t b : t.span_id)
    if (b != 0) return true;
  return false;
}

// The source table of one payload: each distinct SourceInfo (by content) once, in order of first
// use. Events refer to it by 1 + index. A batch carries few sources and consecutive events mostly
// share one, so the last lookup is remembered.
class SourceTable {
 public:
  // 0 for no source, else 1 + the table index of source's content.
  uint32_t Ref(const SourceInfo* source) {
    if (source == nullptr) return 0;
    if (source == last_source_) return last_ref_;
    uint32_t ref;
    auto it = by_pointer_.find(source);
    if (it != by_pointer_.end()) {
      ref = it->second;
    } else {
      ref = AddContent(*source);
      by_pointer_.emplace(source, ref);
    }
    last_source_ = source;
    last_ref_ = ref;
    return ref;
  }

  size_t bound() const { return kMaxVarint + bytes_; }

  char* Write(char* p) const {
    p = PutVarint(p, entries_.size());
    for (const std::string* entry : entries_) {
      std::memcpy(p, entry->data(), entry->size());
      p += entry->size();
    }
    return p;
  }

 private:
  uint32_t AddContent(const SourceInfo& s) {
    std::string entry(4 * kMaxVarint + s.type.size() + s.id.size() + s.name.size() + s.component.size() +
                          LabelsBound(s.labels),
                      '\0');
    char* p = entry.data();
    p = PutString(p, s.type);
    p = PutString(p, s.id);
    p = PutString(p, s.name);
    p = PutString(p, s.component);
    p = PutLabels(p, s.labels);
    entry.resize(static_cast<size_t>(p - entry.data()));
    // Labels are sorted and unique, so equal content gives equal bytes.
    auto [it, inserted] = by_content_.emplace(std::move(entry), static_cast<uint32_t>(entries_.size() + 1));
    if (inserted) {
      entries_.push_back(&it->first);
      bytes_ += it->first.size();
    }
    return it->second;
  }

  const SourceInfo* last_source_ = nullptr;
  uint32_t last_ref_ = 0;
  std::unordered_map<const SourceInfo*, uint32_t> by_pointer_;
  std::unordered_map<std::string, uint32_t> by_content_;  // node-based: keys stay put
  std::vector<const std::string*> entries_;
  size_t bytes_ = 0;
};

// ---- reading ----

// Bounds-checked reader over the payload. Every getter returns false on failure after recording
// what was wrong (only the first failure is kept); callers stop at the first false.
class Reader {
 public:
  Reader(const char* begin, const char* end) : begin_(begin), p_(begin), end_(end) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  const std::string& error() const { return error_; }
  void set_context(const char* what, uint64_t index) {
    context_ = what;
    index_ = index;
  }

  bool Byte(uint8_t* v, const char* field) {
    if (p_ == end_) return Fail(field, "is missing: the payload ends");
    *v = static_cast<uint8_t>(*p_++);
    return true;
  }

  bool Varint(uint64_t* v, const char* field) {
    if (p_ != end_ && static_cast<uint8_t>(*p_) < 0x80) {  // the common one-byte case
      *v = static_cast<uint8_t>(*p_++);
      return true;
    }
    const char* start = p_;
    uint64_t result = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) {
        p_ = start;
        return Fail(field, "is cut short: the payload ends inside a varint");
      }
      const uint8_t b = static_cast<uint8_t>(*p_++);
      if (shift == 63 && b > 1) {
        p_ = start;
        return Fail(field, "is a varint larger than 64 bits");
      }
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    p_ = start;
    return Fail(field, "is a varint longer than 10 bytes");
  }

  // A count of items each at least min_bytes long: it must fit in what remains.
  bool Count(uint64_t* n, size_t min_bytes, const char* field) {
    if (!Varint(n, field)) return false;
    if (*n > remaining() / min_bytes) {
      return Fail(field, "is " + std::to_string(*n) + ", more than the " + std::to_string(remaining()) +
                             " bytes left can hold");
    }
    return true;
  }

  bool String(std::string_view* s, const char* field) {
    uint64_t n = 0;
    if (!Varint(&n, field)) return false;
    if (n > remaining()) {
      return Fail(field, "has length " + std::to_string(n) + " but only " + std::to_string(remaining()) +
                             " bytes are left");
    }
    *s = std::string_view(p_, static_cast<size_t>(n));
    p_ += n;
    return true;
  }

  bool Bytes(void* dst, size_t n, const char* field) {
    if (n > remaining()) {
      return Fail(field, "needs " + std::to_string(n) + " bytes but only " + std::to_string(remaining()) +
                             " are left");
    }
    std::memcpy(dst, p_, n);
    p_ += n;
    return true;
  }

  bool LabelSet(Labels* labels, const char* field) {
    uint64_t n = 0;
    if (!Count(&n, 2, field)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view k, v;
      if (!String(&k, "label key") || !String(&v, "label value")) return false;
      labels->Set(k, v);
    }
    return true;
  }

  bool Fail(const char* field, std::string_view problem) {
    if (error_.empty()) {
      error_ = "batch payload: ";
      if (context_ != nullptr) {
        error_ += context_;
        error_ += ' ';
        error_ += std::to_string(index_);
        error_ += ": ";
      }
      error_ += field;
      error_ += ' ';
      error_ += problem;
      error_ += " (at byte ";
      error_ += std::to_string(offset());
      error_ += ')';
    }
    return false;
  }

 private:
  const char* begin_;
  const char* p_;
  const char* end_;
  const char* context_ = nullptr;
  uint64_t index_ = 0;
  std::string error_;
};

// Owns the payload bytes for as long as a batch retains it. The batch holds a ConstByteBlockPtr
// that shares ownership of this holder (shared_ptr aliasing) so the moved-in string never has to
// be copied into a ByteBlock of its own; the empty block only gives the pointer its type.
struct PayloadHolder {
  explicit PayloadHolder(std::string b) : bytes(std::move(b)) {}
  std::string bytes;
  ByteBlock block{0};
};

}  // namespace

void EncodeBatch(const EventBatch& batch, std::string* out) {
  const std::vector<Event>& events = batch.events();

  // Pass 1: the source table and an upper bound of the size, so that pass 2 writes through a raw
  // pointer with no per-piece capacity checks.
  SourceTable sources;
  size_t bound = 1 + kMaxVarint;
  for (const Event& e : events) {
    sources.Ref(e.source);
    bound += 2 + 4 * kMaxVarint + e.message.size() + kTraceBytes;
    if (const EventAttributes* a = batch.AttributesOf(e)) {
      bound += LabelsBound(a->labels) + kMaxVarint + a->fields_json.size();
    }
  }
  bound += sources.bound();

  const size_t start = out->size();
  out->resize(start + bound);
  char* const base = out->data() + start;
  char* p = base;
  *p++ = static_cast<char>(kBatchCodecVersion);
  p = sources.Write(p);
  p = PutVarint(p, events.size());

  Nanos previous_read = 0;
  for (const Event& e : events) {
    const EventAttributes* attributes = batch.AttributesOf(e);
    const bool trace = HasTrace(e.trace);
    uint8_t head = static_cast<uint8_t>(e.level) & kLevelMask;
    if (e.source_time != 0) head |= kHasSourceTime;
    if (attributes != nullptr) head |= kHasAttributes;
    if (trace) head |= kHasTrace;
    if (e.trace.sampled) head |= kSampled;
    *p++ = static_cast<char>(head);
    *p++ = static_cast<char>(e.flags);
    p = PutVarint(p, sources.Ref(e.source));
    p = PutVarint(p, ZigzagDelta(e.read_time, previous_read));
    previous_read = e.read_time;
    if (e.source_time != 0) p = PutVarint(p, ZigzagDelta(e.source_time, e.read_time));
    p = PutString(p, e.message);
    if (attributes != nullptr) {
      p = PutLabels(p, attributes->labels);
      p = PutString(p, attributes->fields_json);
    }
    if (trace) {
      std::memcpy(p, e.trace.trace_id.data(), e.trace.trace_id.size());
      p += e.trace.trace_id.size();
      std::memcpy(p, e.trace.span_id.data(), e.trace.span_id.size());
      p += e.trace.span_id.size();
    }
  }
  out->resize(start + static_cast<size_t>(p - base));
}

Status DecodeBatch(std::string payload, EventBatch* out) {
  if (out == nullptr || !out->empty()) return Status::InvalidArgument("DecodeBatch needs an empty batch");

  // Moved before anything points into it: the bytes never move again (a short string lives inside
  // the holder, which stays where make_shared put it).
  auto holder = std::make_shared<PayloadHolder>(std::move(payload));
  const std::string& bytes = holder->bytes;
  Reader r(bytes.data(), bytes.data() + bytes.size());

  uint8_t version = 0;
  if (!r.Byte(&version, "version byte")) return Status::Corruption(r.error());
  if (version != kBatchCodecVersion) {
    return Status::Corruption("batch payload: unsupported version " + std::to_string(version) + " (this build reads " +
                              std::to_string(kBatchCodecVersion) + ")");
  }

  // The source table. Entries with equal bytes are equal sources: they share one SourceInfo.
  uint64_t source_count = 0;
  if (!r.Count(&source_count, kMinSourceBytes, "source count")) return Status::Corruption(r.error());
  std::vector<std::shared_ptr<const SourceInfo>> table;
  table.reserve(source_count);
  std::unordered_map<std::string_view, size_t> by_bytes;
  for (uint64_t i = 0; i < source_count; ++i) {
    r.set_context("source", i);
    const size_t entry_start = r.offset();
    auto source = std::make_shared<SourceInfo>();
    std::string_view type, id, name, component;
    if (!r.String(&type, "type") || !r.String(&id, "id") || !r.String(&name, "name") ||
        !r.String(&component, "component") || !r.LabelSet(&source->labels, "label count")) {
      return Status::Corruption(r.error());
    }
    const std::string_view entry(bytes.data() + entry_start, r.offset() - entry_start);
    if (auto it = by_bytes.find(entry); it != by_bytes.end()) {
      table.push_back(table[it->second]);
      continue;
    }
    by_bytes.emplace(entry, table.size());
    source->type = type;
    source->id = id;
    source->name = name;
    source->component = component;
    table.push_back(std::move(source));
  }

  EventBatch batch;
  std::vector<const SourceInfo*> retained(table.size(), nullptr);  // retained on first use
  uint64_t event_count = 0;
  r.set_context(nullptr, 0);
  if (!r.Count(&event_count, kMinEventBytes, "event count")) return Status::Corruption(r.error());
  batch.Reserve(event_count);

  Nanos previous_read = 0;
  for (uint64_t i = 0; i < event_count; ++i) {
    r.set_context("event", i);
    Event e;
    uint8_t head = 0;
    uint64_t ref = 0, zz = 0;
    if (!r.Byte(&head, "head byte") || !r.Byte(&e.flags, "flags byte")) return Status::Corruption(r.error());
    if ((head & kReservedHeadBits) != 0) {
      r.Fail("head byte", "has the reserved bit 7 set");
      return Status::Corruption(r.error());
    }
    if ((head & kLevelMask) > kMaxLevel) {
      r.Fail("head byte", "holds level " + std::to_string(head & kLevelMask) + ", beyond fatal (6)");
      return Status::Corruption(r.error());
    }
    e.level = static_cast<Level>(head & kLevelMask);
    if (!r.Varint(&ref, "source reference")) return Status::Corruption(r.error());
    if (ref > table.size()) {
      r.Fail("source reference", std::to_string(ref) + " is beyond the " + std::to_string(table.size()) +
                                     "-entry source table");
      return Status::Corruption(r.error());
    }
    if (ref != 0) {
      const SourceInfo*& src = retained[ref - 1];
      if (src == nullptr) src = batch.RetainSource(table[ref - 1]);
      e.source = src;
    }
    if (!r.Varint(&zz, "read time")) return Status::Corruption(r.error());
    e.read_time = UnzigzagDelta(zz, previous_read);
    previous_read = e.read_time;
    if (head & kHasSourceTime) {
      if (!r.Varint(&zz, "source time")) return Status::Corruption(r.error());
      e.source_time = UnzigzagDelta(zz, e.read_time);
    }
    if (!r.String(&e.message, "message")) return Status::Corruption(r.error());
    if (head & kHasAttributes) {
      EventAttributes attributes;
      std::string_view fields;
      if (!r.LabelSet(&attributes.labels, "attribute label count") || !r.String(&fields, "fields_json")) {
        return Status::Corruption(r.error());
      }
      attributes.fields_json = fields;
      e.attributes = batch.AddAttributes(std::move(attributes));
    }
    if (head & kHasTrace) {
      if (!r.Bytes(e.trace.trace_id.data(), e.trace.trace_id.size(), "trace id") ||
          !r.Bytes(e.trace.span_id.data(), e.trace.span_id.size(), "span id")) {
        return Status::Corruption(r.error());
      }
    }
    e.trace.sampled = (head & kSampled) != 0;
    batch.Add(e);
  }
  if (r.remaining() != 0) {
    return Status::Corruption("batch payload: " + std::to_string(r.remaining()) + " unexpected bytes after the " +
                              std::to_string(event_count) + " events (at byte " + std::to_string(r.offset()) + ")");
  }

  // Retained only now: the event views point into holder->bytes, which this keeps alive.
  batch.RetainBlock(ConstByteBlockPtr(holder, &holder->block));
  *out = std::move(batch);
  return Status::Ok();
}

}  // namespace logcap
