// TrtRuntime's detector mode: an SSD face detector's engine (UltraFace RFB-320: 4420 priors) fed by the
// same preprocess kernel as the landmark models; its raw outputs come back in one download and the host
// decodes them with the CPU reference (core/detector_decode.cc), the code every backend shares.
//
// Why the decoding is not on the GPU: the raw outputs are 4420 x (2 + 4) floats = 106 KB per image, one
// pinned download (~4 us at ~25 GB/s, plus the copy's latency). The host reads 4420 scores and decodes only
// the priors above the threshold (tens on a photo; at most 200 enter NMS); docs/detector.md gives the
// measured host time. A GPU decode would save at most that copy, and would add a kernel launch, a compaction
// of the candidates, a sort, a sequential NMS and a download of a variable number of boxes.
#include <chrono>
#include <string>

#include "gpu_policy.h"
#include "trt_runtime.h"

namespace trtl {

namespace {

size_t RoundUp256(size_t n) { return (n + 255) / 256 * 256; }

// As trt_runtime.cc: the engine disagrees with the contract.
[[noreturn]] void Mismatch(const std::string& what) {
  throw CoreError("ERR_MODEL_LOAD", "engine/contract mismatch: " + what);
}

// `count` values at `raw` as float32: the pinned memory itself, or a converted copy in `scratch`.
const float* HostFloats(const uint8_t* raw, size_t count, bool half, std::vector<float>* scratch) {
  if (!half) return reinterpret_cast<const float*>(raw);
  const auto* h = reinterpret_cast<const uint16_t*>(raw);
  for (size_t k = 0; k < count; ++k) (*scratch)[k] = HalfToFloat(h[k]);
  return scratch->data();
}

}  // namespace

void TrtRuntime::InitDetector() {
  const DetectorRuntimeConfig& d = config_.det;
  if (d.priors.empty() || d.priors.size() % 4 != 0) {
    throw CoreError(kErrInvalidArgValue, "detector priors: expected a non-empty multiple of 4 floats");
  }
  const int64_t n = static_cast<int64_t>(d.priors.size() / 4);
  const std::string priors = std::to_string(n);
  Binding& scores = Find(d.scores);
  Binding& boxes = Find(d.boxes);
  if (scores.input || boxes.input) Mismatch("the detector's outputs must be engine outputs");
  if (scores.max_dims.nbDims != 3 || scores.max_dims.d[1] != n || scores.max_dims.d[2] <= d.score_index) {
    Mismatch("detector output \"" + scores.name + "\" is " + DimsString(scores.max_dims) + ", expected [N, " +
                   priors + ", classes > " + std::to_string(d.score_index) + "] (" + priors + " priors)");
  }
  if (boxes.max_dims.nbDims != 3 || boxes.max_dims.d[1] != n || boxes.max_dims.d[2] != 4) {
    Mismatch("detector output \"" + boxes.name + "\" is " + DimsString(boxes.max_dims) + ", expected [N, " +
                   priors + ", 4] (" + priors + " priors)");
  }
  det_score_stride_ = static_cast<int>(scores.max_dims.d[2]);
  det_scores_half_ = scores.type == TensorType::kFloat16;
  det_boxes_half_ = boxes.type == TensorType::kFloat16;
  const size_t scores_all = scores.elements_per_item * config_.max_batch * (det_scores_half_ ? 2 : 4);
  det_boxes_offset_ = RoundUp256(scores_all);
  // The first item only: one image per run.
  det_boxes_bytes_ = boxes.elements_per_item * (det_boxes_half_ ? 2 : 4);
  const size_t boxes_all = det_boxes_bytes_ * config_.max_batch;
  // One allocation for both outputs, so that the download after enqueueV3 is a single copy.
  d_detector_ = DeviceBuffer(det_boxes_offset_ + boxes_all);
  AddDeviceBytes(d_detector_.size());
  if (!context_->setTensorAddress(scores.name.c_str(), d_detector_.get()))
    ThrowTrt(logger_, "setTensorAddress(" + scores.name + ")");
  if (!context_->setTensorAddress(boxes.name.c_str(), d_detector_.as<uint8_t>() + det_boxes_offset_))
    ThrowTrt(logger_, "setTensorAddress(" + boxes.name + ")");
  h_out_ = PinnedBuffer(det_boxes_offset_ + det_boxes_bytes_);
  if (det_scores_half_) det_scores_.resize(scores.elements_per_item);
  if (det_boxes_half_) det_boxes_.resize(boxes.elements_per_item);
}

DetectResult TrtRuntime::Detect(const FrameView& frame, const Crop& window, const DetectLimits& limits) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw CoreError("ERR_DISPOSED", "the TensorRT runtime is closed");
  if (!config_.detector) throw CoreError(kErrInternal, "detect() on a landmark runtime (use run())");
  DetectResult r;
  r.graph = Execute({frame}, {window}, &r.timings);
  const auto start = std::chrono::steady_clock::now();
  const DetectorRuntimeConfig& d = config_.det;
  const size_t n = d.priors.size() / 4;
  const size_t score_count = n * static_cast<size_t>(det_score_stride_);
  const float* scores = HostFloats(h_out_.as<uint8_t>(), score_count, det_scores_half_, &det_scores_);
  const float* boxes =
      HostFloats(h_out_.as<uint8_t>() + det_boxes_offset_, n * 4, det_boxes_half_, &det_boxes_);
  DetectParams p;
  p.center_variance = d.center_variance;
  p.size_variance = d.size_variance;
  p.score_stride = det_score_stride_;
  p.score_index = d.score_index;
  p.candidates = d.candidates;
  p.iou_threshold = d.iou_threshold;
  p.min_score = limits.min_score;
  p.min_size = limits.min_size;
  p.max_detections = limits.max_detections;
  r.faces = DecodeDetections(scores, score_count, boxes, n * 4, d.priors.data(), d.priors.size(), window, p);
  r.timings.postprocess_ms +=
      std::chrono::duration<float, std::milli>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace trtl
