// PIPNet and regression decoding on the GPU, mirroring native/core/pipnet_decode.cc and regression_decode.cc.
// PIPNet: one block per batch item; each warp takes landmarks in turn, finds the first maximum of the score
// map (first NaN wins, as torch.argmax) with a shuffle reduction, reads the offsets and neighbour offsets
// there into shared memory; after a barrier each thread merges one landmark with its reverse-index neighbours
// and maps it through the crop. Coordinates are accumulated in double in the CPU's order, so results match to
// ~1e-6 px.
#include <cuda_fp16.h>

#include <string>

#include "../core/errors.h"
#include "cuda_check.h"
#include "gpu_kernels.h"

namespace trtl {
namespace {

__device__ __forceinline__ float Load(const float* p, size_t i) { return __ldg(p + i); }
__device__ __forceinline__ float Load(const __half* p, size_t i) { return __half2float(p[i]); }

// true when candidate (v, k) should replace (bv, bk): NaN beats numbers, larger beats smaller, ties -> lower
// index.
__device__ __forceinline__ bool Better(float v, int k, float bv, int bk) {
  const bool vn = isnan(v), bn = isnan(bv);
  if (vn != bn) return vn;
  if (!vn && v != bv) return v > bv;
  return k < bk;
}

constexpr int kWarps = 8;

template <typename T>
__global__ void PipnetKernel(const T* __restrict__ cls, const T* __restrict__ hx, const T* __restrict__ hy,
                             const T* __restrict__ nbx, const T* __restrict__ nby,
                             const GpuFrameDesc* __restrict__ descs, GpuPipnetParams p,
                             float* __restrict__ points, float* __restrict__ scores) {
  extern __shared__ double smem[];  // own[L * 2] then nb[L * nb * 2], normalised
  const int L = p.landmarks, nb = p.neighbors, w = p.grid_width, h = p.grid_height;
  const int hw = w * h;
  double* own = smem;
  double* nbs = smem + 2 * L;
  const int b = blockIdx.x;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

  for (int i = warp; i < L; i += kWarps) {
    const size_t map = (static_cast<size_t>(b) * L + i) * hw;
    float bv = nanf("");  // sentinel replaced by lane's first element below
    int bk = -1;
    for (int k = lane; k < hw; k += 32) {
      const float v = Load(cls, map + k);
      if (bk < 0 || Better(v, k, bv, bk)) bv = v, bk = k;
    }
#pragma unroll
    for (int off = 16; off > 0; off /= 2) {
      const float ov = __shfl_down_sync(0xffffffffu, bv, off);
      const int ok = __shfl_down_sync(0xffffffffu, bk, off);
      if (ok >= 0 && (bk < 0 || Better(ov, ok, bv, bk))) bv = ov, bk = ok;
    }
    bk = __shfl_sync(0xffffffffu, bk, 0);
    bv = __shfl_sync(0xffffffffu, bv, 0);
    const int row = bk / w, col = bk % w;
    if (lane == 0) {
      if (scores) scores[static_cast<size_t>(b) * L + i] = bv;
      own[2 * i] = (static_cast<double>(col) + Load(hx, map + bk)) / static_cast<double>(w);
      own[2 * i + 1] = (static_cast<double>(row) + Load(hy, map + bk)) / static_cast<double>(h);
    }
    for (int j = lane; j < nb; j += 32) {
      const size_t nmap = (static_cast<size_t>(b) * L * nb + static_cast<size_t>(i) * nb + j) * hw;
      nbs[2 * (i * nb + j)] = (static_cast<double>(col) + Load(nbx, nmap + bk)) / static_cast<double>(w);
      nbs[2 * (i * nb + j) + 1] = (static_cast<double>(row) + Load(nby, nmap + bk)) / static_cast<double>(h);
    }
  }
  __syncthreads();

  const GpuFrameDesc d = descs[b];
  for (int i = threadIdx.x; i < L; i += blockDim.x) {
    double sx = own[2 * i], sy = own[2 * i + 1];
    for (int t = 0; t < p.max_len; ++t) {
      const int e = i * p.max_len + t;
      const int slot = p.reverse_index1[e] * nb + p.reverse_index2[e];
      sx = __dadd_rn(sx, nbs[2 * slot]);
      sy = __dadd_rn(sy, nbs[2 * slot + 1]);
    }
    const double n = 1.0 + p.max_len;
    const double nx = __ddiv_rn(sx, n), ny = __ddiv_rn(sy, n);
    points[(static_cast<size_t>(b) * L + i) * 2] =
        static_cast<float>(__dadd_rn(d.crop_x, __dmul_rn(nx, d.crop_w)));
    points[(static_cast<size_t>(b) * L + i) * 2 + 1] =
        static_cast<float>(__dadd_rn(d.crop_y, __dmul_rn(ny, d.crop_h)));
  }
}

template <typename T>
__global__ void RegressionKernel(const T* __restrict__ out, int batch, const GpuFrameDesc* __restrict__ descs,
                                 GpuRegressionParams p, float* __restrict__ points) {
  const int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= batch * p.landmarks) return;
  const int b = idx / p.landmarks, i = idx % p.landmarks;
  const size_t at = static_cast<size_t>(b) * p.row_stride + 2 * i;
  const double div_x = p.pixel ? static_cast<double>(p.input_width) : 1.0;
  const double div_y = p.pixel ? static_cast<double>(p.input_height) : 1.0;
  const double nx = __ddiv_rn(static_cast<double>(Load(out, at)), div_x);
  const double ny = __ddiv_rn(static_cast<double>(Load(out, at + 1)), div_y);
  const GpuFrameDesc d = descs[b];
  points[static_cast<size_t>(idx) * 2] = static_cast<float>(__dadd_rn(d.crop_x, __dmul_rn(nx, d.crop_w)));
  points[static_cast<size_t>(idx) * 2 + 1] = static_cast<float>(__dadd_rn(d.crop_y, __dmul_rn(ny, d.crop_h)));
}

}  // namespace

