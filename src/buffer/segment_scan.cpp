#include "buffer/segment_scan.h"

#include "buffer/file_util.h"
#include "buffer/log_reader.h"
#include "buffer/record_codec.h"

namespace logcap {
namespace {

class IndexBuilder : public log::LogVisitor {
 public:
  IndexBuilder(Segment* segment, SegmentScan* scan, const SegmentRecordFn& on_record)
      : segment_(segment), scan_(scan), on_record_(on_record) {}

  void OnRecord(uint64_t start, uint64_t end, std::string_view data) override {
    RecordHeader header;
    if (!DecodeRecordHeader(data, &header)) {
      // The checksum matched, so these bytes are what was written: a writer bug or a record from
      // a newer format. Either way nobody can decode it.
      OnCorruption(start, end - start, "bad_record_header", "record framing does not decode");
      return;
    }
    segment_->Add(start, end, header.event_count);
    ++scan_->records;
    scan_->events += header.event_count;
    scan_->record_bytes += end - start;
    if (on_record_) on_record_(start, end, data);
  }

  void OnCorruption(uint64_t offset, uint64_t bytes, std::string_view kind, std::string_view detail) override {
    ++scan_->corrupt_records;
    scan_->corrupt_bytes += bytes;
    scan_->problems.push_back({offset, bytes, std::string(kind), std::string(detail)});
  }

 private:
  Segment* segment_;
  SegmentScan* scan_;
  const SegmentRecordFn& on_record_;
};

}  // namespace

Status ScanSegment(int fd, Segment* segment, SegmentScan* scan, const SegmentRecordFn& on_record) {
  *scan = SegmentScan();
  segment->entries.clear();
  segment->explicit_starts.clear();
  segment->events = 0;
  Status s = fileutil::FileSize(fd, segment->path, &scan->file_size);
  if (!s.ok()) return s;
  IndexBuilder builder(segment, scan, on_record);
  s = log::ScanLog(fd, scan->file_size, &builder, &scan->torn_tail_offset);
  if (!s.ok()) return s;
  if (scan->torn_tail_offset < scan->file_size) {
    scan->problems.push_back({scan->torn_tail_offset, scan->torn_tail_bytes(), "torn_tail",
                              "incomplete record at the end (a write cut short)"});
  }
  segment->size = scan->torn_tail_offset;
  return Status::Ok();
}

}  // namespace logcap
