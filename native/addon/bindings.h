// Registration functions of the CPU bindings (one per file) and the module's buildInfo.
#pragma once

#include <napi.h>

namespace trtl {

void RegisterBuildInfo(Napi::Env env, Napi::Object exports);
void RegisterPreprocess(Napi::Env env, Napi::Object exports);
void RegisterDecode(Napi::Env env, Napi::Object exports);
void RegisterDetector(Napi::Env env, Napi::Object exports);
void RegisterFileLock(Napi::Env env, Napi::Object exports);

}  // namespace trtl
