// Registration functions of the CPU bindings (one per file) and the module's buildInfo.
#pragma once

#include <napi.h>

#include <vector>

#include "../core/detector_decode.h"

namespace trtl {

void RegisterBuildInfo(Napi::Env env, Napi::Object exports);
void RegisterPreprocess(Napi::Env env, Napi::Object exports);
void RegisterDecode(Napi::Env env, Napi::Object exports);
void RegisterDetector(Napi::Env env, Napi::Object exports);
void RegisterFileLock(Napi::Env env, Napi::Object exports);
void RegisterJpeg(Napi::Env env, Napi::Object exports);

// { boxes: Float32Array [k * 4] (x, y, w, h), scores: Float32Array [k] }: decodeDetections' result, also
// returned by the TensorRT runtime's detect() (detector_binding.cc).
Napi::Object DetectionsObject(Napi::Env env, const std::vector<Detection>& found);

}  // namespace trtl
