// RegisterGpu for CUDA builds: gpuStatus() (CUDA driver/device and, when compiled in, TensorRT loading, each
// with the reason it is unusable) and the TensorRT bindings. See native/addon/gpu_register.h.
#include "../addon/build_info.h"
#include "../addon/gpu_register.h"

#include <string>

#include "../addon/napi_util.h"
#include "cuda_status.h"
#include "gpu_env.h"
#ifdef TRTL_WITH_TENSORRT
#include "trt_loader.h"
#include "trt_runtime.h"
#endif

namespace trtl {

void GpuEnv::Track(const std::shared_ptr<TrtRuntime>& rt) {
  std::lock_guard<std::mutex> lock(mu);
  runtimes.push_back(rt);
}

void GpuEnv::Track(const std::shared_ptr<std::atomic<bool>>& cancel) {
  std::lock_guard<std::mutex> lock(mu);
  builds.push_back(cancel);
}

void GpuEnv::CloseAll() {
  std::lock_guard<std::mutex> lock(mu);
  for (auto& b : builds) {
    if (auto flag = b.lock()) flag->store(true);
  }
#ifdef TRTL_WITH_TENSORRT
  for (auto& w : runtimes) {
    if (auto rt = w.lock()) rt->Close();
  }
#endif
  runtimes.clear();
  builds.clear();
}

namespace {

Napi::Value GpuStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    const CudaStatus cuda = QueryCuda();
    Napi::Object s = Napi::Object::New(env);
    s.Set("cudaRuntime", CudaVersionString(cuda.runtime));
    if (cuda.driver) s.Set("cudaDriver", CudaVersionString(cuda.driver));
    if (!cuda.name.empty()) {
      Napi::Object d = Napi::Object::New(env);
      d.Set("name", cuda.name);
      d.Set("computeCapability", std::to_string(cuda.major) + "." + std::to_string(cuda.minor));
      d.Set("totalMemory", static_cast<double>(cuda.total_memory));
      s.Set("device", d);
    }
    s.Set("cuda", cuda.usable);
    bool trt = false;
    std::string reason = cuda.reason;
#ifdef TRTL_WITH_TENSORRT
    s.Set("tensorrtHeaders", TRTL_TENSORRT_HEADERS);
    // Loading TensorRT needs no GPU, so it is tried either way: tensorrtReason then says what else is
    // missing.
    std::string trt_reason;
    if (const TrtLibrary* lib = LoadTensorRt(&trt_reason)) {
      s.Set("tensorrtVersion", lib->version_string);
      s.Set("tensorrtLibrary", lib->nvinfer_path);
      trt_reason = "TensorRT " + lib->version_string + " loaded from " + lib->nvinfer_path;
      if (cuda.usable) {
        trt = true;
        reason = "TensorRT " + lib->version_string + " and CUDA " + CudaVersionString(cuda.runtime) + " on " +
                 cuda.name + " (compute capability " + std::to_string(cuda.major) + "." +
                 std::to_string(cuda.minor) + ")";
      }
    } else if (cuda.usable) {
      reason = trt_reason;
    }
    s.Set("tensorrtReason", trt_reason);
#else
    if (cuda.usable) reason = TRTL_TENSORRT_ABSENT_REASON;
    s.Set("tensorrtReason", TRTL_TENSORRT_ABSENT_REASON);
#endif
    s.Set("tensorrt", trt);
    s.Set("reason", reason);
    return s;
  });
}

void Cleanup(GpuEnv* genv) {
  genv->CloseAll();
  delete genv;
}

}  // namespace

void RegisterGpu(Napi::Env env, Napi::Object exports) {
  auto* genv = new GpuEnv();
  napi_add_env_cleanup_hook(
      env, [](void* arg) { Cleanup(static_cast<GpuEnv*>(arg)); }, genv);
  exports.Set("gpuStatus", Napi::Function::New(env, GpuStatus, "gpuStatus"));
#ifdef TRTL_WITH_TENSORRT
  RegisterTensorRt(env, exports, genv);
#endif
}

}  // namespace trtl
