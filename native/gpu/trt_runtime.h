// One deserialized engine ready to run the whole pipeline on the GPU:
//   raw frames (pinned staging) -> one H2D copy -> preprocess kernel -> enqueueV3 -> decode kernel -> one D2H
//   copy.
// Detector mode (RuntimeConfig::detector, an SSD face detector such as UltraFace): the whole image goes
// through the same preprocess kernel (the crop is the detector window), the two raw outputs (scores, boxes)
// share one device allocation and come back in one D2H copy, and the host decodes them with the CPU reference
// (core/detector_decode.h: threshold, box decoding, NMS); trt_runtime_detector.cc says why not on the GPU.
// Everything is allocated once at Create (the frame staging grows geometrically when a bigger frame arrives;
// the old buffers stay valid if that allocation fails). One execution context and one stream; Run() holds a
// mutex, so concurrent callers queue instead of racing. Optional CUDA graph of preprocess + enqueueV3 + decode
// + download (the frame upload stays outside: its size varies), for the batch size last run; a run at another
// batch size first runs normally (enqueueV3 at the new shape), then captures again.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../core/detector_decode.h"
#include "../core/frame_format.h"
#include "cuda_raii.h"
#include "gpu_kernels.h"
#include "trt_common.h"
#include "trt_loader.h"

namespace trtl {

// The detector's fixed settings (its contract); the score threshold, minimum size and count come per run.
struct DetectorRuntimeConfig {
  std::string scores, boxes;  // output tensors: [N, priors, classes] and [N, priors, 4]
  std::vector<float> priors;  // cx, cy, w, h per prior (GeneratePriors)
  int score_index = 1;        // the face class's column in scores
  double center_variance = 0.1, size_variance = 0.2;
  int candidates = 200;
  double iou_threshold = 0.3;
};

struct DetectLimits {
  double min_score = 0.7;
  double min_size = 0;  // larger side, image pixels
  int max_detections = 100;
};

struct RuntimeConfig {
  std::string input_name;
  int max_batch = 1;
  PreprocessParams preprocess;  // width/height = model input size
  bool pipnet = false;
  // regression
  std::string output;
  bool pixel = false;
  int landmarks = 0;
  // pipnet: head names cls, x, y, nbX, nbY
  std::array<std::string, 5> heads;
  int neighbors = 0;
  int max_len = 0;
  std::vector<int32_t> reverse_index1, reverse_index2;
  bool detector = false;  // detector mode: `det` is used, `landmarks` and the decoders are not
  DetectorRuntimeConfig det;
  bool cuda_graph = false;
};

struct RunTimings {
  float preprocess_ms = 0, inference_ms = 0, postprocess_ms = 0;
};

struct RunResult {
  std::vector<float> points;  // batch * landmarks * 2
  std::vector<float> scores;  // batch * landmarks (PIPNet), else empty
  RunTimings timings;
  bool graph = false;  // ran from a CUDA graph
};

struct DetectResult {
  std::vector<Detection> faces;  // image pixels, best score first
  RunTimings timings;            // postprocess = download (GPU) + host decoding
  bool graph = false;
};

class TrtRuntime {
 public:
  // Deserializes and allocates. ERR_TENSORRT when the plan is corrupt/foreign ("deserializeCudaEngine failed:
  // ..."), ERR_MODEL_LOAD when the engine's tensors disagree with the config, ERR_CUDA (naming the call) on
  // allocation.
  static std::unique_ptr<TrtRuntime> Create(const TrtLibrary& lib, const uint8_t* plan, size_t size,
                                            const RuntimeConfig& config);
  ~TrtRuntime();
  TrtRuntime(const TrtRuntime&) = delete;
  TrtRuntime& operator=(const TrtRuntime&) = delete;

