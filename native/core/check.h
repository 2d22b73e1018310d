// Small argument checks shared by the core's entry points. They throw CoreError with a code and a message
// that says what was expected and what was received.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <string>

#include "errors.h"

namespace trtl {

// A number as JavaScript prints it (shortest round-trip form, NaN, Infinity), for messages.
inline std::string Num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// Throws ERR_OUT_OF_RANGE "Expected <expected> for `<name>` but received <value>".
[[noreturn]] inline void FailRange(const std::string& name, const std::string& expected,
                                   const std::string& received) {
  throw CoreError(kErrOutOfRange, "Expected " + expected + " for `" + name + "` but received " + received);
}

inline void CheckPositive(const std::string& name, double v) {
  if (!(std::isfinite(v) && v > 0)) FailRange(name, "a positive finite number", Num(v));
}

inline void CheckFinite(const std::string& name, double v) {
  if (!std::isfinite(v)) FailRange(name, "a finite number", Num(v));
}

// Product of sizes, throwing ERR_OUT_OF_RANGE instead of wrapping around (a wrapped product could make a
// short buffer pass a length check).
inline size_t CheckedProduct(std::initializer_list<size_t> factors, const std::string& what) {
  size_t p = 1;
  for (size_t f : factors) {
    if (f != 0 && p > std::numeric_limits<size_t>::max() / f) {
      throw CoreError(kErrOutOfRange, "The size of " + what + " overflows: its dimensions are too large");
    }
    p *= f;
  }
  return p;
}

// Checks a crop: finite origin, positive finite size.
inline void CheckCrop(const std::string& name, double x, double y, double w, double h) {
  CheckFinite(name + ".x", x);
  CheckFinite(name + ".y", y);
  CheckPositive(name + ".w", w);
  CheckPositive(name + ".h", h);
}

}  // namespace trtl
