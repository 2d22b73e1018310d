// What the CUDA side can do on this machine, in words for gpuStatus().reason. Static cudart means the addon
// loads without a driver; the runtime then reports "insufficient driver" / "no device" here instead of
// crashing.
#pragma once

#include <cstddef>
#include <string>

namespace trtl {

struct CudaStatus {
  bool usable = false;
  std::string reason;  // why not usable (empty when usable)
  int runtime = 0;     // cudaRuntimeGetVersion, e.g. 13000
  int driver = 0;      // cudaDriverGetVersion (0: no driver)
  int devices = 0;
  std::string name;  // device 0
  int major = 0, minor = 0;
  size_t total_memory = 0;
};

CudaStatus QueryCuda();

// 13000 -> "13.0"
std::string CudaVersionString(int v);

// false (with *why) when no kernel image in this binary runs on the current device.
bool KernelsRunnable(std::string* why);

}  // namespace trtl
