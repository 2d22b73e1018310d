// Checked CUDA runtime calls. Every failure becomes a CoreError with code ERR_CUDA whose message names the
// call and CUDA's own description, e.g. "cudaMalloc(64 MiB) failed: out of memory
// (cudaErrorMemoryAllocation)".
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "../core/errors.h"

namespace trtl {

inline constexpr const char* kErrCuda = "ERR_CUDA";

inline std::string CudaErrorText(cudaError_t status) {
  return std::string(cudaGetErrorString(status)) + " (" + cudaGetErrorName(status) + ")";
}

// Throws ERR_CUDA naming `what` (the call, optionally with its arguments).
inline void CudaCheck(cudaError_t status, const std::string& what) {
  if (status != cudaSuccess) {
    // Clear the sticky "last error" for non-fatal errors so the next call on this thread does not see it
    // again.
    cudaGetLastError();
    throw CoreError(kErrCuda, what + " failed: " + CudaErrorText(status));
  }
}

// Checks the launch of the kernel just queued (configuration errors surface here, execution errors at the
// sync).
inline void CudaCheckLaunch(const char* kernel) {
  CudaCheck(cudaGetLastError(), std::string("launch of ") + kernel);
}

}  // namespace trtl

#define TRTL_CUDA(call) ::trtl::CudaCheck((call), #call)
