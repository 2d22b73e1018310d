// The model input as native code bounds and names it. Its size and normalisation come from the model contract's
// `input` section (src/contract/validate.ts), so every message names the field there, in the user's words:
// "Expected an integer from 1 to 16384 for `contract.input.width` but received 0", whichever binding read it.
#pragma once

#include <cmath>
#include <string>

#include "check.h"

namespace trtl {

// Largest model input side accepted (guards the output-size arithmetic); the contract's limit as well.
inline constexpr int kMaxInputSide = 16384;

// "contract.input.<key>", or "contract.input.<key>[<index>]" for a channel of mean/std.
inline std::string InputField(const char* key) { return std::string("contract.input.") + key; }
inline std::string InputField(const char* key, int index) {
  return InputField(key) + "[" + std::to_string(index) + "]";
}

inline std::string InputSideExpected() { return "an integer from 1 to " + std::to_string(kMaxInputSide); }

// Throws ERR_OUT_OF_RANGE unless v is an integer from 1 to kMaxInputSide.
inline void CheckInputSide(const std::string& field, double v) {
  if (!(v == std::floor(v) && v >= 1 && v <= kMaxInputSide)) FailRange(field, InputSideExpected(), Num(v));
}

}  // namespace trtl
