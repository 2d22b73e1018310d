// The seam between the CPU addon and the GPU code. Module init calls RegisterGpu once per environment (per
// worker thread / context). Exactly one definition is linked:
//   - native/gpu/** (CUDA + TensorRT), when cmake/gpu.cmake sets TRTL_GPU_SOURCES;
//   - native/addon/gpu_absent.cc otherwise (and always in the binding.gyp build).
// Either must export at least gpuStatus(): { cuda: boolean; tensorrt: boolean; reason: string }.
// Anything global must live in per-env instance data / env cleanup hooks: the addon may be loaded in several
// worker threads at once.
#pragma once

#include <napi.h>

namespace trtl {

void RegisterGpu(Napi::Env env, Napi::Object exports);

}  // namespace trtl
