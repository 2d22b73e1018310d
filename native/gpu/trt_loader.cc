#include "trt_loader.h"

#include <NvInferVersion.h>

#include "gpu_policy.h"

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#include <link.h>
#endif

namespace trtl {

namespace {

#ifdef _WIN32
using Handle = HMODULE;
Handle Open(const std::string& name) { return LoadLibraryA(name.c_str()); }
void* Symbol(Handle h, const char* name) { return reinterpret_cast<void*>(GetProcAddress(h, name)); }
std::string LastError() { return "Windows error " + std::to_string(GetLastError()); }
std::string PathOf(Handle h, const std::string& fallback) {
  char buf[MAX_PATH];
  const DWORD n = GetModuleFileNameA(h, buf, MAX_PATH);
  return n ? std::string(buf, n) : fallback;
}
const char* kSep = "\\";
#else
using Handle = void*;
// RTLD_LOCAL: TensorRT's symbols must not interpose on anything else loaded into Node.
Handle Open(const std::string& name) { return dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL); }
void* Symbol(Handle h, const char* name) { return dlsym(h, name); }
std::string LastError() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}
std::string PathOf(Handle h, const std::string& fallback) {
  struct link_map* map = nullptr;
  if (dlinfo(h, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && map->l_name[0]) return map->l_name;
  return fallback;
}
#endif

// The search shared with the variant picker (gpu_policy.h, TensorRtLibraryCandidates): the first candidate
// that loads wins; the error lists what each one said.
Handle OpenLibrary(const std::string& name, std::string* error) {
#ifdef _WIN32
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("TRT_LANDMARKER_TENSORRT_LIB"); dir && *dir)
    candidates.push_back(std::string(dir) + kSep + name);
  candidates.push_back(name);
#else
  const std::vector<std::string> candidates = TensorRtLibraryCandidates(
      name, std::getenv("TRT_LANDMARKER_TENSORRT_LIB"), std::getenv("LD_LIBRARY_PATH"));
#endif
  std::string tried;
  for (const std::string& c : candidates) {
    if (Handle h = Open(c)) return h;
    const std::string e = LastError();
    // A file that exists but fails to load says why; "no such file" for every directory is noise.
    if (c == name || e.find("No such file") == std::string::npos) tried += (tried.empty() ? "" : "; ") + e;
  }
  *error = tried.empty() ? "not found" : tried;
  return nullptr;
}

struct State {
  TrtLibrary lib;
  std::string reason;
  bool ok = false;
};

State Load() {
  State s;
  const int compiled = NV_TENSORRT_MAJOR;
  std::string err;
  Handle infer = OpenLibrary(NvinferLibraryName(), &err);
  if (!infer) {
    s.reason = NvinferLibraryName() + " (TensorRT " + std::to_string(compiled) +
               ") could not be loaded: " + err + ". Install TensorRT " + std::to_string(compiled) +
               ".x and put its lib directory on LD_LIBRARY_PATH (or set TRT_LANDMARKER_TENSORRT_LIB)";
    return s;
  }
  s.lib.nvinfer_path = PathOf(infer, NvinferLibraryName());
  using VersionFn = int32_t (*)();
  auto version = reinterpret_cast<VersionFn>(Symbol(infer, "getInferLibVersion"));
  if (!version) {
    s.reason = s.lib.nvinfer_path + " has no getInferLibVersion: not a TensorRT library";
    return s;
  }
  s.lib.version = version();
  s.lib.version_string = TensorRtVersionString(s.lib.version);
  s.reason = TensorRtVersionProblem(s.lib.version, NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR, NV_TENSORRT_PATCH,
                                    s.lib.nvinfer_path);
  if (!s.reason.empty()) return s;
  s.lib.create_builder =
      reinterpret_cast<void* (*)(void*, int32_t)>(Symbol(infer, "createInferBuilder_INTERNAL"));
  s.lib.create_runtime =
      reinterpret_cast<void* (*)(void*, int32_t)>(Symbol(infer, "createInferRuntime_INTERNAL"));
  if (!s.lib.create_builder || !s.lib.create_runtime) {
    s.reason = s.lib.nvinfer_path + " lacks createInferBuilder_INTERNAL/createInferRuntime_INTERNAL";
    return s;
  }
  err.clear();
  Handle parser = OpenLibrary(ParserLibraryName(), &err);
  if (!parser) {
    s.reason = "TensorRT " + s.lib.version_string + " found but its ONNX parser " + ParserLibraryName() +
               " could not be loaded: " + err;
    return s;
  }
  s.lib.parser_path = PathOf(parser, ParserLibraryName());
  s.lib.create_parser =
      reinterpret_cast<void* (*)(void*, void*, int)>(Symbol(parser, "createNvOnnxParser_INTERNAL"));
  if (!s.lib.create_parser) {
    s.reason = s.lib.parser_path + " lacks createNvOnnxParser_INTERNAL";
    return s;
  }
  s.ok = true;
  return s;
}

}  // namespace

std::string NvinferLibraryName() {
#ifdef _WIN32
  return "nvinfer_" + std::to_string(NV_TENSORRT_MAJOR) + ".dll";
#else
  return "libnvinfer.so." + std::to_string(NV_TENSORRT_MAJOR);
#endif
}

std::string ParserLibraryName() {
#ifdef _WIN32
  return "nvonnxparser_" + std::to_string(NV_TENSORRT_MAJOR) + ".dll";
#else
  return "libnvonnxparser.so." + std::to_string(NV_TENSORRT_MAJOR);
#endif
}

const TrtLibrary* LoadTensorRt(std::string* reason) {
  // Loaded once per process; the handles are intentionally never closed.
  static std::once_flag once;
  static State* state = nullptr;
  std::call_once(once, [] { state = new State(Load()); });
  if (!state->ok) {
    if (reason) *reason = state->reason;
    return nullptr;
  }
  return &state->lib;
}

}  // namespace trtl
