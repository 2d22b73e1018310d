// trtCreateRuntime(plan, config) -> Promise<TrtRuntime>; TrtRuntime#run(frames, crops) -> Promise<result>,
// #close() -> Promise<void>, #info(). Deserialisation, runs and close happen on worker threads; the native
// runtime serialises runs with its mutex (the JS side also queues them). The wrapped runtime is shared with
// the workers in flight, so garbage collection of the JS object never frees memory a worker is using.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../addon/bindings.h"
#include "../addon/napi_util.h"
#include "../addon/promise_worker.h"
#include "../core/check.h"
#include "cuda_status.h"
#include "gpu_env.h"
#include "trt_bindings.h"
#include "trt_runtime.h"

namespace trtl {

const TrtLibrary* RequireTensorRt() {
  const CudaStatus cuda = QueryCuda();
  if (!cuda.usable)
    throw CoreError("ERR_BACKEND_UNAVAILABLE", "TensorRT backend unavailable: " + cuda.reason);
  std::string reason;
  const TrtLibrary* lib = LoadTensorRt(&reason);
  if (!lib) throw CoreError("ERR_BACKEND_UNAVAILABLE", "TensorRT backend unavailable: " + reason);
  return lib;
}

std::string StringProp(const Napi::Object& o, const char* key, const std::string& name) {
  Napi::Value v = o.Get(key);
  if (!v.IsString() || v.As<Napi::String>().Utf8Value().empty()) {
    throw CoreError(kErrInvalidArgType,
                    "Expected a non-empty string for `" + name + "` but received " + Describe(v));
  }
  return v.As<Napi::String>().Utf8Value();
}

namespace {

class RuntimeWrap : public Napi::ObjectWrap<RuntimeWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "TrtRuntime",
        {InstanceMethod("run", &RuntimeWrap::Run), InstanceMethod("detect", &RuntimeWrap::Detect),
         InstanceMethod("close", &RuntimeWrap::Close), InstanceMethod("info", &RuntimeWrap::Info)});
  }
  explicit RuntimeWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RuntimeWrap>(info) {
    // Only constructed by trtCreateRuntime with an External holding the runtime.
    if (info.Length() != 1 || !info[0].IsExternal()) {
      ThrowCoded(info.Env(), kErrInternal, "TrtRuntime is created by trtCreateRuntime()");
    }
    auto* rt = info[0].As<Napi::External<std::shared_ptr<TrtRuntime>>>().Data();
    rt_ = *rt;
  }

 private:
  Napi::Value Run(const Napi::CallbackInfo& info);
  Napi::Value Detect(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    const TrtRuntime::Info state = rt_ ? rt_->info() : TrtRuntime::Info{};
    o.Set("closed", rt_ == nullptr || state.closed);
    if (rt_) {
      o.Set("maxBatch", rt_->max_batch());
      o.Set("inputType", rt_->input_type() == TensorType::kFloat16 ? "float16" : "float32");
      o.Set("deviceBytes", static_cast<double>(state.device_bytes));
      o.Set("cudaGraph", state.graph_status);
    }
    return o;
  }

  std::shared_ptr<TrtRuntime> rt_;
};

// The GPU stage timings (ms) and whether a CUDA graph ran, on a run()/detect() result.
void SetRunInfo(Napi::Env env, Napi::Object& o, const RunTimings& timings, bool graph) {
  Napi::Object t = Napi::Object::New(env);
  t.Set("preprocess", timings.preprocess_ms);
  t.Set("inference", timings.inference_ms);
  t.Set("postprocess", timings.postprocess_ms);
  o.Set("timings", t);
  o.Set("graph", graph);
}

// A runtime job: runs task on a worker thread, resolves with make(env) on the JS thread.
class TaskWorker : public PromiseWorker {
 public:
  using Task = std::function<void()>;
  using Make = std::function<Napi::Value(Napi::Env)>;
  TaskWorker(Napi::Env env, const char* name, Task task, Make make)
      : PromiseWorker(env, name), task_(std::move(task)), make_(std::move(make)) {}
  OwnedPixels pixels;  // frame bytes copied out of JS memory (FrameArg), read by the task

 private:
  void Run() override { task_(); }
  Napi::Value Result(Napi::Env env) override { return make_(env); }

  Task task_;
  Make make_;
};

// Starts w with the frame bytes its task reads (copied out of JS memory), keeping the runtime's JS wrapper
// referenced until the promise settles; its promise.
Napi::Promise StartWithPixels(std::unique_ptr<TaskWorker> w, OwnedPixels pixels, const Napi::Object& owner) {
  w->pixels = std::move(pixels);
  w->Keep(owner);
  return PromiseWorker::Start(std::move(w));
}

