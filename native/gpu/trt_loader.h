// Run-time loading of TensorRT: dlopen libnvinfer.so.<major> and libnvonnxparser.so.<major> (major = the
// headers this binary was compiled against) and resolve the three factory functions plus getInferLibVersion.
// Nothing else from TensorRT is called except through the interfaces those factories return. The libraries
// stay loaded for the life of the process (unloading TensorRT is not safe).
#pragma once

#include <cstdint>
#include <string>

namespace trtl {

struct TrtLibrary {
  void* (*create_builder)(void* logger, int32_t version) = nullptr;
  void* (*create_runtime)(void* logger, int32_t version) = nullptr;
  void* (*create_parser)(void* network, void* logger, int version) = nullptr;
  int32_t version = 0;         // getInferLibVersion(): major * 10000 + minor * 100 + patch
  std::string version_string;  // "10.16.0"
  std::string nvinfer_path;    // what was loaded (dlinfo / the name tried)
  std::string parser_path;
};

// The loaded library, or nullptr with *reason set ("libnvinfer.so.10 not found: ...", "loaded TensorRT 11.1.0
// but this addon was compiled against TensorRT 10 headers ..."). Thread-safe; the first call does the work
// and the outcome is remembered. The search (TRT_LANDMARKER_TENSORRT_LIB, LD_LIBRARY_PATH, the dynamic
// loader, the usual TensorRT install directories) is the one the variant picker uses (gpu_policy.h); the
// version policy (same major, minor >= the headers') is TensorRtVersionProblem there.
const TrtLibrary* LoadTensorRt(std::string* reason);

// The names tried, for messages: "libnvinfer.so.10".
std::string NvinferLibraryName();
std::string ParserLibraryName();

}  // namespace trtl
