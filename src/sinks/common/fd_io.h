// Small POSIX helpers shared by the file-writing sinks.
//
// They return an errno value (0 on success) rather than a Status, so callers can classify the
// error (EPIPE is permanent for stdout, ENOSPC is transient for a file) before building a message.
#pragma once

#include <cstddef>
#include <string>

namespace logcap {

// Writes all n bytes of data to fd: retries short writes and EINTR, and waits (poll) when a
// non-blocking fd answers EAGAIN. *written receives the bytes written, also on failure.
// Returns 0, or the errno of the write that failed.
int WriteFully(int fd, const char* data, size_t n, size_t* written);

// mkdir -p: creates path and its missing parents with mode 0755. An existing directory is success;
// an existing non-directory is ENOTDIR. Returns 0 or an errno value.
int MakeDirectories(const std::string& path);

// The directory part of path ("." when it has none), and the last component.
std::string DirName(const std::string& path);
std::string BaseName(const std::string& path);

}  // namespace logcap
