#include "preprocess.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "check.h"
#include "errors.h"
#include "model_input.h"

namespace trtl {

void ValidateFrame(const FrameView& frame, const char* name) {
  const std::string n(name);
  if (!IsValidFormat(static_cast<int>(frame.format))) {
    throw CoreError(kErrInvalidArgValue, "Expected a format 0..4 (RGB, BGR, RGBA, BGRA, GRAY) for `" + n +
                                             ".format` but received " + Num(static_cast<int>(frame.format)));
  }
  if (frame.width <= 0) FailRange(n + ".width", "a positive integer", Num(frame.width));
  if (frame.height <= 0) FailRange(n + ".height", "a positive integer", Num(frame.height));
  const size_t need = CheckedProduct({static_cast<size_t>(frame.width), static_cast<size_t>(frame.height),
                                      static_cast<size_t>(Channels(frame.format))},
                                     n + ".data");
  if (frame.data == nullptr || frame.size < need) {
    FailRange(n + ".data",
              "at least " + std::to_string(need) + " bytes (width " + Num(frame.width) + " x height " +
                  Num(frame.height) + " x " + std::to_string(Channels(frame.format)) + " channels)",
              std::to_string(frame.size) + " bytes");
  }
}

void ValidatePreprocessParams(const PreprocessParams& p) {
  CheckInputSide(InputField("width"), p.width);
  CheckInputSide(InputField("height"), p.height);
  CheckFinite(InputField("scale"), p.scale);
  for (int c = 0; c < 3; ++c) {
    CheckFinite(InputField("mean", c), p.mean[c]);
    // std divides; zero or negative would give inf/NaN or a flipped image.
    CheckPositive(InputField("std", c), p.std[c]);
  }
}

size_t PreprocessOutputSize(size_t batch, const PreprocessParams& params) {
  return CheckedProduct({batch, 3, static_cast<size_t>(params.height), static_cast<size_t>(params.width)},
                        "the output");
}

void ValidatePreprocess(const std::vector<FrameView>& frames, const std::vector<Crop>& crops,
                        const PreprocessParams& params) {
  ValidatePreprocessParams(params);
  if (frames.empty()) FailRange("frames", "at least one frame", "0 frames");
  if (crops.size() != frames.size()) {
    FailRange("crops", std::to_string(frames.size()) + " crops (one per frame)",
              std::to_string(crops.size()));
  }
  for (size_t b = 0; b < frames.size(); ++b) {
    const std::string name = "frames[" + std::to_string(b) + "]";
    ValidateFrame(frames[b], name.c_str());
    const Crop& c = crops[b];
    CheckCrop("crops[" + std::to_string(b) + "]", c.x, c.y, c.w, c.h);
  }
}

namespace {

// Byte value -> double. The same values as static_cast<double>(byte), but an int-to-double conversion per tap
// (12 per output pixel) was the largest cost of the loop; a table load is much cheaper.
constexpr std::array<double, 256> kByteValue = [] {
  std::array<double, 256> t{};
  for (int i = 0; i < 256; ++i) t[static_cast<size_t>(i)] = i;
  return t;
}();

// The sampling terms of one output column (or row): every pixel of that column (row) shares them, so they are
// computed once per frame instead of once per pixel and channel. They are the per-pixel formula's own
// expressions, evaluated in the same order and precision, so the output is bit-identical to sampling each
// pixel separately.
struct AxisTap {
  bool inside = false;  // the sample lies in [-0.5, size - 0.5]; outside it the pixel is black
  size_t i0 = 0;        // offset of the left (upper) neighbour, clamped into the frame, times the axis stride
  size_t i1 = 0;        // offset of the right (lower) neighbour, clamped, times the stride
  double w0 = 0;        // 1 - a: weight of neighbour 0
  double w1 = 0;        // a = s - floor(s): weight of neighbour 1
};

// Taps along one axis: output index o samples s = origin + (o + 0.5) * extent / out_size - 0.5.
// Pixel-centre mapping: output centre (o + 0.5) lands at origin + (o + 0.5) * extent / out_size in continuous
// coordinates, minus 0.5 to get the pixel-index coordinate (as cv2.resize INTER_LINEAR does). Evaluated in
// exactly this order so the TS tests and the CUDA kernel can reproduce it bit for bit.
std::vector<AxisTap> AxisTaps(double origin, double extent, int out_size, int src_size, size_t stride) {
  std::vector<AxisTap> taps(static_cast<size_t>(out_size));
  const double max_s = src_size - 0.5;
  for (int o = 0; o < out_size; ++o) {
    const double s = origin + (o + 0.5) * extent / out_size - 0.5;
    AxisTap& t = taps[static_cast<size_t>(o)];
    t.inside = s >= -0.5 && s <= max_s;
    if (!t.inside) continue;  // floor/int conversion only for in-range positions (crops may be huge)
    const double f0 = std::floor(s);
    const double a = s - f0;
    t.i0 = static_cast<size_t>(std::clamp(static_cast<int>(f0), 0, src_size - 1)) * stride;
    t.i1 = static_cast<size_t>(std::clamp(static_cast<int>(f0) + 1, 0, src_size - 1)) * stride;
    t.w0 = 1.0 - a;
    t.w1 = a;
  }
  return taps;
}

}  // namespace

void PreprocessOne(const FrameView& frame, const Crop& crop, const PreprocessParams& p, float* out) {
  const int channels = Channels(frame.format);
  const ChannelOffsets off = OffsetsOf(frame.format);
  // Byte offset inside a pixel for each output channel, in output (model) order.
  const int src_ch[3] = {p.bgr ? off.b : off.r, off.g, p.bgr ? off.r : off.b};
  const size_t plane = static_cast<size_t>(p.width) * p.height;
  const size_t row_bytes = static_cast<size_t>(frame.width) * channels;
  const std::vector<AxisTap> cols =
      AxisTaps(crop.x, crop.w, p.width, frame.width, static_cast<size_t>(channels));
  const std::vector<AxisTap> rows = AxisTaps(crop.y, crop.h, p.height, frame.height, row_bytes);
  // Outside the frame the pixel is black (0) before normalisation: the same expression with pixel = 0.
  float black[3];
  for (int c = 0; c < 3; ++c) black[c] = static_cast<float>((0.0 * p.scale - p.mean[c]) / p.std[c]);

  for (int oy = 0; oy < p.height; ++oy) {
    const AxisTap& ty = rows[static_cast<size_t>(oy)];
    float* dst[3];
    for (int c = 0; c < 3; ++c) dst[c] = out + c * plane + static_cast<size_t>(oy) * p.width;
    if (!ty.inside) {
      for (int c = 0; c < 3; ++c) std::fill(dst[c], dst[c] + p.width, black[c]);
      continue;
    }
    const uint8_t* row0 = frame.data + ty.i0;  // upper source row
    const uint8_t* row1 = frame.data + ty.i1;  // lower source row
    for (int ox = 0; ox < p.width; ++ox) {
      const AxisTap& tx = cols[static_cast<size_t>(ox)];
      if (!tx.inside) {
        for (int c = 0; c < 3; ++c) dst[c][ox] = black[c];
        continue;
      }
      const uint8_t* p00 = row0 + tx.i0;
      const uint8_t* p01 = row0 + tx.i1;
      const uint8_t* p10 = row1 + tx.i0;
      const uint8_t* p11 = row1 + tx.i1;
      for (int c = 0; c < 3; ++c) {
        const int k = src_ch[c];
        // Bilinear: horizontal blends of the upper and lower rows, then the vertical blend (this order).
        const double top = tx.w0 * kByteValue[p00[k]] + tx.w1 * kByteValue[p01[k]];
        const double bottom = tx.w0 * kByteValue[p10[k]] + tx.w1 * kByteValue[p11[k]];
        const double pixel = ty.w0 * top + ty.w1 * bottom;
        dst[c][ox] = static_cast<float>((pixel * p.scale - p.mean[c]) / p.std[c]);
      }
    }
  }
}

void Preprocess(const std::vector<FrameView>& frames, const std::vector<Crop>& crops,
                const PreprocessParams& params, float* out, size_t out_size) {
  ValidatePreprocess(frames, crops, params);
  const size_t need = PreprocessOutputSize(frames.size(), params);
  if (out == nullptr || out_size < need) {
    throw CoreError(kErrInternal, "preprocess output buffer holds " + std::to_string(out_size) +
                                      " floats, needs " + std::to_string(need));
  }
  const size_t per_image = PreprocessOutputSize(1, params);
  for (size_t b = 0; b < frames.size(); ++b) PreprocessOne(frames[b], crops[b], params, out + b * per_image);
}

}  // namespace trtl
