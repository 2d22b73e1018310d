// The base of every asynchronous native job that answers with a Promise (preprocess, the TensorRT build, timing
// cache merge, runtime create/run/close). A job provides Run (on a libuv pool thread, off the JS thread) and
// Result (on the JS thread, the value to resolve with); the base turns every C++ exception either of them throws
// into a coded error (napi_util's conventions: CoreError keeps its code, std::bad_alloc is ERR_OUT_OF_RANGE, any
// other exception the job's fallback code), keeps the JS objects the job uses referenced until the promise
// settles, and resolves or rejects. Nothing reaches the JS thread as an uncaught exception, nothing aborts.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "../core/errors.h"

namespace trtl {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  // Queues the job and hands it to libuv (it deletes itself once settled); the promise it settles.
  static Napi::Promise Start(std::unique_ptr<PromiseWorker> job);

  // The promise of a job queued by hand (new + Queue()); Start is the usual way.
  Napi::Promise Promise() const { return deferred_.Promise(); }

  // Keeps `owner` (an output array the job writes, a cancel token it reads, the wrapper whose native state it
  // uses) referenced until the promise settles, so garbage collection cannot take it while the job runs.
  void Keep(const Napi::Object& owner) { kept_.push_back(Napi::Persistent(owner)); }

 protected:
  // fallback_code: the code of an exception that is neither a CoreError nor std::bad_alloc (e.g. ERR_TENSORRT for
  // jobs whose only other failures are TensorRT's).
  PromiseWorker(Napi::Env env, const char* name, const char* fallback_code = kErrInternal);

  // On a pool thread: the work. Must not touch JS values. Throw to reject.
  virtual void Run() = 0;
  // On the JS thread after Run returned: the value to resolve with. Throw to reject.
  virtual Napi::Value Result(Napi::Env env) = 0;

 private:
  void Execute() final;
  void OnOK() final;
  void OnError(const Napi::Error& e) final;

  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> kept_;
  std::string fallback_code_;
  bool failed_ = false;
  std::string code_, message_;  // Run's failure, captured off the JS thread
};

// A promise already rejected with the coded error of the exception being handled (call it in a catch block): for
// entry points that report bad arguments through their promise instead of throwing synchronously.
Napi::Promise RejectedWithCurrent(Napi::Env env);

}  // namespace trtl
