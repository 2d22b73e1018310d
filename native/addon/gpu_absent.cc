// RegisterGpu for builds without GPU sources: gpuStatus() says so and why (the reason is fixed at build time
// by cmake/gpu.cmake in the generated build_info.h, or by binding.gyp, as TRTL_GPU_ABSENT_REASON).
#include "build_info.h"
#include "gpu_register.h"

namespace trtl {

namespace {

Napi::Value GpuStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object s = Napi::Object::New(env);
  s.Set("cuda", Napi::Boolean::New(env, false));
  s.Set("tensorrt", Napi::Boolean::New(env, false));
  s.Set("reason", Napi::String::New(env, TRTL_GPU_ABSENT_REASON));
  return s;
}

}  // namespace

void RegisterGpu(Napi::Env env, Napi::Object exports) {
  exports.Set("gpuStatus", Napi::Function::New(env, GpuStatus, "gpuStatus"));
}

}  // namespace trtl
