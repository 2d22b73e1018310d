// Per-environment state of the GPU bindings (one per Node main thread / worker thread that loads the addon).
// Not napi instance data: the CPU side may use that slot. Created by RegisterGpu, freed by an env cleanup
// hook, which first closes every TensorRT runtime still open and cancels builds in flight, so a worker thread
// that exits with landmarkers alive does not leak GPU memory.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "../addon/build_info.h"

namespace trtl {

class TrtRuntime;

struct GpuEnv {
  Napi::FunctionReference runtime_class;  // JS class wrapping TrtRuntime (TensorRT builds only)
  std::mutex mu;
  std::vector<std::weak_ptr<TrtRuntime>> runtimes;
  std::vector<std::weak_ptr<std::atomic<bool>>> builds;  // cancel flags of builds in flight

  void Track(const std::shared_ptr<TrtRuntime>& rt);
  void Track(const std::shared_ptr<std::atomic<bool>>& cancel);
  void CloseAll();  // env teardown
};

#ifdef TRTL_WITH_TENSORRT
void RegisterTensorRt(Napi::Env env, Napi::Object exports, GpuEnv* genv);
#endif

}  // namespace trtl
