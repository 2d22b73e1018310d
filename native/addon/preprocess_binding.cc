// preprocess (AsyncWorker + Promise) and preprocessSync. Arguments are read and validated on the JS thread;
// the pixel work runs on a libuv worker thread writing into a Float32Array allocated here on the JS thread.
#include <memory>
#include <string>
#include <vector>

#include "../core/check.h"
#include "../core/preprocess.h"
#include "bindings.h"
#include "napi_util.h"

namespace trtl {

namespace {

struct PreprocessArgs {
  std::vector<FrameView> frames;
  std::vector<Crop> crops;
  PreprocessParams params;
};

// Reads (frames, crops, params). When `owned` is given, each frame's pixels are copied there (FrameArg) so that
// the worker thread never reads JS memory the caller can detach or shrink.
PreprocessArgs ReadArgs(const Napi::CallbackInfo& info, OwnedPixels* owned) {
  PreprocessArgs a;
  Napi::Array frames = ArrayArg(info[0], "frames");
  for (uint32_t i = 0; i < frames.Length(); ++i) {
    a.frames.push_back(FrameArg(frames.Get(i), "frames[" + std::to_string(i) + "]", owned));
  }
  a.crops = CropsArg(info[1], "crops");
  a.params = PreprocessParamsArg(ObjectArg(info[2], "params"));
  ValidatePreprocess(a.frames, a.crops, a.params);
  return a;
}

class PreprocessWorker : public Napi::AsyncWorker {
 public:
  PreprocessWorker(Napi::Env env, PreprocessArgs args, OwnedPixels pixels,
                   Napi::Float32Array out, Napi::Promise::Deferred deferred)
      : Napi::AsyncWorker(env, "trtl.preprocess"),
        args_(std::move(args)),
        pixels_(std::move(pixels)),
        out_data_(out.Data()),
        out_size_(out.ElementLength()),
        out_(Napi::Persistent(out.As<Napi::Object>())),
        deferred_(std::move(deferred)) {}

  void Execute() override {
    try {
      Preprocess(args_.frames, args_.crops, args_.params, out_data_, out_size_);
    } catch (const CoreError& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = kErrInternal;
      SetError(e.what());
    }
  }

  void OnOK() override { deferred_.Resolve(out_.Value()); }

  void OnError(const Napi::Error& e) override {
    deferred_.Reject(CodedError(Env(), code_, e.Message()).Value());
  }

 private:
  PreprocessArgs args_;
  OwnedPixels pixels_;  // the frames' bytes args_.frames point at
  float* out_data_;
  size_t out_size_;
  Napi::ObjectReference out_;
  Napi::Promise::Deferred deferred_;
  std::string code_ = kErrInternal;
};

Napi::Float32Array AllocateOutput(Napi::Env env, const PreprocessArgs& a) {
  return NewFloat32Array(env, PreprocessOutputSize(a.frames.size(), a.params));
}

// Never throws synchronously: bad arguments reject the promise (with the same coded error preprocessSync
// throws).
Napi::Value PreprocessAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto deferred = Napi::Promise::Deferred::New(env);
  Napi::Promise promise = deferred.Promise();
  try {
    OwnedPixels pixels;
    PreprocessArgs args = ReadArgs(info, &pixels);
    Napi::Float32Array out = AllocateOutput(env, args);
    auto* worker = new PreprocessWorker(env, std::move(args), std::move(pixels), out, deferred);
    worker->Queue();  // the worker deletes itself after OnOK/OnError
  } catch (Napi::Error& e) {
    EnsureCode(e);
    deferred.Reject(e.Value());
  } catch (const CoreError& e) {
    deferred.Reject(CodedError(env, e.code(), e.what()).Value());
  } catch (const std::exception& e) {
    deferred.Reject(CodedError(env, kErrInternal, e.what()).Value());
  }
  return promise;
}

Napi::Value PreprocessSync(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    PreprocessArgs args = ReadArgs(info, nullptr);
    Napi::Float32Array out = AllocateOutput(info.Env(), args);
    Preprocess(args.frames, args.crops, args.params, out.Data(), out.ElementLength());
    return out;
  });
}

}  // namespace

void RegisterPreprocess(Napi::Env env, Napi::Object exports) {
  exports.Set("preprocess", Napi::Function::New(env, PreprocessAsync, "preprocess"));
  exports.Set("preprocessSync", Napi::Function::New(env, PreprocessSync, "preprocessSync"));
}

}  // namespace trtl
