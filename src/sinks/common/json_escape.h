// JSON string escaping for the sinks' hot path.
//
// AppendJsonEscaped appends the body of a JSON string (without the surrounding quotes) so that the
// output is always valid JSON and valid UTF-8, whatever bytes come in:
//   - '"' and '\\' become \" and \\ ; \b \f \n \r \t use their short forms; every other byte below
//     0x20 becomes \u00XX (lowercase hex). DEL (0x7f) and '/' are kept as they are.
//   - Valid UTF-8 (including 4-byte sequences such as emoji) is copied unchanged.
//   - Invalid UTF-8 becomes U+FFFD (bytes EF BF BD), one replacement per "maximal subpart" as the
//     Unicode standard (chapter 3, "U+FFFD substitution of maximal subparts") and the WHATWG
//     encoding spec do it: a stray continuation byte, a byte that can never start a sequence (C0,
//     C1, F5..FF), a sequence cut short by a byte that cannot continue it or by the end of the
//     input, an overlong form (E0 80.., F0 80..), a surrogate (ED A0..ED BF) and anything above
//     U+10FFFF each yield one U+FFFD per maximal prefix that could have been valid, and scanning
//     resumes at the first byte that broke the sequence. So "a\xC3(" gives "a\uFFFD(" and the
//     surrogate "\xED\xA0\x80" gives three U+FFFD.
//
// Speed: clean runs (printable ASCII other than '"' and '\\') are found 8 bytes at a time (SWAR) and
// copied with memcpy; the output string is grown once per call (plus amortised growth when escapes
// expand it), never per byte. No allocation beyond std::string's amortised growth.
#pragma once

#include <string>
#include <string_view>

namespace logcap {

// Appends the escaped body of in to out. Returns true when some invalid UTF-8 had to be replaced.
bool AppendJsonEscaped(std::string_view in, std::string& out);

// Appends '"' + escaped in + '"'.
inline bool AppendJsonString(std::string_view in, std::string& out) {
  out.push_back('"');
  const bool replaced = AppendJsonEscaped(in, out);
  out.push_back('"');
  return replaced;
}

}  // namespace logcap
