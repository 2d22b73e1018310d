// Host-side API of the CUDA kernels (preprocess_kernel.cu, decode_kernels.cu). Plain C++ so the TensorRT
// runtime, the N-API glue and native/test/kernel_check.cu can all call it. Semantics are those of the CPU
// reference in native/core (preprocess.cc, pipnet_decode.cc, regression_decode.cc); kernel_check asserts they
// agree.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "../core/preprocess_params.h"

namespace trtl {

// Element type of a tensor the kernels read or write (TensorRT engines built from FP16 ONNX may have FP16
// I/O).
enum class TensorType : int { kFloat32 = 0, kFloat16 = 1 };

inline size_t ElementSize(TensorType t) { return t == TensorType::kFloat16 ? 2 : 4; }

// One frame of a batch as the kernels see it: its bytes start at `offset` in the device frame buffer (tightly
// packed rows), and its crop window in frame pixels. Doubles keep the coordinate arithmetic identical to the
// CPU. The layout is fixed (uploaded verbatim from pinned memory) so it stays POD with explicit padding.
struct GpuFrameDesc {
  uint64_t offset;
  int32_t width;
  int32_t height;
  int32_t format;  // FrameFormat value (native/core/frame_format.h)
  int32_t pad_;
  double crop_x, crop_y, crop_w, crop_h;
};
static_assert(sizeof(GpuFrameDesc) == 56, "GpuFrameDesc is uploaded verbatim");

// frames: device bytes; descs: `batch` device descriptors. Writes NCHW [batch, 3, height, width] of
// `out_type`, normalising in float (the CPU reference's doubles rounded once). Asynchronous on `stream`; throws
// ERR_CUDA if the launch fails, ERR_OUT_OF_RANGE before launching when a value of p is no finite float or a std
// rounds to zero in float (the CPU reference, computing in double, accepts those).
void LaunchPreprocess(const uint8_t* frames, const GpuFrameDesc* descs, int batch, const PreprocessParams& p,
                      TensorType out_type, void* out, cudaStream_t stream);

struct GpuPipnetParams {
  int landmarks = 0;
  int neighbors = 0;
  int grid_width = 0;
  int grid_height = 0;
  int max_len = 0;
  const int32_t* reverse_index1 = nullptr;  // device, [landmarks * max_len], validated on the host
  const int32_t* reverse_index2 = nullptr;
};

// Shared memory one PIPNet block needs; the launch throws ERR_OUT_OF_RANGE above what a block can get.
size_t PipnetSharedBytes(const GpuPipnetParams& p);

// Heads in `type`, NCHW as in native/core/pipnet_decode.h. Writes points [batch * L * 2] (frame pixels,
// through the descriptors' crops) and scores [batch * L] (may be null). One block per batch item.
void LaunchPipnetDecode(const void* cls, const void* x, const void* y, const void* nb_x, const void* nb_y,
                        TensorType type, int batch, const GpuFrameDesc* descs, const GpuPipnetParams& p,
                        float* points, float* scores, cudaStream_t stream);

struct GpuRegressionParams {
  int landmarks = 0;
  int row_stride = 0;  // values per batch row (>= 2 * landmarks)
  bool pixel = false;  // values are model-input pixels
  int input_width = 0;
  int input_height = 0;
};

void LaunchRegressionDecode(const void* output, TensorType type, int batch, const GpuFrameDesc* descs,
                            const GpuRegressionParams& p, float* points, cudaStream_t stream);

}  // namespace trtl
