#include "trt_runtime.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "gpu_policy.h"

namespace trtl {

namespace {

using namespace nvinfer1;

constexpr const char* kErrModelLoad = "ERR_MODEL_LOAD";

size_t DataTypeSize(DataType t) {
  switch (t) {
    case DataType::kHALF:
    case DataType::kBF16:
      return 2;
    case DataType::kINT8:
    case DataType::kUINT8:
    case DataType::kBOOL:
      return 1;
    case DataType::kINT64:
      return 8;
    default:
      return 4;
  }
}

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

[[noreturn]] void Mismatch(const std::string& what) {
  throw CoreError(kErrModelLoad, "engine/contract mismatch: " + what);
}

[[noreturn]] void ThrowPlanFailure(PlanFailure kind, const std::string& call, const std::string& errors,
                                   size_t free_bytes) {
  const std::string details = errors.empty() ? "" : ": " + errors;
  if (kind == PlanFailure::kOutOfMemory) {
    throw CoreError("ERR_CUDA", call + " failed: out of GPU memory (" + Bytes(free_bytes) +
                                    " free); the engine file is fine, retry when the GPU has room" + details);
  }
  throw CoreError(kErrTensorRt, call + " failed" + details);
}

}  // namespace

std::unique_ptr<TrtRuntime> TrtRuntime::Create(const TrtLibrary& lib, const uint8_t* plan, size_t size,
                                               const RuntimeConfig& config) {
  std::unique_ptr<TrtRuntime> rt(new TrtRuntime());
  rt->config_ = config;
  rt->Init(lib, plan, size);  // on throw, the destructor frees whatever was allocated
  return rt;
}

TrtRuntime::~TrtRuntime() {
  try {
    Close();
  } catch (...) {
    // destructors never throw; Close only fails if the mutex does
  }
}

TrtRuntime::Binding& TrtRuntime::Find(const std::string& name) {
  for (auto& b : bindings_) {
    if (b.name == name) return b;
  }
  std::string names;
  for (auto& b : bindings_) names += (names.empty() ? "" : ", ") + b.name;
  Mismatch("the engine has no tensor \"" + name + "\" (it has " + names + ")");
}

void TrtRuntime::Init(const TrtLibrary& lib, const uint8_t* plan, size_t size) {
  const RuntimeConfig& c = config_;
  CudaCheck(cudaSetDevice(0), "cudaSetDevice(0)");
  runtime_.reset(static_cast<IRuntime*>(lib.create_runtime(&logger_, NV_TENSORRT_VERSION)));
  if (!runtime_) ThrowTrt(logger_, "createInferRuntime (TensorRT " + lib.version_string + ")");
  // A corrupt, truncated or foreign plan (other TensorRT version, other GPU) makes this return null with a
  // log message; the JS engine cache then rebuilds.
  // A transient shortage of GPU memory fails the same calls: it is ERR_CUDA (the cached file is good; the
  // engine cache must not delete and rebuild it), a bad plan is ERR_TENSORRT.
  engine_.reset(runtime_->deserializeCudaEngine(plan, size));
  if (!engine_) {
    const std::string errors = logger_.TakeErrors();
    size_t free_bytes = 0, total = 0;
    if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) cudaGetLastError();
    ThrowPlanFailure(ClassifyDeserializeFailure(errors, free_bytes, size),
                     "deserializeCudaEngine (" + Bytes(size) + " plan)", errors, free_bytes);
  }
  context_.reset(engine_->createExecutionContext());
  if (!context_) {
    const std::string errors = logger_.TakeErrors();
    size_t free_bytes = 0, total = 0;
    if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) cudaGetLastError();
    ThrowPlanFailure(ClassifyContextFailure(), "createExecutionContext", errors, free_bytes);
  }
  stream_ = CudaStream::Create();
  for (auto& e : events_) e = CudaEvent::Create();

  // Input: [N, 3, H, W] with the profile covering max_batch.
  const Dims in = engine_->getTensorShape(c.input_name.c_str());
  if (in.nbDims < 0) Mismatch("the engine has no input \"" + c.input_name + "\"");
  if (in.nbDims != 4 || in.d[1] != 3 || in.d[2] != c.preprocess.height || in.d[3] != c.preprocess.width) {
    Mismatch("input \"" + c.input_name + "\" is " + DimsString(in) + ", expected [N, 3, " +
             std::to_string(c.preprocess.height) + ", " + std::to_string(c.preprocess.width) + "]");
  }
  if (in.d[0] < 0) {
    const Dims max = engine_->getProfileShape(c.input_name.c_str(), 0, OptProfileSelector::kMAX);
    if (max.nbDims != 4 || max.d[0] < c.max_batch) {
      Mismatch("the engine's profile allows batch up to " + std::to_string(max.nbDims == 4 ? max.d[0] : 0) +
               ", maxBatch is " + std::to_string(c.max_batch));
    }
  } else if (in.d[0] != c.max_batch) {
    Mismatch("the engine has a fixed batch of " + std::to_string(in.d[0]) + ", maxBatch is " +
             std::to_string(c.max_batch));
  } else {
    fixed_batch_ = in.d[0];  // every run is at this batch; fewer frames leave items unused
  }
  if (!context_->setInputShape(c.input_name.c_str(), Dims4{c.max_batch, 3, in.d[2], in.d[3]})) {
    ThrowTrt(logger_, "setInputShape(" + c.input_name + ", batch " + std::to_string(c.max_batch) + ")");
  }
  shape_batch_ = c.max_batch;

  // Every I/O tensor gets a buffer sized for max_batch (TensorRT needs an address for unused outputs too).
  for (int i = 0; i < engine_->getNbIOTensors(); ++i) {
    Binding b;
    b.name = engine_->getIOTensorName(i);
    b.input = engine_->getTensorIOMode(b.name.c_str()) == TensorIOMode::kINPUT;
    const DataType dt = engine_->getTensorDataType(b.name.c_str());
    if (b.input && b.name != c.input_name) Mismatch("the engine has a second input \"" + b.name + "\"");
    b.type = dt == DataType::kHALF ? TensorType::kFloat16 : TensorType::kFloat32;
    const bool detector_output = c.detector && (b.name == c.det.scores || b.name == c.det.boxes);
    const bool used = b.input || detector_output || b.name == c.output ||
                      std::find(c.heads.begin(), c.heads.end(), b.name) != c.heads.end();
    if (used && dt != DataType::kFLOAT && dt != DataType::kHALF) {
      Mismatch("tensor \"" + b.name + "\" is " + DataTypeName(dt) + "; float32 or float16 expected");
    }
    b.max_dims = context_->getTensorShape(b.name.c_str());
    size_t count = 1;
    for (int d = 0; d < b.max_dims.nbDims; ++d) {
      if (b.max_dims.d[d] < 0)
        Mismatch("tensor \"" + b.name + "\" has data-dependent shape " + DimsString(b.max_dims));
      count *= static_cast<size_t>(b.max_dims.d[d]);
    }
    if (b.max_dims.nbDims < 1 || b.max_dims.d[0] != c.max_batch) {
      Mismatch("tensor \"" + b.name + "\" has shape " + DimsString(b.max_dims) + " at batch " +
               std::to_string(c.max_batch) + "; its first dimension must be the batch");
    }
    b.elements_per_item = count / c.max_batch;
    if (!detector_output) {  // InitDetector places those two in one allocation
      b.buffer = DeviceBuffer(std::max<size_t>(count * DataTypeSize(dt), 1));
      AddDeviceBytes(b.buffer.size());
      if (!context_->setTensorAddress(b.name.c_str(), b.buffer.get()))
        ThrowTrt(logger_, "setTensorAddress(" + b.name + ")");
    }
    if (b.input) input_type_ = b.type;
    bindings_.push_back(std::move(b));
  }

  desc_bytes_ = RoundUp(c.max_batch * sizeof(GpuFrameDesc), 256);
  if (c.detector) {
    InitDetector();
    EnsureStaging(size_t{1} << 20);
    return;
  }
  const int L = c.landmarks;
  if (c.pipnet) {
    const Binding& cls = Find(c.heads[0]);
    if (cls.max_dims.nbDims != 4 || cls.max_dims.d[1] != L) {
      Mismatch("PIPNet cls head \"" + cls.name + "\" is " + DimsString(cls.max_dims) + ", expected [N, " +
               std::to_string(L) + ", h, w]");
    }
    for (int k = 1; k < 5; ++k) {
      const Binding& h = Find(c.heads[k]);
      const int channels = k < 3 ? L : L * c.neighbors;
      if (h.max_dims.nbDims != 4 || h.max_dims.d[1] != channels || h.max_dims.d[2] != cls.max_dims.d[2] ||
          h.max_dims.d[3] != cls.max_dims.d[3]) {
        Mismatch("PIPNet head \"" + h.name + "\" is " + DimsString(h.max_dims) + ", expected [N, " +
                 std::to_string(channels) + ", " + std::to_string(cls.max_dims.d[2]) + ", " +
                 std::to_string(cls.max_dims.d[3]) + "]");
      }
      if (h.type != cls.type) Mismatch("PIPNet heads have different element types");
    }
    const size_t rev = static_cast<size_t>(L) * c.max_len;
    if (c.reverse_index1.size() != rev || c.reverse_index2.size() != rev) Mismatch("reverse index size");
    for (size_t k = 0; k < rev; ++k) {
      if (c.reverse_index1[k] < 0 || c.reverse_index1[k] >= L || c.reverse_index2[k] < 0 ||
          c.reverse_index2[k] >= c.neighbors) {
        Mismatch("reverse index entry " + std::to_string(k) + " out of range");
      }
    }
    d_reverse1_ = DeviceBuffer(std::max<size_t>(rev * 4, 4));
    d_reverse2_ = DeviceBuffer(std::max<size_t>(rev * 4, 4));
    CudaCheck(cudaMemcpy(d_reverse1_.get(), c.reverse_index1.data(), rev * 4, cudaMemcpyHostToDevice),
              "cudaMemcpy(reverse index)");
    CudaCheck(cudaMemcpy(d_reverse2_.get(), c.reverse_index2.data(), rev * 4, cudaMemcpyHostToDevice),
              "cudaMemcpy(reverse index)");
  } else {
    const Binding& out = Find(c.output);
    if (out.elements_per_item < static_cast<size_t>(2 * L)) {
      Mismatch("output \"" + out.name + "\" has " + std::to_string(out.elements_per_item) +
               " values per item, fewer than 2 x " + std::to_string(L) + " landmarks");
    }
    row_stride_ = static_cast<int>(out.elements_per_item);
  }

  const size_t points = static_cast<size_t>(c.max_batch) * L * 2,
               scores = static_cast<size_t>(c.max_batch) * L;
  d_points_ = DeviceBuffer(points * 4);
  d_scores_ = DeviceBuffer(scores * 4);
  h_out_ = PinnedBuffer((points + scores) * 4);
  EnsureStaging(size_t{1} << 20);
  AddDeviceBytes(d_points_.size() + d_scores_.size() + d_reverse1_.size() + d_reverse2_.size());
}

