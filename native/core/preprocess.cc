#include "preprocess.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "check.h"
#include "errors.h"

namespace trtl {

void ValidateFrame(const FrameView& frame, const char* name) {
  const std::string n(name);
  if (!IsValidFormat(static_cast<int>(frame.format))) {
    throw CoreError(kErrInvalidArgValue, "Expected a format 0..4 (RGB, BGR, RGBA, BGRA, GRAY) for `" + n +
                                             ".format` but received " + Num(static_cast<int>(frame.format)));
  }
  if (frame.width <= 0) FailRange(n + ".width", "a positive integer", Num(frame.width));
  if (frame.height <= 0) FailRange(n + ".height", "a positive integer", Num(frame.height));
  const size_t need = CheckedProduct(
      {static_cast<size_t>(frame.width), static_cast<size_t>(frame.height), static_cast<size_t>(Channels(frame.format))},
      n + ".data");
  if (frame.data == nullptr || frame.size < need) {
    FailRange(n + ".data", "at least " + std::to_string(need) + " bytes (width " + Num(frame.width) + " x height " +
                               Num(frame.height) + " x " + std::to_string(Channels(frame.format)) + " channels)",
              std::to_string(frame.size) + " bytes");
  }
}

void ValidatePreprocessParams(const PreprocessParams& p) {
  if (p.width <= 0 || p.width > kMaxInputSide) {
    FailRange("params.width", "an integer in 1.." + std::to_string(kMaxInputSide), Num(p.width));
  }
  if (p.height <= 0 || p.height > kMaxInputSide) {
    FailRange("params.height", "an integer in 1.." + std::to_string(kMaxInputSide), Num(p.height));
  }
  CheckFinite("params.scale", p.scale);
  for (int c = 0; c < 3; ++c) {
    CheckFinite("params.mean[" + std::to_string(c) + "]", p.mean[c]);
    // std divides; zero or negative would give inf/NaN or a flipped image.
    CheckPositive("params.std[" + std::to_string(c) + "]", p.std[c]);
  }
}

size_t PreprocessOutputSize(size_t batch, const PreprocessParams& params) {
  return CheckedProduct({batch, 3, static_cast<size_t>(params.height), static_cast<size_t>(params.width)}, "the output");
}

void ValidatePreprocess(const std::vector<FrameView>& frames, const std::vector<Crop>& crops,
                        const PreprocessParams& params) {
  ValidatePreprocessParams(params);
  if (frames.empty()) FailRange("frames", "at least one frame", "0 frames");
  if (crops.size() != frames.size()) {
    FailRange("crops", std::to_string(frames.size()) + " crops (one per frame)", std::to_string(crops.size()));
  }
  for (size_t b = 0; b < frames.size(); ++b) {
    const std::string name = "frames[" + std::to_string(b) + "]";
    ValidateFrame(frames[b], name.c_str());
    const Crop& c = crops[b];
    CheckCrop("crops[" + std::to_string(b) + "]", c.x, c.y, c.w, c.h);
  }
}

namespace {

// Bilinear sample of channel offset `ch` at source position (sx, sy), neighbours clamped into the frame.
// The caller has already checked that (sx, sy) lies inside [-0.5, W - 0.5] x [-0.5, H - 0.5].
double Bilinear(const FrameView& f, int channels, int ch, double sx, double sy) {
  const double fx0 = std::floor(sx);
  const double fy0 = std::floor(sy);
  const double ax = sx - fx0;  // weight of the right neighbour
  const double ay = sy - fy0;  // weight of the lower neighbour
  const int x0 = std::clamp(static_cast<int>(fx0), 0, f.width - 1);
  const int x1 = std::clamp(static_cast<int>(fx0) + 1, 0, f.width - 1);
  const int y0 = std::clamp(static_cast<int>(fy0), 0, f.height - 1);
  const int y1 = std::clamp(static_cast<int>(fy0) + 1, 0, f.height - 1);
  const size_t row = static_cast<size_t>(f.width) * channels;
  auto at = [&](int x, int y) {
    return static_cast<double>(f.data[static_cast<size_t>(y) * row + static_cast<size_t>(x) * channels + ch]);
  };
  const double top = (1.0 - ax) * at(x0, y0) + ax * at(x1, y0);
  const double bottom = (1.0 - ax) * at(x0, y1) + ax * at(x1, y1);
  return (1.0 - ay) * top + ay * bottom;
}

}  // namespace

void PreprocessOne(const FrameView& frame, const Crop& crop, const PreprocessParams& p, float* out) {
  const int channels = Channels(frame.format);
  const ChannelOffsets off = OffsetsOf(frame.format);
  // Byte offset inside a pixel for each output channel, in output (model) order.
  const int src_ch[3] = {p.bgr ? off.b : off.r, off.g, p.bgr ? off.r : off.b};
  const size_t plane = static_cast<size_t>(p.width) * p.height;
  const double max_x = frame.width - 0.5;
  const double max_y = frame.height - 0.5;

  for (int oy = 0; oy < p.height; ++oy) {
    // Pixel-centre mapping: output centre (oy + 0.5) lands at crop.y + (oy + 0.5) * crop.h / height in
    // continuous coordinates, minus 0.5 to get the pixel-index coordinate (as cv2.resize INTER_LINEAR does).
    // Evaluated in exactly this order so the TS tests and the CUDA kernel can reproduce it bit for bit.
    const double sy = crop.y + (oy + 0.5) * crop.h / p.height - 0.5;
    const bool row_inside = sy >= -0.5 && sy <= max_y;
    for (int ox = 0; ox < p.width; ++ox) {
      const double sx = crop.x + (ox + 0.5) * crop.w / p.width - 0.5;
      const bool inside = row_inside && sx >= -0.5 && sx <= max_x;
      const size_t o = static_cast<size_t>(oy) * p.width + ox;
      for (int c = 0; c < 3; ++c) {
        // Outside the frame the pixel is black (0) before normalisation.
        const double pixel = inside ? Bilinear(frame, channels, src_ch[c], sx, sy) : 0.0;
        out[c * plane + o] = static_cast<float>((pixel * p.scale - p.mean[c]) / p.std[c]);
      }
    }
  }
}

void Preprocess(const std::vector<FrameView>& frames, const std::vector<Crop>& crops, const PreprocessParams& params,
                float* out, size_t out_size) {
  ValidatePreprocess(frames, crops, params);
  const size_t need = PreprocessOutputSize(frames.size(), params);
  if (out == nullptr || out_size < need) {
    throw CoreError(kErrInternal, "preprocess output buffer holds " + std::to_string(out_size) + " floats, needs " +
                                      std::to_string(need));
  }
  const size_t per_image = PreprocessOutputSize(1, params);
  for (size_t b = 0; b < frames.size(); ++b) PreprocessOne(frames[b], crops[b], params, out + b * per_image);
}

}  // namespace trtl
