// The decisions the GPU path makes, as small pure header-only functions with no CUDA or TensorRT dependency, so that they
// are unit-tested on machines without a GPU (native/test/policy_check.cc, run by test/gpu/native-policy.test.ts).
// The CUDA/TensorRT code calls these and only does the plumbing around them.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace trtl {

// --- Where libnvinfer / libnvonnxparser are looked for -----------------------------------------------------
// The one search both the loader (trt_loader.cc, dlopen) and the variant picker (src/native/variants.ts,
// TENSORRT_LIB_DIRS, kept equal to this list by test/gpu/native-policy.test.ts) use:
//   1. $TRT_LANDMARKER_TENSORRT_LIB/<name>
//   2. <dir>/<name> for each directory of $LD_LIBRARY_PATH (read now, so a change made after start counts)
//   3. the bare <name> (the dynamic loader: ld.so cache and the system directories)
//   4. <dir>/<name> for each of kTensorRtLibDirs (where the TensorRT tar/zip and containers install it)
inline constexpr const char* kTensorRtLibDirs[] = {
    "/usr/local/tensorrt/lib",
    "/usr/local/tensorrt/targets/x86_64-linux-gnu/lib",
    "/usr/local/tensorrt/targets/aarch64-linux-gnu/lib",
    "/opt/tensorrt/lib",
};
// Paths (or the bare name) to hand to dlopen, in order.
std::vector<std::string> TensorRtLibraryCandidates(const std::string& name, const char* env_dir,
                                                   const char* ld_library_path);

// --- CUDA driver vs runtime -------------------------------------------------------------------------------
// Versions as cudaDriverGetVersion / cudaRuntimeGetVersion report them (12080 = 12.8). Within one CUDA major a
// runtime runs on an older driver of the same major (CUDA minor-version compatibility: a CUDA 12.8 build on a
// 535 driver, which reports 12.2); across majors the driver must be at least the runtime. Empty when they can
// work together, else the sentence for gpuStatus().reason.
std::string CudaDriverProblem(int driver, int runtime);

// --- TensorRT library vs the headers this binary was compiled against --------------------------------------
// `library` as getInferLibVersion() returns it (major * 10000 + minor * 100 + patch; TensorRT 10+).
// Policy: the major must match, and the library's minor must be at least the headers' minor. TensorRT keeps its
// API backward compatible within a major (a binary compiled against 10.0 headers runs on 10.16), but not the
// other way: headers of a newer minor declare interface methods an older library does not have, and calling
// one would jump through a vtable slot that is not there. Empty when accepted, else the sentence for
// gpuStatus().tensorrtReason.
std::string TensorRtVersionProblem(int32_t library, int headers_major, int headers_minor, int headers_patch,
                                   const std::string& library_path);
// "10.16.0" from 101600.
std::string TensorRtVersionString(int32_t library);

// --- Deserialisation failures: a bad file or a busy GPU ---------------------------------------------------
enum class PlanFailure {
  kBadPlan,      // corrupt, truncated, foreign (other TensorRT version or GPU): rebuilding helps
  kOutOfMemory,  // the GPU is short of memory right now: the cached file is fine, rebuilding would not help
};
// `errors`: TensorRT's logged error messages for the failed call; `free_bytes`: cudaMemGetInfo's free memory
// right after the failure (0 when unknown); `plan_bytes`: the plan's size (an engine needs at least about its
// size of device memory for its weights).
PlanFailure ClassifyDeserializeFailure(const std::string& errors, size_t free_bytes, size_t plan_bytes);
// createExecutionContext on an engine that deserialised: the plan was readable, so a null context is memory.
inline PlanFailure ClassifyContextFailure() { return PlanFailure::kOutOfMemory; }
// True for TensorRT/CUDA messages that mean an allocation failed.
bool MentionsOutOfMemory(const std::string& text);

// --- Optimisation profile ---------------------------------------------------------------------------------
struct BatchProfile {
  int min = 1, opt = 1, max = 1;
  std::string error;  // non-empty: the model cannot be built with this request
};
// `graph_batch`: the ONNX input's batch dimension (-1 dynamic, else fixed). A static dimension must get
// min = opt = max = that batch (TensorRT rejects anything else); a dynamic one gets 1..max_batch with `opt`
// clamped into it.
BatchProfile ProfileFor(int graph_batch, int max_batch, int opt);

// --- Builder precision flags ------------------------------------------------------------------------------
struct PrecisionFlags {
  bool set_fp16 = false;    // TensorRT 10, weakly typed: kFP16
  bool clear_tf32 = false;  // an FP32 engine must be FP32: TensorRT enables TF32 by default on sm_80+
};
PrecisionFlags PrecisionFlagsFor(bool fp16, bool strongly_typed, bool allow_tf32);

// --- CUDA graphs ------------------------------------------------------------------------------------------
enum class GraphStep {
  kReplay,             // the graph captured at this batch, with the context still in the state it captured
  kRunThenCapture,     // a normal enqueueV3 run, then capture a graph for the next call at this batch
  kRun,                // a normal run only (graphs off or failed)
};
// `context_batch`: the batch of the last enqueueV3 the context ran (0: none). A graph captured at batch B is
// only valid while the context has not run at another batch since: changing the input shape needs a fresh
// enqueueV3 before anything at the new shape is replayed, and the capture itself froze the context's
// shape-dependent state. `captured_batch`: the batch of the graph held (0: none); at most one is held.
GraphStep NextGraphStep(bool graphs_enabled, bool capture_failed, int batch, int context_batch,
                        int captured_batch);

