#include "detector_decode.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "check.h"
#include "errors.h"
#include "model_input.h"

namespace trtl {

namespace {

size_t Cells(int side, int stride) { return static_cast<size_t>((side + stride - 1) / stride); }

void ValidateDetect(size_t scores_size, size_t offsets_size, size_t priors_size, const Crop& crop,
                    const DetectParams& p) {
  CheckPositive("params.centerVariance", p.center_variance);
  CheckPositive("params.sizeVariance", p.size_variance);
  if (p.score_stride < 1) FailRange("params.scoreStride", "a positive integer", Num(p.score_stride));
  if (p.score_index < 0 || p.score_index >= p.score_stride) {
    FailRange("params.scoreIndex", "an integer from 0 to scoreStride - 1", Num(p.score_index));
  }
  CheckFinite("params.minScore", p.min_score);
  if (!(std::isfinite(p.min_size) && p.min_size >= 0)) FailRange("params.minSize", "a finite number >= 0", Num(p.min_size));
  if (p.candidates < 1) FailRange("params.candidates", "a positive integer", Num(p.candidates));
  if (!(p.iou_threshold >= 0 && p.iou_threshold <= 1)) FailRange("params.iouThreshold", "a number from 0 to 1", Num(p.iou_threshold));
  if (p.max_detections < 1) FailRange("params.maxDetections", "a positive integer", Num(p.max_detections));
  CheckCrop("crop", crop.x, crop.y, crop.w, crop.h);
  if (priors_size == 0 || priors_size % 4 != 0) {
    FailRange("priors", "a non-empty multiple of 4 floats (cx, cy, w, h per prior)", std::to_string(priors_size) + " floats");
  }
  const size_t n = priors_size / 4;
  const size_t want_scores = CheckedProduct({n, static_cast<size_t>(p.score_stride)}, "scores");
  if (scores_size != want_scores) {
    FailRange("scores", std::to_string(want_scores) + " floats (" + std::to_string(n) + " priors x " +
                            std::to_string(p.score_stride) + " classes)",
              std::to_string(scores_size) + " floats");
  }
  if (offsets_size != priors_size) {
    FailRange("boxes", std::to_string(priors_size) + " floats (" + std::to_string(n) + " priors x 4)",
              std::to_string(offsets_size) + " floats");
  }
}

}  // namespace

void ValidatePriorParams(const PriorParams& p) {
  CheckInputSide(InputField("width"), p.input_width);
  CheckInputSide(InputField("height"), p.input_height);
  if (p.levels.empty()) FailRange("params.levels", "at least one level", "0 levels");
  for (size_t l = 0; l < p.levels.size(); ++l) {
    const std::string name = "params.levels[" + std::to_string(l) + "]";
    if (p.levels[l].stride < 1) FailRange(name + ".stride", "a positive integer", Num(p.levels[l].stride));
    if (p.levels[l].min_sizes.empty()) FailRange(name + ".minSizes", "at least one size", "none");
    for (double s : p.levels[l].min_sizes) CheckPositive(name + ".minSizes[]", s);
  }
}

size_t PriorCount(const PriorParams& p) {
  ValidatePriorParams(p);
  size_t n = 0;
  for (const PriorLevel& l : p.levels) {
    n += Cells(p.input_width, l.stride) * Cells(p.input_height, l.stride) * l.min_sizes.size();
  }
  return n;
}

std::vector<float> GeneratePriors(const PriorParams& p) {
  std::vector<float> out;
  out.reserve(PriorCount(p) * 4);
  auto clamp = [&](double v) { return p.clip ? std::min(1.0, std::max(0.0, v)) : v; };
  for (const PriorLevel& l : p.levels) {
    const size_t fw = Cells(p.input_width, l.stride);
    const size_t fh = Cells(p.input_height, l.stride);
    for (size_t j = 0; j < fh; ++j) {
      for (size_t i = 0; i < fw; ++i) {
        // Cell centres are spread over the feature map, (i + 0.5) / fw: with a ragged last cell (240 / 32) this
        // is not (i + 0.5) * stride / W, and generate_priors uses the former.
        const double cx = (static_cast<double>(i) + 0.5) / static_cast<double>(fw);
        const double cy = (static_cast<double>(j) + 0.5) / static_cast<double>(fh);
        for (double m : l.min_sizes) {
          out.push_back(static_cast<float>(clamp(cx)));
          out.push_back(static_cast<float>(clamp(cy)));
          out.push_back(static_cast<float>(clamp(m / p.input_width)));
          out.push_back(static_cast<float>(clamp(m / p.input_height)));
        }
      }
    }
  }
  return out;
}

double BoxIou(const Detection& a, const Detection& b) {
  const double ix = std::max(0.0, std::min<double>(a.x + a.w, b.x + b.w) - std::max<double>(a.x, b.x));
  const double iy = std::max(0.0, std::min<double>(a.y + a.h, b.y + b.h) - std::max<double>(a.y, b.y));
  const double inter = ix * iy;
  const double uni = static_cast<double>(a.w) * a.h + static_cast<double>(b.w) * b.h - inter;
  return uni > 0 ? inter / uni : 0.0;
}

std::vector<Detection> NonMaxSuppression(const std::vector<Detection>& sorted, double iou_threshold,
                                         size_t max_keep) {
  std::vector<Detection> kept;
  for (const Detection& d : sorted) {
    if (kept.size() >= max_keep) break;
    bool suppressed = false;
    for (const Detection& k : kept) {
      if (BoxIou(d, k) > iou_threshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push_back(d);
  }
  return kept;
}

std::vector<Detection> DecodeDetections(const float* scores, size_t scores_size, const float* offsets,
                                        size_t offsets_size, const float* priors, size_t priors_size,
                                        const Crop& crop, const DetectParams& p) {
  ValidateDetect(scores_size, offsets_size, priors_size, crop, p);
  const size_t n = priors_size / 4;
  // Threshold first: only the few priors above it are decoded (a face photo has tens, not thousands).
  std::vector<Detection> cand;
  for (size_t k = 0; k < n; ++k) {
    const float s = scores[k * p.score_stride + p.score_index];
    if (!(s >= p.min_score)) continue;  // also drops NaN
    const float* o = offsets + k * 4;
    const float* pr = priors + k * 4;
    const double cx = o[0] * p.center_variance * pr[2] + pr[0];
    const double cy = o[1] * p.center_variance * pr[3] + pr[1];
    const double w = std::exp(o[2] * p.size_variance) * pr[2];
    const double h = std::exp(o[3] * p.size_variance) * pr[3];
    Detection d;
    d.x = static_cast<float>(crop.x + (cx - w / 2) * crop.w);
    d.y = static_cast<float>(crop.y + (cy - h / 2) * crop.h);
    d.w = static_cast<float>(w * crop.w);
    d.h = static_cast<float>(h * crop.h);
    d.score = s;
    if (!(std::isfinite(d.x) && std::isfinite(d.y) && std::isfinite(d.w) && std::isfinite(d.h))) continue;
    if (std::max(d.w, d.h) < p.min_size) continue;
    cand.push_back(d);
  }
  // Best first; equal scores keep the model's order (stable), so the result does not depend on the sort.
  std::stable_sort(cand.begin(), cand.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
  if (cand.size() > static_cast<size_t>(p.candidates)) cand.resize(p.candidates);
  return NonMaxSuppression(cand, p.iou_threshold, static_cast<size_t>(p.max_detections));
}

}  // namespace trtl
