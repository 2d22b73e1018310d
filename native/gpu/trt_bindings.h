// Helpers shared by the TensorRT bindings (trt_build_binding.cc, trt_runtime_binding.cc).
#pragma once

#include <napi.h>

#include <string>

#include "gpu_env.h"
#include "trt_loader.h"

namespace trtl {

// The loaded TensorRT, or throws ERR_BACKEND_UNAVAILABLE with the reason (no GPU, no driver, no libnvinfer,
// wrong major).
const TrtLibrary* RequireTensorRt();

// A non-empty string property; throws ERR_INVALID_ARG_TYPE naming `name`.
std::string StringProp(const Napi::Object& o, const char* key, const std::string& name);

void RegisterTrtBuild(Napi::Env env, Napi::Object exports, GpuEnv* genv);
void RegisterTrtRuntime(Napi::Env env, Napi::Object exports, GpuEnv* genv);

}  // namespace trtl
