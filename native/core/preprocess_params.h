// The preprocessing parameters, one struct for the CPU reference (preprocess.cc) and the CUDA kernel
// (native/gpu/preprocess_kernel.cu derives its float copy from it). Plain data without standard-library members,
// so .cu files and the kernel's host API include it as they are.
#pragma once

namespace trtl {

struct PreprocessParams {
  int width = 0;     // model input width
  int height = 0;    // model input height
  bool bgr = false;  // true: output channel 0 is blue
  double scale = 1.0;
  double mean[3] = {0, 0, 0};  // in output channel order
  double std[3] = {1, 1, 1};   // in output channel order
};

}  // namespace trtl
