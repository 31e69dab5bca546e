// Utf8SequenceLength: the one UTF-8 validity check of the encoders (JSON escaping, Loki labels).
//
// Follows the Unicode standard's well-formed table (chapter 3, table 3-7): no overlong forms, no
// surrogates, nothing above U+10FFFF. For invalid input it also says how many bytes one U+FFFD
// replaces ("maximal subparts", as the WHATWG encoding spec does). Pure; inline for the hot path.
#pragma once

#include <cstddef>

namespace logcap {

// Length (2..4) of the valid UTF-8 sequence at p (lead byte >= 0x80, avail >= 1 bytes readable),
// or 0 when it is invalid; then *bad is the length of the maximal subpart that one U+FFFD
// replaces.
inline size_t Utf8SequenceLength(const unsigned char* p, size_t avail, size_t* bad) {
  const unsigned char lead = p[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (lead == 0xED) hi = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;  // overlong below U+10000
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    *bad = 1;  // continuation byte without a lead, C0, C1, F5..FF
    return 0;
  }
  for (size_t i = 1; i < len; ++i) {
    if (i >= avail || p[i] < lo || p[i] > hi) {
      *bad = i;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return len;
}

}  // namespace logcap
