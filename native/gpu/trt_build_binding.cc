// trtBuildEngine(onnx, options, onEvent?) -> Promise<{ engine: Buffer, timingCache: Buffer, log: string[] }>.
// The build runs in a PromiseWorker; IProgressMonitor and logger events reach JS through a ThreadSafeFunction
// (non-blocking: TensorRT's threads never wait on the JS thread). options.cancel (an Int32Array) set to
// non-zero cancels the build at the next progress step.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "../addon/napi_util.h"
#include "../addon/promise_worker.h"
#include "cuda_status.h"
#include "gpu_env.h"
#include "trt_bindings.h"
#include "trt_builder.h"

namespace trtl {

namespace {

struct Event {
  std::string kind;  // "start" | "step" | "finish" | "log"
  std::string phase, parent, message;
  int steps = 0, step = 0;
  std::string severity;
};

void DeliverEvent(Napi::Env env, Napi::Function callback, std::nullptr_t*, Event* e) {
  std::unique_ptr<Event> event(e);
  if (env == nullptr || callback.IsEmpty()) return;
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", event->kind);
  if (!event->phase.empty()) o.Set("phase", event->phase);
  if (!event->parent.empty()) o.Set("parent", event->parent);
  if (event->kind == "start") o.Set("steps", event->steps);
  if (event->kind == "step") o.Set("step", event->step);
  if (event->kind == "log") {
    o.Set("severity", event->severity);
    o.Set("message", event->message);
  }
  try {
    callback.Call({o});
  } catch (const Napi::Error&) {
    // A throwing progress callback must not fail the build; the exception is dropped.
  }
}

using EventFn = Napi::TypedThreadSafeFunction<std::nullptr_t, Event, DeliverEvent>;

class Progress final : public BuildProgress {
 public:
  Progress(EventFn* fn, std::shared_ptr<std::atomic<bool>> cancel, const int32_t* token)
      : fn_(fn), cancel_(std::move(cancel)), token_(token) {}
  void PhaseStart(const char* phase, const char* parent, int steps) override {
    Send(new Event{"start", phase ? phase : "", parent ? parent : "", "", steps, 0, ""});
  }
  void Step(const char* phase, int step) override {
    Send(new Event{"step", phase ? phase : "", "", "", 0, step, ""});
  }
  void PhaseFinish(const char* phase) override {
    Send(new Event{"finish", phase ? phase : "", "", "", 0, 0, ""});
  }
  bool Cancelled() override {
    return cancel_->load() || (token_ && __atomic_load_n(token_, __ATOMIC_SEQ_CST) != 0);
  }
  void Send(Event* e) {
    if (!fn_ || fn_->NonBlockingCall(e) != napi_ok) delete e;
  }

 private:
  EventFn* fn_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  const int32_t* token_;
};

class BuildWorker : public PromiseWorker {
 public:
  BuildWorker(Napi::Env env, const TrtLibrary* lib, BuildRequest req, std::shared_ptr<std::atomic<bool>> cancel)
      : PromiseWorker(env, "trtl.trtBuildEngine", "ERR_TENSORRT"),
        lib_(lib),
        req_(std::move(req)),
        cancel_(std::move(cancel)) {}

  ~BuildWorker() override {
    if (fn_) fn_->Release();  // never ran (queueing failed): the event function must not hold the loop open
  }

  void SetEvents(Napi::Function callback) {
    fn_ = std::make_unique<EventFn>(EventFn::New(Env(), callback, "trtl.trtBuildProgress", 0, 1));
  }
  void SetToken(Napi::Int32Array token) {
    Keep(token);
    token_ = token.Data();
  }

 private:
  // Detaches the logger from the events and releases the event function however the build ends.
  struct EventsDone {
    BuildWorker& w;
    ~EventsDone() {
      w.logger_.SetSink(nullptr);
      if (w.fn_) w.fn_->Release();
      w.fn_.reset();
    }
  };

  void Run() override {
    Progress progress(fn_.get(), cancel_, token_);
    EventsDone done{*this};
    if (fn_) {
      logger_.SetSink([&progress](nvinfer1::ILogger::Severity sev, const char* msg) {
        if (sev > nvinfer1::ILogger::Severity::kWARNING) return;
        progress.Send(new Event{"log", "", "", msg, 0, 0,
                                sev == nvinfer1::ILogger::Severity::kWARNING ? "warning" : "error"});
      });
    }
    result_ = BuildEngine(*lib_, req_, &progress, logger_);
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("engine", Napi::Buffer<uint8_t>::Copy(env, result_.engine.data(), result_.engine.size()));
    out.Set("timingCache",
            Napi::Buffer<uint8_t>::Copy(env, result_.timing_cache.data(), result_.timing_cache.size()));
    Napi::Array log = Napi::Array::New(env, result_.log.size());
    for (size_t i = 0; i < result_.log.size(); ++i) log.Set(static_cast<uint32_t>(i), result_.log[i]);
    out.Set("log", log);
    return out;
  }

