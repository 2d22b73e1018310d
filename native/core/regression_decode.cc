#include "regression_decode.h"

#include <string>

#include "check.h"
#include "errors.h"
#include "model_input.h"

namespace trtl {

void ValidateRegression(const float* output, size_t output_size, size_t batch, size_t row_stride,
                        const std::vector<Crop>& crops, const RegressionParams& p) {
  if (p.landmarks <= 0) FailRange("params.landmarks", "a positive integer", Num(p.landmarks));
  if (p.pixel) {
    CheckInputSide(InputField("width"), p.input_width);
    CheckInputSide(InputField("height"), p.input_height);
  }
  if (batch == 0) FailRange("batch", "a positive integer", "0");
  const size_t L = p.landmarks;
  if (row_stride < 2 * L) {
    FailRange("rowStride", "at least " + std::to_string(2 * L) + " (2 x landmarks)",
              std::to_string(row_stride));
  }
  const size_t need = CheckedProduct({batch, row_stride}, "output");
  if (output == nullptr || output_size != need) {
    FailRange("output",
              std::to_string(need) + " floats (batch " + std::to_string(batch) + " x rowStride " +
                  std::to_string(row_stride) + ")",
              std::to_string(output_size) + " floats");
  }
  if (crops.size() != batch) {
    FailRange("crops", std::to_string(batch) + " crops (one per batch item)", std::to_string(crops.size()));
  }
  for (size_t b = 0; b < batch; ++b) {
    const Crop& c = crops[b];
    CheckCrop("crops[" + std::to_string(b) + "]", c.x, c.y, c.w, c.h);
  }
}

void DecodeRegression(const float* output, size_t output_size, size_t batch, size_t row_stride,
                      const std::vector<Crop>& crops, const RegressionParams& p, float* points) {
  ValidateRegression(output, output_size, batch, row_stride, crops, p);
  const size_t L = p.landmarks;
  const double div_x = p.pixel ? static_cast<double>(p.input_width) : 1.0;
  const double div_y = p.pixel ? static_cast<double>(p.input_height) : 1.0;
  for (size_t b = 0; b < batch; ++b) {
    const float* row = output + b * row_stride;
    const Crop& crop = crops[b];
    for (size_t i = 0; i < L; ++i) {
      const double nx = row[2 * i] / div_x;  // normalised to the model input
      const double ny = row[2 * i + 1] / div_y;
      points[(b * L + i) * 2] = static_cast<float>(crop.x + nx * crop.w);
      points[(b * L + i) * 2 + 1] = static_cast<float>(crop.y + ny * crop.h);
    }
  }
}

}  // namespace trtl