  // Blocking (worker thread). frames/crops validated by the caller (1..max_batch, sizes checked).
  RunResult Run(const std::vector<FrameView>& frames, const std::vector<Crop>& crops);
  // Detector mode only (ERR_INTERNAL otherwise): faces in one frame sampled through `window`. Blocking.
  DetectResult Detect(const FrameView& frame, const Crop& window, const DetectLimits& limits);
  // Frees every GPU resource now (waits for a Run in progress). Later Run() calls throw ERR_DISPOSED.
  void Close();

  int max_batch() const { return config_.max_batch; }
  TensorType input_type() const { return input_type_; }

  // What info() reports. Guarded by its own mutex, not the run mutex: reading it never waits for a run.
  struct Info {
    bool closed = false;
    size_t device_bytes = 0;
    std::string graph_status = "off";  // "off" | "on" | "failed: <why>"
  };
  Info info() const;

 private:
  struct Binding {
    std::string name;
    bool input = false;
    TensorType type = TensorType::kFloat32;
    nvinfer1::Dims max_dims{};  // at batch = max_batch
    size_t elements_per_item = 0;
    DeviceBuffer buffer;  // empty for the detector's outputs (they live in d_detector_)
  };

  TrtRuntime() = default;
  void Init(const TrtLibrary& lib, const uint8_t* plan, size_t size);
  void EnsureStaging(size_t frame_bytes);
  // Detector mode: checks the two outputs against the priors; one device allocation for both (one download).
  void InitDetector();
  // Upload + (graph | preprocess + enqueueV3 + decode/download) + wait, with the stage timings. mu_ held.
  bool Execute(const std::vector<FrameView>& frames, const std::vector<Crop>& crops, RunTimings* timings);
  // preprocess + infer + decode + download on stream_; records the events (if given) between the stages.
  void Enqueue(int batch, const CudaEvent* after_preprocess, const CudaEvent* after_inference);
  Binding& Find(const std::string& name);
  // Captures preprocess + enqueueV3 + decode + download at `batch` frames as the one graph held.
  void Capture(int batch);
  void AddDeviceBytes(size_t n);
  void SetGraphStatus(std::string status);

  RuntimeConfig config_;
  std::mutex mu_;
  bool closed_ = false;
  // Declaration order = reverse destruction order: the logger outlives every TensorRT object.
  TrtLogger logger_;
  TrtPtr<nvinfer1::IRuntime> runtime_;
  TrtPtr<nvinfer1::ICudaEngine> engine_;
  TrtPtr<nvinfer1::IExecutionContext> context_;
  CudaStream stream_;
  std::array<CudaEvent, 4> events_;
  std::vector<Binding> bindings_;
  TensorType input_type_ = TensorType::kFloat32;
  int row_stride_ = 0;  // regression
  DeviceBuffer d_reverse1_, d_reverse2_, d_points_, d_scores_;
  PinnedBuffer h_out_;      // points then scores; detector: raw scores then raw boxes
  DeviceBuffer d_detector_;  // detector: raw scores then raw boxes (byte offset det_boxes_offset_)
  size_t det_scores_bytes_ = 0, det_boxes_offset_ = 0, det_boxes_bytes_ = 0;
  int det_score_stride_ = 0;
  bool det_scores_half_ = false, det_boxes_half_ = false;
  std::vector<float> det_scores_, det_boxes_;  // float32 copies when the engine's outputs are float16
  PinnedBuffer h_staging_;  // descriptors then frame bytes
  DeviceBuffer d_staging_;
  size_t desc_bytes_ = 0;
  int fixed_batch_ = 0;    // the engine's static batch (0: dynamic)
  int shape_batch_ = 0;    // input batch currently set on the context
  int context_batch_ = 0;  // frames of the last normal (enqueueV3) run
  CudaGraph graph_;        // at most one: captured at graph_batch_ frames (see NextGraphStep)
  int graph_batch_ = 0;
  bool capture_failed_ = false;
  mutable std::mutex info_mu_;
  Info info_;
};

}  // namespace trtl
