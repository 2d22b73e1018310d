// Module entry: registers the CPU bindings, buildInfo, then whatever the GPU side provides (gpu_register.h).
#include <napi.h>

#include "bindings.h"
#include "build_info.h"
#include "gpu_register.h"

namespace trtl {

namespace {

std::string CompilerName() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#elif defined(_MSC_VER)
  return "msvc " + std::to_string(_MSC_VER);
#else
  return "unknown";
#endif
}

// What this binary was compiled with. GPU builds define TRTL_WITH_CUDA, TRTL_CUDA_VERSION ("13.0") and, when
// the TensorRT sources were compiled, TRTL_TENSORRT_MAJOR (an integer) in the generated build_info.h.
Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", TRTL_VERSION);
  o.Set("variant", TRTL_VARIANT);
#if defined(TRTL_WITH_CUDA)
  o.Set("cuda", true);
#else
  o.Set("cuda", false);
#endif
#if defined(TRTL_CUDA_VERSION)
  o.Set("cudaVersion", TRTL_CUDA_VERSION);
#endif
#if defined(TRTL_TENSORRT_MAJOR)
  o.Set("tensorrtMajor", TRTL_TENSORRT_MAJOR);
#endif
  o.Set("compiler", CompilerName());
  return o;
}

}  // namespace

void RegisterBuildInfo(Napi::Env env, Napi::Object exports) {
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  RegisterBuildInfo(env, exports);
  RegisterPreprocess(env, exports);
  RegisterDecode(env, exports);
  RegisterDetector(env, exports);
  RegisterFileLock(env, exports);
  RegisterJpeg(env, exports);
  RegisterGpu(env, exports);
  return exports;
}

}  // namespace trtl

namespace {
Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return trtl::Init(env, exports); }
}  // namespace

NODE_API_MODULE(trt_landmarker, InitModule)