void TrtRuntime::EnsureStaging(size_t frame_bytes) {
  const size_t need = desc_bytes_ + frame_bytes;
  if (d_staging_.size() >= need) return;
  // Grow by at least 1.5x so a stream of slightly larger frames does not reallocate every call. Allocate the
  // new pair before dropping the old: if either allocation fails, the runtime keeps working with what it had.
  const size_t size = RoundUp(std::max(need, d_staging_.size() + d_staging_.size() / 2), size_t{1} << 20);
  PinnedBuffer host(size);
  DeviceBuffer device(size);
  AddDeviceBytes(size - d_staging_.size());
  h_staging_ = std::move(host);
  d_staging_ = std::move(device);
  graph_ = CudaGraph();  // captured kernels point at the old buffer
  graph_batch_ = 0;
}

void TrtRuntime::Enqueue(int batch, const CudaEvent* after_preprocess, const CudaEvent* after_inference) {
  const RuntimeConfig& c = config_;
  const auto* descs = d_staging_.as<GpuFrameDesc>();
  const uint8_t* frames = d_staging_.as<uint8_t>() + desc_bytes_;
  LaunchPreprocess(frames, descs, batch, c.preprocess, input_type_, Find(c.input_name).buffer.get(),
                   stream_.get());
  if (after_preprocess) after_preprocess->Record(stream_.get());
  if (!context_->enqueueV3(stream_.get())) ThrowTrt(logger_, "enqueueV3");
  if (after_inference) after_inference->Record(stream_.get());
  if (c.detector) {  // raw scores and boxes, one copy (batch 1: the first item of each output)
    CudaCheck(cudaMemcpyAsync(h_out_.get(), d_detector_.get(), det_boxes_offset_ + det_boxes_bytes_,
                              cudaMemcpyDeviceToHost, stream_.get()),
              "cudaMemcpyAsync(detector outputs)");
    return;
  }
  const size_t points = static_cast<size_t>(batch) * c.landmarks * 2,
               scores = static_cast<size_t>(batch) * c.landmarks;
  float* h_points = h_out_.as<float>();
  if (c.pipnet) {
    const Binding& cls = Find(c.heads[0]);
    GpuPipnetParams p;
    p.landmarks = c.landmarks;
    p.neighbors = c.neighbors;
    p.grid_height = cls.max_dims.d[2];
    p.grid_width = cls.max_dims.d[3];
    p.max_len = c.max_len;
    p.reverse_index1 = d_reverse1_.as<int32_t>();
    p.reverse_index2 = d_reverse2_.as<int32_t>();
    LaunchPipnetDecode(cls.buffer.get(), Find(c.heads[1]).buffer.get(), Find(c.heads[2]).buffer.get(),
                       Find(c.heads[3]).buffer.get(), Find(c.heads[4]).buffer.get(), cls.type, batch, descs,
                       p, d_points_.as<float>(), d_scores_.as<float>(), stream_.get());
    CudaCheck(cudaMemcpyAsync(h_points + points, d_scores_.get(), scores * 4, cudaMemcpyDeviceToHost,
                              stream_.get()),
              "cudaMemcpyAsync(scores)");
  } else {
    const Binding& out = Find(c.output);
    GpuRegressionParams p;
    p.landmarks = c.landmarks;
    p.row_stride = row_stride_;
    p.pixel = c.pixel;
    p.input_width = c.preprocess.width;
    p.input_height = c.preprocess.height;
    LaunchRegressionDecode(out.buffer.get(), out.type, batch, descs, p, d_points_.as<float>(), stream_.get());
  }
  CudaCheck(cudaMemcpyAsync(h_points, d_points_.get(), points * 4, cudaMemcpyDeviceToHost, stream_.get()),
            "cudaMemcpyAsync(points)");
}

