// Helpers shared by the kernel_check sources: random data, host<->device copies, half conversion, result
// tally.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "../gpu/cuda_raii.h"
#include "../gpu/gpu_kernels.h"
#include "check_compare.h"

namespace trtl::check {

using Rng = std::mt19937_64;

inline double Uniform(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
inline int UniformInt(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

template <typename T>
DeviceBuffer Upload(const std::vector<T>& host) {
  DeviceBuffer d(host.size() * sizeof(T));
  if (!host.empty())
    TRTL_CUDA(cudaMemcpy(d.get(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return d;
}

template <typename T>
std::vector<T> Download(const DeviceBuffer& d, size_t count) {
  std::vector<T> host(count);
  if (count) TRTL_CUDA(cudaMemcpy(host.data(), d.get(), count * sizeof(T), cudaMemcpyDeviceToHost));
  return host;
}

inline float HalfToFloat(uint16_t bits) {
  __half_raw raw;
  raw.x = bits;
  return __half2float(__half(raw));
}
inline uint16_t FloatToHalf(float v) {
  __half_raw raw = __half(__float2half_rn(v));
  return raw.x;
}

// Milliseconds per call of fn() (which queues work on `stream`), averaged over `iters` after `warmup` calls.
template <typename Fn>
double TimeMs(cudaStream_t stream, int warmup, int iters, Fn&& fn) {
  for (int i = 0; i < warmup; ++i) fn();
  CudaEvent start = CudaEvent::Create(), stop = CudaEvent::Create();
  start.Record(stream);
  for (int i = 0; i < iters; ++i) fn();
  stop.Record(stream);
  stop.Synchronize();
  return stop.ElapsedSince(start) / iters;
}

int CheckPreprocess(Tally& tally, Rng& rng, cudaStream_t stream, double peak_gbs);
int CheckDecode(Tally& tally, Rng& rng, cudaStream_t stream);

}  // namespace trtl::check