  const TrtLibrary* lib_;
  BuildRequest req_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  TrtLogger logger_;
  std::unique_ptr<EventFn> fn_;
  const int32_t* token_ = nullptr;  // the Int32Array's data, kept referenced (Keep)
  BuildResult result_;
};

Napi::Value BuildEngineJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* genv = static_cast<GpuEnv*>(info.Data());
  return Guard(env, [&]() -> Napi::Value {
    const TrtLibrary* lib = RequireTensorRt();
    ArrayView<uint8_t> onnx = Uint8Arg(info[0], "onnx");
    Napi::Object o = ObjectArg(info[1], "options");
    BuildRequest req;
    req.onnx.assign(onnx.data, onnx.data + onnx.size);
    req.input_name = StringProp(o, "inputName", "options.inputName");
    req.max_batch = static_cast<int>(IntArg(o.Get("maxBatch"), "options.maxBatch", 1, 4096));
    req.opt_batch =
        o.Has("optBatch") ? static_cast<int>(IntArg(o.Get("optBatch"), "options.optBatch", 1, 4096)) : 1;
    req.fp16 = BoolArg(o.Get("fp16"), "options.fp16");
    req.strongly_typed = BoolArg(o.Get("stronglyTyped"), "options.stronglyTyped");
    req.allow_tf32 = o.Has("tf32") && !o.Get("tf32").IsUndefined() && BoolArg(o.Get("tf32"), "options.tf32");
    if (o.Has("timingCache") && !o.Get("timingCache").IsUndefined()) {
      ArrayView<uint8_t> tc = Uint8Arg(o.Get("timingCache"), "options.timingCache");
      req.timing_cache.assign(tc.data, tc.data + tc.size);
    }
    if (o.Has("workspaceBytes") && !o.Get("workspaceBytes").IsUndefined()) {
      req.workspace_bytes =
          static_cast<size_t>(IntArg(o.Get("workspaceBytes"), "options.workspaceBytes", 0, int64_t{1} << 50));
    }
    if (o.Has("optimizationLevel") && !o.Get("optimizationLevel").IsUndefined()) {
      req.optimization_level =
          static_cast<int>(IntArg(o.Get("optimizationLevel"), "options.optimizationLevel", 0, 5));
    }
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    genv->Track(cancel);
    auto worker = std::make_unique<BuildWorker>(env, lib, std::move(req), cancel);
    if (o.Has("cancel") && !o.Get("cancel").IsUndefined()) {
      Napi::Value t = o.Get("cancel");
      if (!t.IsTypedArray() || t.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
          t.As<Napi::TypedArray>().ElementLength() < 1) {
        throw CoreError(
            kErrInvalidArgType,
            "Expected an Int32Array of length >= 1 for `options.cancel` but received " + Describe(t));
      }
      worker->SetToken(t.As<Napi::Int32Array>());
    }
    if (info.Length() > 2 && info[2].IsFunction()) worker->SetEvents(info[2].As<Napi::Function>());
    return PromiseWorker::Start(std::move(worker));
  });
}

// trtMergeTimingCaches(base, extra) -> Promise<Buffer>: base's timings plus extra's (ITimingCache::combine).
class MergeWorker : public PromiseWorker {
 public:
  MergeWorker(Napi::Env env, const TrtLibrary* lib, std::vector<uint8_t> base, std::vector<uint8_t> extra)
      : PromiseWorker(env, "trtl.trtMergeTimingCaches", "ERR_TENSORRT"),
        lib_(lib),
        base_(std::move(base)),
        extra_(std::move(extra)) {}

 private:
  void Run() override { merged_ = MergeTimingCaches(*lib_, base_, extra_, logger_); }
  Napi::Value Result(Napi::Env env) override {
    return Napi::Buffer<uint8_t>::Copy(env, merged_.data(), merged_.size());
  }

  const TrtLibrary* lib_;
  std::vector<uint8_t> base_, extra_, merged_;
  TrtLogger logger_;
};

Napi::Value MergeTimingCachesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    const TrtLibrary* lib = RequireTensorRt();
    ArrayView<uint8_t> a = Uint8Arg(info[0], "base"), b = Uint8Arg(info[1], "extra");
    return PromiseWorker::Start(std::make_unique<MergeWorker>(
        env, lib, std::vector<uint8_t>(a.data, a.data + a.size), std::vector<uint8_t>(b.data, b.data + b.size)));
  });
}

}  // namespace

void RegisterTrtBuild(Napi::Env env, Napi::Object exports, GpuEnv* genv) {
  exports.Set("trtBuildEngine", Napi::Function::New(env, BuildEngineJs, "trtBuildEngine", genv));
  exports.Set("trtMergeTimingCaches", Napi::Function::New(env, MergeTimingCachesJs, "trtMergeTimingCaches"));
}

}  // namespace trtl