RunResult TrtRuntime::Run(const std::vector<FrameView>& frames, const std::vector<Crop>& crops) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw CoreError("ERR_DISPOSED", "the TensorRT runtime is closed");
  if (config_.detector) throw CoreError(kErrInternal, "run() on a detector runtime (use detect())");
  RunResult r;
  r.graph = Execute(frames, crops, &r.timings);
  const size_t points = frames.size() * config_.landmarks * 2;
  r.points.assign(h_out_.as<float>(), h_out_.as<float>() + points);
  if (config_.pipnet) {
    r.scores.assign(h_out_.as<float>() + points, h_out_.as<float>() + points + points / 2);
  }
  return r;
}

bool TrtRuntime::Execute(const std::vector<FrameView>& frames, const std::vector<Crop>& crops,
                         RunTimings* timings) {
  const int batch = static_cast<int>(frames.size());
  if (batch < 1 || batch > config_.max_batch || crops.size() != frames.size()) {
    throw CoreError("ERR_OUT_OF_RANGE", "Expected 1.." + std::to_string(config_.max_batch) +
                                            " frames with one crop each but received " +
                                            std::to_string(batch));
  }
  CudaCheck(cudaSetDevice(0), "cudaSetDevice(0)");
  size_t total = 0;
  for (const auto& f : frames) total += RoundUp(f.size, 16);
  EnsureStaging(total);

  // Descriptors then frames into pinned memory, so the upload is one asynchronous copy.
  auto* descs = h_staging_.as<GpuFrameDesc>();
  uint8_t* bytes = h_staging_.as<uint8_t>() + desc_bytes_;
  size_t offset = 0;
  for (int b = 0; b < batch; ++b) {
    const FrameView& f = frames[b];
    descs[b] = {offset,     f.width,    f.height,  static_cast<int32_t>(f.format), 0, crops[b].x,
                crops[b].y, crops[b].w, crops[b].h};
    std::memcpy(bytes + offset, f.data, f.size);
    offset += RoundUp(f.size, 16);
  }
  cudaStream_t s = stream_.get();
  events_[0].Record(s);
  CudaCheck(
      cudaMemcpyAsync(d_staging_.get(), h_staging_.get(), desc_bytes_ + offset, cudaMemcpyHostToDevice, s),
      "cudaMemcpyAsync(frames)");
  // A fixed-batch engine runs at its batch whatever the number of frames; only `batch` items are
  // preprocessed and decoded.
  const int engine_batch = EngineBatch(batch, fixed_batch_);
  // Graphs are keyed by the number of frames (for a dynamic engine, its batch).
  const GraphStep step = NextGraphStep(config_.cuda_graph, capture_failed_, batch, context_batch_, graph_batch_);
  if (engine_batch != shape_batch_) {
    const Dims in = Find(config_.input_name).max_dims;
    if (!context_->setInputShape(config_.input_name.c_str(), Dims4{engine_batch, 3, in.d[2], in.d[3]})) {
      ThrowTrt(logger_, "setInputShape(batch " + std::to_string(engine_batch) + ")");
    }
    shape_batch_ = engine_batch;
  }
  const bool graph = step == GraphStep::kReplay;
  if (graph) {
    events_[1].Record(s);
    graph_.Launch(s);
    events_[3].Record(s);
  } else {
    // Timed stage by stage: upload + preprocess | enqueueV3 | decode + download.
    Enqueue(batch, &events_[1], &events_[2]);
    events_[3].Record(s);
    context_batch_ = batch;
  }
  events_[3].Synchronize();

  if (graph) {
    timings->preprocess_ms = events_[1].ElapsedSince(events_[0]);  // upload only; the graph does the rest
    timings->inference_ms = events_[3].ElapsedSince(events_[1]);
  } else {
    timings->preprocess_ms = events_[1].ElapsedSince(events_[0]);
    timings->inference_ms = events_[2].ElapsedSince(events_[1]);
    timings->postprocess_ms = events_[3].ElapsedSince(events_[2]);
    // A normal run at this batch just happened (TensorRT's lazy, shape-dependent setup included): capture it
    // for the next call at the same batch. A graph of another batch is dropped: the context has run at a
    // different shape since it was captured.
    if (step == GraphStep::kRunThenCapture) Capture(batch);
  }
  return graph;
}

void TrtRuntime::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  if (stream_) cudaStreamSynchronize(stream_.get());
  graph_ = CudaGraph();
  context_.reset();
  engine_.reset();
  runtime_.reset();
  bindings_.clear();
  d_reverse1_ = DeviceBuffer();
  d_reverse2_ = DeviceBuffer();
  d_points_ = DeviceBuffer();
  d_scores_ = DeviceBuffer();
  d_detector_ = DeviceBuffer();
  d_staging_ = DeviceBuffer();
  h_staging_ = PinnedBuffer();
  h_out_ = PinnedBuffer();
  stream_ = CudaStream();
  std::lock_guard<std::mutex> info_lock(info_mu_);
  info_.device_bytes = 0;
  info_.closed = true;
}

}  // namespace trtl
