// Unit checks of native/gpu/gpu_policy.h: the GPU path's decisions, run on any machine (no CUDA, no TensorRT).
// Built and run by test/gpu/native-policy.test.ts; prints one line per failed expectation and exits 1 if any.
//   c++ -std=c++17 -Inative native/test/policy_check.cc -o policy_check && ./policy_check
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "gpu/gpu_policy.h"

using namespace trtl;

namespace {

int failures = 0, checks = 0;

void Expect(bool ok, const std::string& what) {
  ++checks;
  if (!ok) {
    ++failures;
    std::printf("FAIL %s\n", what.c_str());
  }
}

void ExpectEq(const std::string& got, const std::string& want, const std::string& what) {
  Expect(got == want, what + ": got \"" + got + "\", want \"" + want + "\"");
}

void CudaCompatibility() {
  // Minor-version compatibility: a CUDA 12.8 runtime on a 535 driver (CUDA 12.2), 13.0 on 580 (13.0).
  ExpectEq(CudaDriverProblem(12020, 12080), "", "CUDA 12.8 build on a CUDA 12.2 driver");
  ExpectEq(CudaDriverProblem(12040, 12090), "", "CUDA 12.9 build on a CUDA 12.4 (550) driver");
  ExpectEq(CudaDriverProblem(13000, 13000), "", "same version");
  ExpectEq(CudaDriverProblem(13010, 12080), "", "newer driver major");
  ExpectEq(CudaDriverProblem(12080, 13000),
           "the NVIDIA driver supports CUDA up to 12.8 but this addon uses CUDA 13.0, a newer major: update the "
           "driver or use a build for CUDA 12",
           "CUDA 13 build on a CUDA 12 driver");
  ExpectEq(CudaDriverProblem(0, 13000), "", "no driver: reported elsewhere");
}

void TensorRtVersions() {
  // Headers 10.8.0: 10.8.x and later 10.x accepted; 10.7 and 11.x refused.
  ExpectEq(TensorRtVersionProblem(100800, 10, 8, 0, "/l"), "", "same minor");
  ExpectEq(TensorRtVersionProblem(101603, 10, 8, 0, "/l"), "", "newer minor");
  ExpectEq(TensorRtVersionProblem(100801, 10, 8, 3, "/l"), "", "older patch of the same minor");
  ExpectEq(TensorRtVersionProblem(100702, 10, 8, 0, "/l"),
           "loaded TensorRT 10.7.2 (/l) but this addon was compiled against TensorRT 10.8.0 headers, a newer "
           "minor: it needs TensorRT 10.8 or newer within 10.x (or a build compiled against the headers of "
           "TensorRT 10.7 or older)",
           "older minor");
  ExpectEq(TensorRtVersionProblem(110100, 10, 8, 0, "/l"),
           "loaded TensorRT 11.1.0 (/l) but this addon was compiled against TensorRT 10.8.0 headers; the majors "
           "must match (install TensorRT 10.x or use a build compiled against TensorRT 11)",
           "other major");
  ExpectEq(TensorRtVersionString(101600), "10.16.0", "version string");
}

void PlanFailures() {
  Expect(ClassifyDeserializeFailure("Serialization assertion magicTagRead == kMAGIC_TAG failed", 8ull << 30,
                                    40 << 20) == PlanFailure::kBadPlan,
         "a garbage plan with plenty of memory is a bad plan");
  Expect(ClassifyDeserializeFailure("The engine plan file is not compatible with this version of TensorRT",
                                    8ull << 30, 40 << 20) == PlanFailure::kBadPlan,
         "a foreign plan is a bad plan");
  Expect(ClassifyDeserializeFailure("[defaultAllocator.cpp::allocate::31] Error Code 1: Cuda Runtime (out of "
                                    "memory)",
                                    8ull << 30, 40 << 20) == PlanFailure::kOutOfMemory,
         "an allocation error is out of memory");
  Expect(ClassifyDeserializeFailure("Requested amount of GPU memory (1073741824 bytes) could not be allocated.",
                                    0, 40 << 20) == PlanFailure::kOutOfMemory,
         "TensorRT's 'could not be allocated' is out of memory");
  Expect(ClassifyDeserializeFailure("", 10 << 20, 40 << 20) == PlanFailure::kOutOfMemory,
         "no message, but less free memory than the plan: out of memory");
  Expect(ClassifyDeserializeFailure("", 0, 40 << 20) == PlanFailure::kBadPlan,
         "no message, free memory unknown: bad plan");
  Expect(ClassifyContextFailure() == PlanFailure::kOutOfMemory, "a context failure is never the file");
}

void Profiles() {
  BatchProfile p = ProfileFor(-1, 8, 4);
  Expect(p.error.empty() && p.min == 1 && p.opt == 4 && p.max == 8, "dynamic batch: 1..8, opt 4");
  p = ProfileFor(-1, 8, 99);
  Expect(p.opt == 8, "dynamic batch: opt clamped to max");
  p = ProfileFor(-1, 8, 0);
  Expect(p.opt == 1, "dynamic batch: opt clamped to 1");
  p = ProfileFor(4, 4, 1);
  Expect(p.error.empty() && p.min == 4 && p.opt == 4 && p.max == 4, "fixed batch 4: min = opt = max = 4");
  p = ProfileFor(1, 1, 1);
  Expect(p.error.empty() && p.min == 1 && p.opt == 1 && p.max == 1, "fixed batch 1");
  p = ProfileFor(4, 8, 8);
  ExpectEq(p.error,
           "has a fixed batch of 4; maxBatch 8 needs a dynamic batch dimension (or maxBatch 4)",
           "fixed batch 4 asked for maxBatch 8");
  Expect(EngineBatch(1, 4) == 4 && EngineBatch(3, 0) == 3, "a fixed-batch engine always runs at its batch");
}

void Precision() {
  PrecisionFlags f = PrecisionFlagsFor(false, true, false);
  Expect(!f.set_fp16 && f.clear_tf32, "fp32 strongly typed: no kFP16, TF32 cleared");
  f = PrecisionFlagsFor(true, false, false);
  Expect(f.set_fp16 && f.clear_tf32, "TensorRT 10 fp16 flag: kFP16 set, FP32 fallback layers not TF32");
  f = PrecisionFlagsFor(true, true, false);
  Expect(!f.set_fp16, "fp16 from the FP16 graph: no kFP16 flag");
  f = PrecisionFlagsFor(false, true, true);
  Expect(!f.clear_tf32, "TF32 allowed when asked for");
}

void Graphs() {
  Expect(NextGraphStep(false, false, 4, 4, 4) == GraphStep::kRun, "graphs off");
  Expect(NextGraphStep(true, true, 4, 4, 4) == GraphStep::kRun, "capture failed before");
  Expect(NextGraphStep(true, false, 1, 0, 0) == GraphStep::kRunThenCapture, "first run: run, then capture");
  Expect(NextGraphStep(true, false, 1, 1, 1) == GraphStep::kReplay, "same batch again: replay");
  // Captured at 1, then a run at 4 (the context ran enqueueV3 at 4), then 1 again: the graph of batch 1 must
  // not be replayed after only setInputShape; a fresh enqueueV3 at 1 comes first.
  Expect(NextGraphStep(true, false, 4, 1, 1) == GraphStep::kRunThenCapture, "new batch: run, then capture");
  Expect(NextGraphStep(true, false, 1, 4, 1) == GraphStep::kRunThenCapture,
         "back to a captured batch after another batch ran: run first");
  Expect(NextGraphStep(true, false, 1, 1, 4) == GraphStep::kRunThenCapture, "the graph held is of another batch");
}

void SearchPath() {
  const auto c = TensorRtLibraryCandidates("libnvinfer.so.10", "/env/lib", "/a:/b/::/c");
  const std::vector<std::string> want = {"/env/lib/libnvinfer.so.10",
                                         "/a/libnvinfer.so.10",
                                         "/b/libnvinfer.so.10",
                                         "/c/libnvinfer.so.10",
                                         "libnvinfer.so.10",
                                         "/usr/local/tensorrt/lib/libnvinfer.so.10",
                                         "/usr/local/tensorrt/targets/x86_64-linux-gnu/lib/libnvinfer.so.10",
                                         "/usr/local/tensorrt/targets/aarch64-linux-gnu/lib/libnvinfer.so.10",
                                         "/opt/tensorrt/lib/libnvinfer.so.10"};
  Expect(c == want, "search order: env dir, LD_LIBRARY_PATH, the dynamic loader, the TensorRT install dirs");
  const auto bare = TensorRtLibraryCandidates("libnvinfer.so.11", nullptr, nullptr);
  Expect(bare.size() == 5 && bare[0] == "libnvinfer.so.11" && bare[4] == "/opt/tensorrt/lib/libnvinfer.so.11",
         "without env: the loader, then the install dirs");
}

void HalfFloats() {
  // Expected values by hand from the binary16 layout (1 sign, 5 exponent bits biased by 15, 10 mantissa bits).
  struct Case {
    uint16_t bits;
    float want;
  };
  const Case cases[] = {{0x3C00, 1.0f},          {0xC000, -2.0f},           {0x3555, 0.333251953125f},
                        {0x7BFF, 65504.0f},      {0x0400, 1.0f / 16384},    {0x0001, 1.0f / 16777216},
                        {0x03FF, 1023.0f / 16777216}, {0x8001, -1.0f / 16777216}, {0x0000, 0.0f},
                        {0x7C00, INFINITY},      {0xFC00, -INFINITY}};
  for (const Case& c : cases) {
    const float got = HalfToFloat(c.bits);
    char what[96];
    std::snprintf(what, sizeof what, "HalfToFloat(0x%04x) = %.9g, want %.9g", c.bits, got, c.want);
    Expect(got == c.want, what);
  }
  Expect(std::signbit(HalfToFloat(0x8000)) && HalfToFloat(0x8000) == 0.0f, "HalfToFloat(0x8000) is -0");
  Expect(std::isnan(HalfToFloat(0x7E00)) && std::isnan(HalfToFloat(0xFD01)), "HalfToFloat of NaNs is NaN");
}

}  // namespace

int main() {
  CudaCompatibility();
  TensorRtVersions();
  PlanFailures();
  Profiles();
  Precision();
  Graphs();
  SearchPath();
  HalfFloats();
  std::printf("%s: %d of %d policy checks passed\n", failures ? "FAILED" : "PASSED", checks - failures, checks);
  return failures ? 1 : 0;
}
