// TailProfile: what the files of a FileSource are, for sources that tail files of a log format
// (container logs) rather than plain log files.
//
// The FileSource finds files with its globs and follows them through rotation and restarts; before
// it opens a newly found file it asks the profile what the file is:
//   kOpen   read it: `info` describes it, and `decoder` (optional) turns its lines into events;
//   kSkip   never read this file (filtered out, the agent's own log): the source remembers its
//           (dev, inode) and asks again only for another file;
//   kLater  not yet (its metadata is not there yet): asked again at the next scan.
// Without a profile a FileSource reads every file as plain lines (source_type "file").
//
// Threading: Admit runs on the source's reader thread (and in Start, before that thread runs).
#pragma once

#include <memory>
#include <string>

#include "core/event.h"
#include "sources/file/line_decoder.h"

namespace logcap {

struct FileAdmission {
  enum class Verdict { kOpen, kSkip, kLater };
  Verdict verdict = Verdict::kOpen;
  std::shared_ptr<const SourceInfo> info;
  std::unique_ptr<LineDecoder> decoder;
};

class TailProfile {
 public:
  virtual ~TailProfile() = default;
  // path: where the file was found (for a file rotated away, the path it had before). rotated: the
  // file is no longer at path and a scan would not find it again: answer kOpen or kSkip.
  virtual FileAdmission Admit(const std::string& path, bool rotated) = 0;
};

}  // namespace logcap
