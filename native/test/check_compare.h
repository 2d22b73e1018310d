// How kernel_check compares GPU output with the CPU reference, and the deliberate mutations that prove the
// comparison catches a broken kernel. Host-only (no CUDA): native/test/mutation_check.cc runs the same code on
// any machine (test/gpu/native-checks.test.ts), kernel_check on the GPU (native/test/gpu-check.sh).
//
// NaN rule: a NaN (or infinity) where the reference has a finite number, or a number where the reference has NaN,
// is an infinite error; NaN where the reference has NaN is a match (PIPNet scores of a NaN heatmap are NaN on
// both sides). std::max(e, x) would not do: it keeps e when x is NaN, so a kernel writing NaN reported 0.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace trtl::check {

// |got - want| for one value under the NaN rule.
inline double ValueError(double got, double want) {
  const bool gn = std::isnan(got), wn = std::isnan(want);
  if (gn || wn) return gn && wn ? 0.0 : std::numeric_limits<double>::infinity();
  if (std::isinf(got) || std::isinf(want)) return got == want ? 0.0 : std::numeric_limits<double>::infinity();
  return std::fabs(got - want);
}

// The largest error (NaN rule); infinity as soon as one value breaks it.
inline double MaxAbsError(const float* got, const float* want, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = ValueError(got[i], want[i]);
    if (!(d <= e)) e = d;  // written so that a NaN d would also be kept
  }
  return e;
}
inline double MaxAbsError(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
  return MaxAbsError(got.data(), want.data(), got.size());
}

// FP16 output (already widened to float): the error beyond FP16's own rounding of the reference (half an ulp,
// 2^-11 relative), never below 0; NaN rule as above.
inline double MaxHalfExcess(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
  double e = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double d = ValueError(got[i], want[i]);
    if (std::isfinite(d)) d = std::max(0.0, d - std::fabs(double(want[i])) * std::ldexp(1.0, -11));
    if (!(d <= e)) e = d;
  }
  return e;
}

// IEEE half bits -> float, in plain C++ (the host check has no cuda_fp16.h).
inline float HalfBitsToFloat(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      uint32_t m = mant;
      do {
        ++e;
        m <<= 1;
      } while (!(m & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (m & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp - 15 + 127) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Running tally of checks: each case records its max error against its own tolerance.
struct Tally {
  int cases = 0;
  int failures = 0;
  bool quiet = false;
  // true when the case passed.
  bool Record(const std::string& name, double max_err, double tol, const std::string& unit) {
    ++cases;
    const bool ok = max_err <= tol && std::isfinite(max_err);
    if (!ok) ++failures;
    if (!quiet || !ok)
      std::printf("  %-4s %-64s max err %.3g %s (tol %.3g)\n", ok ? "ok" : "FAIL", name.c_str(), max_err,
                  unit.c_str(), tol);
    return ok;
  }
};

// Deliberate damage done to a kernel's output after it comes back from the GPU (kernel_check --mutate KIND), to
// show the comparison catches it: every check of a mutated run must fail.
enum class Mutation {
  kNone,
  kNan,         // one value NaN: a kernel that writes NaN
  kOffset,      // one value off by 2e-3 + 0.2 %: a kernel just outside the tolerance (FP16 rounding included)
  kDropLast,    // the last batch item left at 0: a kernel whose grid misses an item
  kNanToValue,  // a NaN the reference has becomes 0 (argmax ignoring NaN); else like kNan
};

inline Mutation ParseMutation(const char* s) {
  if (!std::strcmp(s, "nan")) return Mutation::kNan;
  if (!std::strcmp(s, "offset")) return Mutation::kOffset;
  if (!std::strcmp(s, "drop-last")) return Mutation::kDropLast;
  if (!std::strcmp(s, "nan-to-value")) return Mutation::kNanToValue;
  return Mutation::kNone;
}
inline const char* kMutationNames = "nan, offset, drop-last, nan-to-value";

// The mutation kernel_check applies (set from --mutate).
inline Mutation& ActiveMutation() {
  static Mutation m = Mutation::kNone;
  return m;
}

// Applies `m` to `out`, `items` batch items long. The value touched is in the middle of the last item.
inline void Mutate(Mutation m, std::vector<float>& out, size_t items) {
  if (m == Mutation::kNone || out.empty() || items == 0) return;
  const size_t per = out.size() / items, last = (items - 1) * per, mid = last + per / 2;
  switch (m) {
    case Mutation::kNan:
      out[mid] = std::numeric_limits<float>::quiet_NaN();
      break;
    case Mutation::kOffset:  // beyond 1e-3 even after FP16 rounding of a value of any size
      out[mid] += 2e-3f + std::fabs(out[mid]) * 2e-3f;
      break;
    case Mutation::kDropLast:
      for (size_t i = last; i < out.size(); ++i) out[i] = 0.f;
      break;
    case Mutation::kNanToValue: {
      for (float& v : out) {
        if (std::isnan(v)) {
          v = 0.f;
          return;
        }
      }
      out[mid] = std::numeric_limits<float>::quiet_NaN();
      break;
    }
    default:
      break;
  }
}

}  // namespace trtl::check