Napi::Value RuntimeWrap::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (!rt_) throw CoreError("ERR_DISPOSED", "the TensorRT runtime is closed");
    Napi::Array frames = ArrayArg(info[0], "frames");
    auto views = std::make_shared<std::vector<FrameView>>();
    auto crops = std::make_shared<std::vector<Crop>>(CropsArg(info[1], "crops"));
    OwnedPixels pixels;
    for (uint32_t i = 0; i < frames.Length(); ++i) {
      views->push_back(FrameArg(frames.Get(i), "frames[" + std::to_string(i) + "]", &pixels));
    }
    if (views->empty() || static_cast<int>(views->size()) > rt_->max_batch()) {
      FailRange("frames", "1.." + std::to_string(rt_->max_batch()) + " frames",
                std::to_string(views->size()));
    }
    if (crops->size() != views->size()) {
      FailRange("crops", std::to_string(views->size()) + " crops (one per frame)",
                std::to_string(crops->size()));
    }
    for (size_t b = 0; b < crops->size(); ++b) {
      const Crop& c = (*crops)[b];
      CheckCrop("crops[" + std::to_string(b) + "]", c.x, c.y, c.w, c.h);
    }
    auto rt = rt_;
    auto result = std::make_shared<RunResult>();
    auto w = std::make_unique<TaskWorker>(
        env, "trtl.trtRun", [rt, views, crops, result] { *result = rt->Run(*views, *crops); },
        [result](Napi::Env e) -> Napi::Value {
          Napi::Object o = Napi::Object::New(e);
          Napi::Float32Array pts = NewFloat32Array(e, result->points.size());
          std::copy(result->points.begin(), result->points.end(), pts.Data());
          o.Set("points", pts);
          if (!result->scores.empty()) {
            Napi::Float32Array sc = NewFloat32Array(e, result->scores.size());
            std::copy(result->scores.begin(), result->scores.end(), sc.Data());
            o.Set("scores", sc);
          }
          SetRunInfo(e, o, result->timings, result->graph);
          return o;
        });
    return StartWithPixels(std::move(w), std::move(pixels), info.This().As<Napi::Object>());
  });
}

// detect(frame, window, { minScore, minSize, maxDetections }) -> { boxes [k * 4] x,y,w,h, scores [k],
// timings, graph } (detector runtimes only).
Napi::Value RuntimeWrap::Detect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (!rt_) throw CoreError("ERR_DISPOSED", "the TensorRT runtime is closed");
    OwnedPixels pixels;
    const FrameView frame = FrameArg(info[0], "frame", &pixels);
    const Crop window = CropArg(info[1], "window");
    CheckCrop("window", window.x, window.y, window.w, window.h);
    Napi::Object o = ObjectArg(info[2], "options");
    DetectLimits limits;
    limits.min_score = NumberArg(o.Get("minScore"), "options.minScore");
    limits.min_size = NumberArg(o.Get("minSize"), "options.minSize");
    limits.max_detections =
        static_cast<int>(IntArg(o.Get("maxDetections"), "options.maxDetections", 1, 1 << 20));
    auto rt = rt_;
    auto result = std::make_shared<DetectResult>();
    auto w = std::make_unique<TaskWorker>(
        env, "trtl.trtDetect",
        [rt, frame, window, limits, result] { *result = rt->Detect(frame, window, limits); },
        [result](Napi::Env e) -> Napi::Value {
          Napi::Object o = DetectionsObject(e, result->faces);  // as decodeDetections returns them
          SetRunInfo(e, o, result->timings, result->graph);
          return o;
        });
    return StartWithPixels(std::move(w), std::move(pixels), info.This().As<Napi::Object>());
  });
}

Napi::Value RuntimeWrap::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto rt = std::move(rt_);  // later calls see a closed runtime at once
  return Guard(env, [&]() -> Napi::Value {
    auto w = std::make_unique<TaskWorker>(
        env, "trtl.trtClose",
        [rt] {
          if (rt) rt->Close();
        },
        [](Napi::Env e) -> Napi::Value { return e.Undefined(); });
    w->Keep(info.This().As<Napi::Object>());
    return PromiseWorker::Start(std::move(w));
  });
}

