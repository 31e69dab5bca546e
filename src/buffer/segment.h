// Segment: what the Wal knows in memory about one segment file: the end offset and event count
// of every valid record (the index), so that readers fetch a record with one pread and that
// backlog and drop accounting are exact without reading the file.
//
// Contract: a plain data structure, not thread-safe (the Wal guards it with its mutex).
// Offsets fit in 32 bits: Open limits max_segment_size, and Append limits record sizes, so that
// a segment never reaches 4 GiB.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "buffer/log_format.h"

namespace logcap {

struct SegmentIndexEntry {
  uint32_t end;     // offset just past the record's last fragment
  uint32_t events;  // event_count given to Append
};

struct Segment {
  uint64_t number = 0;
  std::string path;
  uint64_t size = 0;  // bytes of the file (including skipped corrupt bytes, excluding a cut torn tail)
  std::vector<SegmentIndexEntry> entries;
  // Records that do not start where the previous one ended (damaged bytes lie between): (index,
  // start). Empty unless the segment was found damaged at Open.
  std::vector<std::pair<uint32_t, uint32_t>> explicit_starts;
  uint64_t events = 0;
  bool sealed = false;  // no more appends will go here
  bool synced = false;  // sealed and fully fdatasync'ed (or found at Open)

  uint64_t LastEnd() const { return entries.empty() ? 0 : entries.back().end; }

  void Add(uint64_t start, uint64_t end, uint32_t event_count) {
    const uint64_t natural = LastEnd();
    // A block trailer between two records is skipped by the reader; anything else is recorded.
    const bool trailer_only = start > natural && start - natural < log::kHeaderSize && start % log::kBlockSize == 0;
    if (start != natural && !trailer_only) {
      explicit_starts.emplace_back(static_cast<uint32_t>(entries.size()), static_cast<uint32_t>(start));
    }
    entries.push_back({static_cast<uint32_t>(end), event_count});
    events += event_count;
  }

  uint64_t RecordStart(size_t i) const {
    auto it = std::lower_bound(explicit_starts.begin(), explicit_starts.end(), std::pair<uint32_t, uint32_t>(i, 0));
    if (it != explicit_starts.end() && it->first == i) return it->second;
    return i == 0 ? 0 : entries[i - 1].end;
  }

  // Index of the first record ending after offset (entries.size() if none).
  size_t FirstAfter(uint64_t offset) const {
    return static_cast<size_t>(
        std::upper_bound(entries.begin(), entries.end(), offset,
                         [](uint64_t off, const SegmentIndexEntry& e) { return off < e.end; }) -
        entries.begin());
  }

  // Records, events and bytes after offset (what a reader positioned at offset has still to read).
  void CountAfter(uint64_t offset, uint64_t* records, uint64_t* events_out, uint64_t* bytes) const {
    const size_t first = FirstAfter(offset);
    *records = entries.size() - first;
    if (first == 0) {
      *events_out = events;
    } else {
      uint64_t e = 0;
      for (size_t i = first; i < entries.size(); ++i) e += entries[i].events;
      *events_out = e;
    }
    *bytes = LastEnd() > offset ? LastEnd() - offset : 0;
  }
};

}  // namespace logcap
