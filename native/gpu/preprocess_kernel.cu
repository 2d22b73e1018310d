// Crop + bilinear resize + normalise, raw uint8 frames -> NCHW FP32/FP16, in one pass over a batch.
// Mirrors native/core/preprocess.cc: the source coordinate of every output pixel and the inside/outside
// decision are computed in double with explicit round-to-nearest intrinsics (no FMA contraction), in the
// CPU's order, so they are bit-identical; only the 4-tap blend and the normalisation run in float (error
// ~1e-5 of a pixel level).
#include <cuda_fp16.h>

#include <cmath>
#include <string>

#include "../core/errors.h"
#include "../core/frame_format.h"
#include "../core/model_input.h"
#include "cuda_check.h"
#include "cuda_status.h"
#include "gpu_kernels.h"

namespace trtl {
namespace {

// The normalisation as the kernel reads it: the one PreprocessParams' doubles rounded to float once, here.
struct Norm {
  float scale;
  float mean[3];
  float std[3];
};

Norm ToNorm(const PreprocessParams& p) {
  const char* in_float = "a number within float range";  // the kernel normalises in float
  Norm n{static_cast<float>(p.scale), {}, {}};
  if (!std::isfinite(n.scale)) FailRange(InputField("scale"), in_float, Num(p.scale));
  for (int c = 0; c < 3; ++c) {
    n.mean[c] = static_cast<float>(p.mean[c]);
    n.std[c] = static_cast<float>(p.std[c]);
    if (!std::isfinite(n.mean[c])) FailRange(InputField("mean", c), in_float, Num(p.mean[c]));
    if (!(std::isfinite(n.std[c]) && n.std[c] > 0)) {
      FailRange(InputField("std", c), "a positive number within float range", Num(p.std[c]));
    }
  }
  return n;
}

__device__ __forceinline__ void Store(float* out, size_t i, float v) { out[i] = v; }
__device__ __forceinline__ void Store(__half* out, size_t i, float v) { out[i] = __float2half_rn(v); }

// Source coordinate of output index o along an axis: origin + (o + 0.5) * extent / size - 0.5, as the CPU
// does it.
__device__ __forceinline__ double SourceCoord(double origin, int o, double extent, int size) {
  const double t = __ddiv_rn(__dmul_rn(static_cast<double>(o) + 0.5, extent), static_cast<double>(size));
  return __dsub_rn(__dadd_rn(origin, t), 0.5);
}

template <typename Out>
__global__ void PreprocessKernel(const uint8_t* __restrict__ frames, const GpuFrameDesc* __restrict__ descs,
                                 int out_w, int out_h, int bgr, Norm norm, Out* __restrict__ out) {
  const int ox = blockIdx.x * blockDim.x + threadIdx.x;
  const int oy = blockIdx.y * blockDim.y + threadIdx.y;
  const int b = blockIdx.z;
  if (ox >= out_w || oy >= out_h) return;

  const GpuFrameDesc d = descs[b];
  const uint8_t* img = frames + d.offset;
  int channels = 3, r = 0, g = 1, bl = 2;
  switch (d.format) {
    case static_cast<int>(FrameFormat::BGR):
      r = 2, bl = 0;
      break;
    case static_cast<int>(FrameFormat::RGBA):
      channels = 4;
      break;
    case static_cast<int>(FrameFormat::BGRA):
      channels = 4, r = 2, bl = 0;
      break;
    case static_cast<int>(FrameFormat::GRAY):
      channels = 1, r = 0, g = 0, bl = 0;
      break;
    default:
      break;  // RGB
  }
  const int src_ch[3] = {bgr ? bl : r, g, bgr ? r : bl};

  const double sx = SourceCoord(d.crop_x, ox, d.crop_w, out_w);
  const double sy = SourceCoord(d.crop_y, oy, d.crop_h, out_h);
  const bool inside = sy >= -0.5 && sy <= d.height - 0.5 && sx >= -0.5 && sx <= d.width - 0.5;

  float px[3] = {0.f, 0.f, 0.f};  // black outside the frame
  if (inside) {
    const double fx0 = floor(sx), fy0 = floor(sy);
    const float ax = static_cast<float>(sx - fx0);  // weight of the right neighbour
    const float ay = static_cast<float>(sy - fy0);  // weight of the lower neighbour
    const int ix = static_cast<int>(fx0), iy = static_cast<int>(fy0);
    const int x0 = min(max(ix, 0), d.width - 1), x1 = min(max(ix + 1, 0), d.width - 1);
    const int y0 = min(max(iy, 0), d.height - 1), y1 = min(max(iy + 1, 0), d.height - 1);
    const size_t row = static_cast<size_t>(d.width) * channels;
    const uint8_t* p00 = img + static_cast<size_t>(y0) * row + static_cast<size_t>(x0) * channels;
    const uint8_t* p01 = img + static_cast<size_t>(y0) * row + static_cast<size_t>(x1) * channels;
    const uint8_t* p10 = img + static_cast<size_t>(y1) * row + static_cast<size_t>(x0) * channels;
    const uint8_t* p11 = img + static_cast<size_t>(y1) * row + static_cast<size_t>(x1) * channels;
#pragma unroll
    for (int c = 0; c < 3; ++c) {
      const int k = src_ch[c];
      const float top = (1.f - ax) * __ldg(p00 + k) + ax * __ldg(p01 + k);
      const float bottom = (1.f - ax) * __ldg(p10 + k) + ax * __ldg(p11 + k);
      px[c] = (1.f - ay) * top + ay * bottom;
    }
  }
  const size_t plane = static_cast<size_t>(out_w) * out_h;
  const size_t base = static_cast<size_t>(b) * 3 * plane + static_cast<size_t>(oy) * out_w + ox;
#pragma unroll
  for (int c = 0; c < 3; ++c) Store(out, base + c * plane, (px[c] * norm.scale - norm.mean[c]) / norm.std[c]);
}

}  // namespace

void LaunchPreprocess(const uint8_t* frames, const GpuFrameDesc* descs, int batch,
                      const PreprocessParams& p, TensorType out_type, void* out, cudaStream_t stream) {
  if (batch <= 0 || p.width <= 0 || p.height <= 0) {
    throw CoreError(kErrInternal, "LaunchPreprocess: empty batch or output size");
  }
  const Norm norm = ToNorm(p);
  // 32 x 8: a warp covers 32 consecutive output pixels of one row, so every plane store is coalesced.
  const dim3 block(32, 8);
  const dim3 grid((p.width + 31) / 32, (p.height + 7) / 8, batch);
  if (out_type == TensorType::kFloat16) {
    PreprocessKernel<__half><<<grid, block, 0, stream>>>(frames, descs, p.width, p.height, p.bgr ? 1 : 0,
                                                         norm, static_cast<__half*>(out));
  } else {
    PreprocessKernel<float><<<grid, block, 0, stream>>>(frames, descs, p.width, p.height, p.bgr ? 1 : 0, norm,
                                                        static_cast<float*>(out));
  }
  CudaCheckLaunch("PreprocessKernel");
}

}  // namespace trtl

namespace trtl {

bool KernelsRunnable(std::string* why) {
  cudaFuncAttributes attr{};
  const cudaError_t st = cudaFuncGetAttributes(&attr, PreprocessKernel<float>);
  if (st == cudaSuccess) return true;
  cudaGetLastError();
  if (why) *why = CudaErrorText(st);
  return false;
}

}  // namespace trtl
