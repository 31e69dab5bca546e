// WalRecordId: the position of one record in the disk buffer, and the unit of reader cursors.
//
// (segment number, byte offset of the END of the record in that segment), i.e. where the next
// record starts. Ids order records in append order; (n, 0) is "before every record of segment n".
// A plain value type.
#pragma once

#include <compare>
#include <cstdint>

namespace logcap {

struct WalRecordId {
  uint64_t segment = 0;
  uint64_t offset = 0;
  auto operator<=>(const WalRecordId&) const = default;
  bool operator==(const WalRecordId&) const = default;
};

}  // namespace logcap
