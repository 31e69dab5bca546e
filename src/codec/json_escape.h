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
// Speed: the input is scanned 16 bytes at a time with SSE2 (8 at a time, SWAR, where SSE2 is not
// available, and for the last bytes of the input, so that no read goes past its end). Each block
// is stored to the output before it is inspected; a block whose only specials are '"' and '\\'
// (the common case in JSON-in-JSON log lines) is finished in place by inserting a backslash before
// each of them, without leaving the block. Control characters and bytes >= 0x80 go through a
// byte-at-a-time path. Output is written through a raw pointer into a string that is grown ahead
// of the writes (never per byte) and trimmed once at the end.
#pragma once

#include <cstddef>
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

// The form for encoders that write a whole record through a raw pointer (see event_encoder.cpp).
// Writes the escaped body of in at out.data() + pos and returns the position just past it.
// out.size() is used as the room available: it is grown (zero-filled, amortised) when the escape
// needs more, never shrunk, so on return out.size() >= the returned position and the bytes past it
// are unspecified: the caller trims out once it has finished writing. Requires pos <= out.size().
// Sets *replaced to true (never to false) when some invalid UTF-8 had to be replaced.
size_t WriteJsonEscaped(std::string_view in, std::string& out, size_t pos, bool* replaced);

namespace json_escape_internal {
// The scan kernels behind WriteJsonEscaped, exposed so that tests can compare each of them with a
// reference wherever they run. WriteJsonEscaped uses the SSE2 one when the compiler targets SSE2
// (every x86-64), else the portable one.
size_t WritePortable(std::string_view in, std::string& out, size_t pos, bool* replaced);
bool HasSse2();
size_t WriteSse2(std::string_view in, std::string& out, size_t pos, bool* replaced);  // only if HasSse2()
}  // namespace json_escape_internal

}  // namespace logcap
