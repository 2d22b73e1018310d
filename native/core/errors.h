// Errors raised by the CPU core. They carry the string `code` that reaches JS (see src/errors.ts), so the
// addon glue can turn any core failure into a coded JS error without guessing.
#pragma once

#include <stdexcept>
#include <string>

namespace trtl {

// Codes used by the core; they match src/errors.ts ErrorCode.
inline constexpr const char* kErrOutOfRange = "ERR_OUT_OF_RANGE";
inline constexpr const char* kErrInvalidArgValue = "ERR_INVALID_ARG_VALUE";
inline constexpr const char* kErrInvalidArgType = "ERR_INVALID_ARG_TYPE";
inline constexpr const char* kErrInternal = "ERR_INTERNAL";

class CoreError : public std::runtime_error {
 public:
  CoreError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

}  // namespace trtl
