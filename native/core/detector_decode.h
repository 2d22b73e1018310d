// CPU reference of SSD-style face detection decoding (UltraFace and its kin): prior boxes, box decoding from
// per-prior offsets, score threshold and greedy (hard) non-maximum suppression. Semantics follow the UltraFace
// repository's vision/utils/box_utils.py (generate_priors, convert_locations_to_boxes, hard_nms); see
// docs/detector.md for the formulas.
#pragma once

#include <cstddef>
#include <vector>

#include "frame_format.h"

namespace trtl {

struct PriorLevel {
  int stride = 0;                 // input pixels per feature-map cell
  std::vector<double> min_sizes;  // prior sides in input pixels, one prior per size per cell
};

struct PriorParams {
  int input_width = 0;
  int input_height = 0;
  std::vector<PriorLevel> levels;
  bool clip = true;  // clamp every prior value to 0..1 (as generate_priors(clamp=True))
};

// Throws CoreError unless sizes are positive and every level has at least one size.
void ValidatePriorParams(const PriorParams& params);

// Number of priors: sum over levels of ceil(W / stride) * ceil(H / stride) * min_sizes.size().
size_t PriorCount(const PriorParams& params);

// Priors as (cx, cy, w, h) normalised to the input, 4 floats each, in the model's order: level by level, row by
// row (j), column by column (i), then min size.
std::vector<float> GeneratePriors(const PriorParams& params);

struct DetectParams {
  double center_variance = 0.1;
  double size_variance = 0.2;
  int score_stride = 2;        // values per prior in the scores output (classes)
  int score_index = 1;         // the face class's column
  double min_score = 0.7;      // candidates need score >= min_score
  double min_size = 0;         // and a larger side >= min_size (image pixels)
  int candidates = 200;        // best candidates kept before NMS (hard_nms candidate_size)
  double iou_threshold = 0.3;  // NMS drops a box whose IoU with a kept one is > this
  int max_detections = 100;    // boxes kept after NMS
};

// A detected face in image pixels: top-left x, y, width, height, and the face score.
struct Detection {
  float x = 0, y = 0, w = 0, h = 0, score = 0;
};

// IoU of two boxes (x, y, w, h); 0 when both are empty.
double BoxIou(const Detection& a, const Detection& b);

// Greedy NMS over detections already sorted by descending score: keeps a box unless its IoU with an
// already kept box is > iou_threshold; stops after max_keep boxes.
std::vector<Detection> NonMaxSuppression(const std::vector<Detection>& sorted, double iou_threshold,
                                         size_t max_keep);

// Decodes one image's outputs: scores [num_priors * score_stride], offsets [num_priors * 4] (dx, dy, dw, dh),
// priors [num_priors * 4]. Boxes are mapped from the model input to the image through `crop` (the window the
// input was sampled from). Returns at most max_detections boxes, best score first. Validates first (CoreError).
std::vector<Detection> DecodeDetections(const float* scores, size_t scores_size, const float* offsets,
                                        size_t offsets_size, const float* priors, size_t priors_size,
                                        const Crop& crop, const DetectParams& params);

}  // namespace trtl