// architecture 'detector': { scores, boxes, priors: Float32Array, scoreIndex, centerVariance, sizeVariance,
// candidates, iouThreshold } beside the input fields (the score threshold etc. come with each detect()).
void ReadDetectorConfig(const Napi::Object& o, RuntimeConfig* c) {
  DetectorRuntimeConfig& d = c->det;
  c->detector = true;
  d.scores = StringProp(o, "scores", "config.scores");
  d.boxes = StringProp(o, "boxes", "config.boxes");
  ArrayView<float> priors = Float32Arg(o.Get("priors"), "config.priors");
  if (priors.size == 0 || priors.size % 4 != 0) {
    FailRange("config.priors", "a non-empty multiple of 4 floats (cx, cy, w, h per prior)",
              std::to_string(priors.size) + " floats");
  }
  d.priors.assign(priors.data, priors.data + priors.size);
  d.score_index = static_cast<int>(IntArg(o.Get("scoreIndex"), "config.scoreIndex", 0, 100000));
  d.center_variance = NumberArg(o.Get("centerVariance"), "config.centerVariance");
  d.size_variance = NumberArg(o.Get("sizeVariance"), "config.sizeVariance");
  CheckPositive("config.centerVariance", d.center_variance);
  CheckPositive("config.sizeVariance", d.size_variance);
  d.candidates = static_cast<int>(IntArg(o.Get("candidates"), "config.candidates", 1, 1 << 20));
  d.iou_threshold = NumberArg(o.Get("iouThreshold"), "config.iouThreshold");
  if (!(d.iou_threshold >= 0 && d.iou_threshold <= 1))
    FailRange("config.iouThreshold", "a number from 0 to 1", Num(d.iou_threshold));
}

RuntimeConfig ReadConfig(const Napi::Object& o) {
  RuntimeConfig c;
  c.input_name = StringProp(o, "inputName", "config.inputName");
  c.max_batch = static_cast<int>(IntArg(o.Get("maxBatch"), "config.maxBatch", 1, 4096));
  c.preprocess = PreprocessParamsArg(o);
  c.cuda_graph = o.Has("cudaGraph") && BoolArg(o.Get("cudaGraph"), "config.cudaGraph");
  const std::string arch = StringProp(o, "architecture", "config.architecture");
  if (arch == "detector") {
    ReadDetectorConfig(o, &c);
    return c;
  }
  c.landmarks = static_cast<int>(IntArg(o.Get("landmarks"), "config.landmarks", 1, 100000));
  if (arch == "pipnet") {
    c.pipnet = true;
    const char* keys[5] = {"cls", "x", "y", "nbX", "nbY"};
    Napi::Object heads = ObjectArg(o.Get("heads"), "config.heads");
    for (int k = 0; k < 5; ++k)
      c.heads[k] = StringProp(heads, keys[k], std::string("config.heads.") + keys[k]);
    c.neighbors = static_cast<int>(IntArg(o.Get("neighbors"), "config.neighbors", 1, 1000));
    c.max_len = static_cast<int>(IntArg(o.Get("maxLen"), "config.maxLen", 0, 100000));
    ArrayView<int32_t> r1 = Int32Arg(o.Get("reverseIndex1"), "config.reverseIndex1");
    ArrayView<int32_t> r2 = Int32Arg(o.Get("reverseIndex2"), "config.reverseIndex2");
    c.reverse_index1.assign(r1.data, r1.data + r1.size);
    c.reverse_index2.assign(r2.data, r2.data + r2.size);
  } else if (arch == "regression") {
    c.output = StringProp(o, "output", "config.output");
    c.pixel = BoolArg(o.Get("pixel"), "config.pixel");
  } else {
    throw CoreError(
        kErrInvalidArgValue,
        "Expected 'pipnet', 'regression' or 'detector' for `config.architecture` but received \"" + arch +
            "\"");
  }
  return c;
}

Napi::Value CreateRuntimeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* genv = static_cast<GpuEnv*>(info.Data());
  return Guard(env, [&]() -> Napi::Value {
    // Arguments first: a bad config is the caller's error on any machine (and testable without TensorRT).
    ArrayView<uint8_t> plan = Uint8Arg(info[0], "plan");
    auto config = std::make_shared<RuntimeConfig>(ReadConfig(ObjectArg(info[1], "config")));
    const TrtLibrary* lib = RequireTensorRt();
    auto bytes = std::make_shared<std::vector<uint8_t>>(plan.data, plan.data + plan.size);
    auto out = std::make_shared<std::shared_ptr<TrtRuntime>>();
    auto w = std::make_unique<TaskWorker>(
        env, "trtl.trtCreateRuntime",
        [lib, config, bytes, out] { *out = TrtRuntime::Create(*lib, bytes->data(), bytes->size(), *config); },
        [genv, out](Napi::Env e) -> Napi::Value {
          genv->Track(*out);
          auto ext = Napi::External<std::shared_ptr<TrtRuntime>>::New(e, out.get());
          return genv->runtime_class.New({ext});
        });
    return PromiseWorker::Start(std::move(w));
  });
}

}  // namespace

void RegisterTrtRuntime(Napi::Env env, Napi::Object exports, GpuEnv* genv) {
  genv->runtime_class = Napi::Persistent(RuntimeWrap::Define(env));
  exports.Set("trtCreateRuntime", Napi::Function::New(env, CreateRuntimeJs, "trtCreateRuntime", genv));
}

void RegisterTensorRt(Napi::Env env, Napi::Object exports, GpuEnv* genv) {
  RegisterTrtBuild(env, exports, genv);
  RegisterTrtRuntime(env, exports, genv);
}

}  // namespace trtl