size_t PipnetSharedBytes(const GpuPipnetParams& p) {
  return sizeof(double) * 2 * static_cast<size_t>(p.landmarks) * (1 + static_cast<size_t>(p.neighbors));
}

void LaunchPipnetDecode(const void* cls, const void* x, const void* y, const void* nb_x, const void* nb_y,
                        TensorType type, int batch, const GpuFrameDesc* descs, const GpuPipnetParams& p,
                        float* points, float* scores, cudaStream_t stream) {
  const size_t shared = PipnetSharedBytes(p);
  // 48 KiB is what every architecture gives a block without opting in; 98 landmarks x 10 neighbours need 17
  // KiB.
  if (shared > 48 * 1024) {
    throw CoreError("ERR_OUT_OF_RANGE",
                    "PIPNet decode needs " + std::to_string(shared) +
                        " bytes of shared memory (landmarks x (neighbors + 1)); at most 49152");
  }
  if (batch <= 0) throw CoreError(kErrInternal, "LaunchPipnetDecode: empty batch");
  if (type == TensorType::kFloat16) {
    PipnetKernel<__half><<<batch, kWarps * 32, shared, stream>>>(
        static_cast<const __half*>(cls), static_cast<const __half*>(x), static_cast<const __half*>(y),
        static_cast<const __half*>(nb_x), static_cast<const __half*>(nb_y), descs, p, points, scores);
  } else {
    PipnetKernel<float><<<batch, kWarps * 32, shared, stream>>>(
        static_cast<const float*>(cls), static_cast<const float*>(x), static_cast<const float*>(y),
        static_cast<const float*>(nb_x), static_cast<const float*>(nb_y), descs, p, points, scores);
  }
  CudaCheckLaunch("PipnetKernel");
}

void LaunchRegressionDecode(const void* output, TensorType type, int batch, const GpuFrameDesc* descs,
                            const GpuRegressionParams& p, float* points, cudaStream_t stream) {
  const int n = batch * p.landmarks;
  if (n <= 0) throw CoreError(kErrInternal, "LaunchRegressionDecode: empty batch");
  const int threads = 128, blocks = (n + threads - 1) / threads;
  if (type == TensorType::kFloat16) {
    RegressionKernel<__half>
        <<<blocks, threads, 0, stream>>>(static_cast<const __half*>(output), batch, descs, p, points);
  } else {
    RegressionKernel<float>
        <<<blocks, threads, 0, stream>>>(static_cast<const float*>(output), batch, descs, p, points);
  }
  CudaCheckLaunch("RegressionKernel");
}

}  // namespace trtl
