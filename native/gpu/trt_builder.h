// Engine build from ONNX bytes: parse (errors name the ONNX node), one optimisation profile for batch
// on the image input (1..max_batch, or exactly the graph's batch where it is static), precision, timing cache in/out, progress via IProgressMonitor.
//
// Precision: TensorRT 11 only builds strongly typed networks, so the engine's precision is the ONNX graph's:
// FP16 comes from the FP16 ONNX (<model>.fp16.onnx from models/export.py; the JS side picks the file).
// On TensorRT 10, `strongly_typed` builds the same way; otherwise `fp16` sets the (deprecated) kFP16 builder
// flag on the FP32 graph.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "trt_common.h"
#include "trt_loader.h"

namespace trtl {

struct BuildRequest {
  std::vector<uint8_t> onnx;
  std::string input_name;  // the image input; its batch dimension gets the profile
  int max_batch = 1;
  int opt_batch = 1;                  // profile "opt" point
  bool fp16 = false;                  // TensorRT 10 weakly typed only: allow FP16 kernels
  bool strongly_typed = true;         // precision follows the graph (always so on TensorRT 11)
  bool allow_tf32 = false;            // FP32 layers may use TF32 (off: an fp32 engine computes in FP32)
  std::vector<uint8_t> timing_cache;  // previous cache (may be empty)
  size_t workspace_bytes = 0;         // 0: TensorRT's default (device memory)
  int optimization_level = -1;        // -1: TensorRT's default (3)
};

struct BuildResult {
  std::vector<uint8_t> engine;
  std::vector<uint8_t> timing_cache;
  std::vector<std::string> log;  // warnings/errors TensorRT logged during the build
};

// Receives IProgressMonitor events (from TensorRT's threads) and says whether to go on.
class BuildProgress {
 public:
  virtual ~BuildProgress() = default;
  virtual void PhaseStart(const char* phase, const char* parent, int steps) = 0;
  virtual void Step(const char* phase, int step) = 0;
  virtual void PhaseFinish(const char* phase) = 0;
  virtual bool Cancelled() = 0;
};

// Blocking; run it on a worker thread. Throws ERR_TENSORRT / ERR_MODEL_LOAD (parse errors) / ERR_DISPOSED
// (cancelled). `progress` may be null.
BuildResult BuildEngine(const TrtLibrary& lib, const BuildRequest& req, BuildProgress* progress,
                        TrtLogger& logger);

// Timing cache `base` with the entries of `extra` added (ITimingCache::combine), serialized: two builds that
// ran at the same time each bring their new timings, and neither overwrites the other's. Blocking.
std::vector<uint8_t> MergeTimingCaches(const TrtLibrary& lib, const std::vector<uint8_t>& base,
                                       const std::vector<uint8_t>& extra, TrtLogger& logger);

}  // namespace trtl
