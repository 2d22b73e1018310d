// CPU reference decoding of direct coordinate regression (ResNet50 / MobileNetV3 heads, peppa-slim).
#pragma once

#include <cstddef>
#include <vector>

#include "frame_format.h"

namespace trtl {

struct RegressionParams {
  int landmarks = 0;
  bool pixel = false;  // true: values are model-input pixels (divided by input_width / input_height)
  int input_width = 0;
  int input_height = 0;
};

// Throws CoreError (ERR_OUT_OF_RANGE) unless the sizes agree: output_size == batch * row_stride,
// row_stride >= 2 * landmarks, one valid crop per row.
void ValidateRegression(const float* output, size_t output_size, size_t batch, size_t row_stride,
                        const std::vector<Crop>& crops, const RegressionParams& params);

// output: [batch, row_stride] float32 (output_size == batch * row_stride); the first 2 * landmarks values of
// each row are x,y pairs. Writes points [batch * landmarks * 2] in frame pixels. Validates first (CoreError).
void DecodeRegression(const float* output, size_t output_size, size_t batch, size_t row_stride,
                      const std::vector<Crop>& crops, const RegressionParams& params, float* points);

}  // namespace trtl
