// SetCurrentThreadName: names the calling thread (as `top -H`, `perf` and gdb show it), so that
// an operator can tell the reader from the sink threads. Linux keeps 15 characters; longer names
// are cut. Best effort: a failure is ignored.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace logcap {

inline void SetCurrentThreadName(std::string_view name) {
  std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace logcap