// --- The engine's batch for a run -------------------------------------------------------------------------
// A fixed-batch engine (N) always runs at N (the unused items are computed and ignored); a dynamic one at the
// number of frames.
inline int EngineBatch(int frames, int fixed_batch) { return fixed_batch > 0 ? fixed_batch : frames; }

// ---- definitions --------------------------------------------------------------------------------------


namespace policy_detail {

inline std::string CudaVersion(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace policy_detail

inline std::string CudaDriverProblem(int driver, int runtime) {
  if (driver <= 0 || runtime <= 0) return "";  // unknown: the caller reports the missing driver itself
  if (driver >= runtime) return "";
  if (driver / 1000 == runtime / 1000) return "";  // minor-version compatibility within the major
  return "the NVIDIA driver supports CUDA up to " + policy_detail::CudaVersion(driver) + " but this addon uses CUDA " +
         policy_detail::CudaVersion(runtime) + ", a newer major: update the driver or use a build for CUDA " +
         std::to_string(driver / 1000);
}

inline std::string TensorRtVersionString(int32_t library) {
  return std::to_string(library / 10000) + "." + std::to_string((library / 100) % 100) + "." +
         std::to_string(library % 100);
}

inline std::string TensorRtVersionProblem(int32_t library, int headers_major, int headers_minor, int headers_patch,
                                   const std::string& library_path) {
  const int major = library / 10000, minor = (library / 100) % 100;
  const std::string loaded = "loaded TensorRT " + TensorRtVersionString(library) + " (" + library_path + ")";
  const std::string headers = std::to_string(headers_major) + "." + std::to_string(headers_minor) + "." +
                              std::to_string(headers_patch);
  if (major != headers_major) {
    return loaded + " but this addon was compiled against TensorRT " + headers +
           " headers; the majors must match (install TensorRT " + std::to_string(headers_major) +
           ".x or use a build compiled against TensorRT " + std::to_string(major) + ")";
  }
  if (minor < headers_minor) {
    return loaded + " but this addon was compiled against TensorRT " + headers +
           " headers, a newer minor: it needs TensorRT " + std::to_string(headers_major) + "." +
           std::to_string(headers_minor) + " or newer within " + std::to_string(headers_major) +
           ".x (or a build compiled against the headers of TensorRT " + std::to_string(major) + "." +
           std::to_string(minor) + " or older)";
  }
  return "";
}

inline bool MentionsOutOfMemory(const std::string& text) {
  const std::string t = policy_detail::Lower(text);
  for (const char* p : {"out of memory", "outofmemory", "could not be allocated", "cudaerrormemoryallocation",
                        "bad_alloc", "failed to allocate", "insufficient memory", "not enough memory"}) {
    if (t.find(p) != std::string::npos) return true;
  }
  return false;
}

inline PlanFailure ClassifyDeserializeFailure(const std::string& errors, size_t free_bytes, size_t plan_bytes) {
  if (MentionsOutOfMemory(errors)) return PlanFailure::kOutOfMemory;
  // No message saying so, but not even the weights would fit now: a busy GPU, not a bad file.
  if (free_bytes > 0 && free_bytes < plan_bytes) return PlanFailure::kOutOfMemory;
  return PlanFailure::kBadPlan;
}

inline BatchProfile ProfileFor(int graph_batch, int max_batch, int opt) {
  BatchProfile p;
  if (max_batch < 1) {
    p.error = "maxBatch must be at least 1 (received " + std::to_string(max_batch) + ")";
    return p;
  }
  if (graph_batch >= 0) {
    if (graph_batch != max_batch) {
      p.error = "has a fixed batch of " + std::to_string(graph_batch) + "; maxBatch " +
                std::to_string(max_batch) + " needs a dynamic batch dimension (or maxBatch " +
                std::to_string(graph_batch) + ")";
      return p;
    }
    p.min = p.opt = p.max = graph_batch;
    return p;
  }
  p.min = 1;
  p.max = max_batch;
  p.opt = std::min(std::max(opt, 1), max_batch);
  return p;
}

inline PrecisionFlags PrecisionFlagsFor(bool fp16, bool strongly_typed, bool allow_tf32) {
  PrecisionFlags f;
  f.set_fp16 = fp16 && !strongly_typed;
  f.clear_tf32 = !allow_tf32;
  return f;
}

inline GraphStep NextGraphStep(bool graphs_enabled, bool capture_failed, int batch, int context_batch,
                        int captured_batch) {
  if (!graphs_enabled || capture_failed) return GraphStep::kRun;
  if (captured_batch == batch && context_batch == batch) return GraphStep::kReplay;
  return GraphStep::kRunThenCapture;
}

inline std::vector<std::string> TensorRtLibraryCandidates(const std::string& name, const char* env_dir,
                                                   const char* ld_library_path) {
  std::vector<std::string> out;
  auto add_dir = [&](const std::string& dir) {
    if (dir.empty()) return;
    out.push_back(dir + (dir.back() == '/' ? "" : "/") + name);
  };
  if (env_dir && *env_dir) add_dir(env_dir);
  if (ld_library_path) {
    const std::string s(ld_library_path);
    size_t start = 0;
    while (start <= s.size()) {
      const size_t end = s.find(':', start);
      add_dir(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  out.push_back(name);
  for (const char* d : kTensorRtLibDirs) add_dir(d);
  return out;
}

// --- Float16 outputs read on the host --------------------------------------------------------------------
// IEEE 754 binary16 -> binary32, exact for every value (normal, subnormal, +-0, +-inf, NaN): the face
// detector's engine outputs are float16 when built from an FP16 graph; the host decodes them
// (trt_runtime_detector.cc).
inline float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;  // +-0
  } else {        // subnormal: shift the mantissa up until its leading 1 is the implicit bit
    exp = 113;
    while (!(mant & 0x400)) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace trtl
