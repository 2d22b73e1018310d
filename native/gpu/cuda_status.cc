#include "cuda_status.h"

#include <cuda_runtime_api.h>

#include "cuda_check.h"
#include "gpu_policy.h"

namespace trtl {

std::string CudaVersionString(int v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

CudaStatus QueryCuda() {
  CudaStatus s;
  cudaRuntimeGetVersion(&s.runtime);
  cudaDriverGetVersion(&s.driver);  // 0 when libcuda.so.1 cannot be loaded
  const cudaError_t st = cudaGetDeviceCount(&s.devices);
  cudaGetLastError();
  if (s.driver == 0) {
    s.reason =
        "no NVIDIA driver found (libcuda.so.1 could not be loaded): no GPU or no driver on this machine";
    return s;
  }
  // An older driver of the same CUDA major is fine (minor-version compatibility); the runtime itself says
  // cudaErrorInsufficientDriver when it is not (a driver below the major's minimum, e.g. < 525 for CUDA 12).
  if (const std::string problem = CudaDriverProblem(s.driver, s.runtime); !problem.empty()) {
    s.reason = problem;
    return s;
  }
  if (st == cudaErrorInsufficientDriver) {
    s.reason = "the NVIDIA driver (CUDA " + CudaVersionString(s.driver) + ") is too old for this addon's CUDA " +
               CudaVersionString(s.runtime) + " runtime: update the driver or use a build for an older CUDA";
    return s;
  }
  if (st == cudaErrorNoDevice || (st == cudaSuccess && s.devices == 0)) {
    s.reason = "no CUDA-capable GPU is visible (driver " + CudaVersionString(s.driver) +
               "; check CUDA_VISIBLE_DEVICES)";
    return s;
  }
  if (st != cudaSuccess) {
    s.reason = "cudaGetDeviceCount failed: " + CudaErrorText(st);
    return s;
  }
  cudaDeviceProp prop{};
  const cudaError_t pst = cudaGetDeviceProperties(&prop, 0);
  if (pst != cudaSuccess) {
    cudaGetLastError();
    s.reason = "cudaGetDeviceProperties(0) failed: " + CudaErrorText(pst);
    return s;
  }
  s.name = prop.name;
  s.major = prop.major;
  s.minor = prop.minor;
  s.total_memory = prop.totalGlobalMem;
  std::string why;
  if (cudaSetDevice(0) != cudaSuccess || !KernelsRunnable(&why)) {
    cudaGetLastError();
    s.reason = "GPU " + s.name + " (compute capability " + std::to_string(s.major) + "." +
               std::to_string(s.minor) + ") cannot run this build's kernels: " + why;
    return s;
  }
  s.usable = true;
  return s;
}

}  // namespace trtl
