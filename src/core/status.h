// Status: the result of an operation that can fail, in LevelDB's shape.
//
// Hot paths and I/O return a [[nodiscard]] Status instead of throwing. An OK status holds no
// allocation, so success costs one compare. Exceptions are allowed only while loading the
// configuration and starting components, and are caught there (see docs/error-policy.md).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace logcap {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk = 0, kInvalidArgument, kNotFound, kIoError, kCorruption, kUnavailable, kAborted };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status IoError(std::string_view msg) { return Status(Code::kIoError, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }
  static Status Aborted(std::string_view msg) { return Status(Code::kAborted, msg); }
  // An I/O error built from errno, e.g. IoErrorFromErrno("open /x", errno).
  static Status IoErrorFromErrno(std::string_view context, int err);

  Status(const Status& other) : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsUnavailable() const { return code() == Code::kUnavailable; }
  const std::string& message() const;
  std::string ToString() const;

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view msg) : state_(std::make_unique<State>(State{code, std::string(msg)})) {}
  std::unique_ptr<State> state_;
};

}  // namespace logcap
