// preprocess (a PromiseWorker) and preprocessSync. Arguments are read and validated on the JS thread;
// the pixel work runs on a libuv worker thread writing into a Float32Array allocated here on the JS thread.
#include <memory>
#include <string>
#include <vector>

#include "../core/preprocess.h"
#include "bindings.h"
#include "napi_util.h"
#include "promise_worker.h"

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

// Writes into a Float32Array allocated on the JS thread (kept referenced until the promise settles).
class PreprocessWorker : public PromiseWorker {
 public:
  PreprocessWorker(Napi::Env env, PreprocessArgs args, OwnedPixels pixels, Napi::Float32Array out)
      : PromiseWorker(env, "trtl.preprocess"),
        args_(std::move(args)),
        pixels_(std::move(pixels)),
        out_data_(out.Data()),
        out_size_(out.ElementLength()),
        out_(Napi::Persistent(out.As<Napi::Object>())) {}

 private:
  void Run() override { Preprocess(args_.frames, args_.crops, args_.params, out_data_, out_size_); }
  Napi::Value Result(Napi::Env) override { return out_.Value(); }

  PreprocessArgs args_;
  OwnedPixels pixels_;  // the frames' bytes args_.frames point at
  float* out_data_;
  size_t out_size_;
  Napi::ObjectReference out_;
};

Napi::Float32Array AllocateOutput(Napi::Env env, const PreprocessArgs& a) {
  return NewFloat32Array(env, PreprocessOutputSize(a.frames.size(), a.params));
}

// Never throws synchronously: bad arguments reject the promise (with the same coded error preprocessSync
// throws).
Napi::Value PreprocessAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    OwnedPixels pixels;
    PreprocessArgs args = ReadArgs(info, &pixels);
    Napi::Float32Array out = AllocateOutput(env, args);
    return PromiseWorker::Start(std::make_unique<PreprocessWorker>(env, std::move(args), std::move(pixels), out));
  } catch (...) {
    return RejectedWithCurrent(env);
  }
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
