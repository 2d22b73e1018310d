#include "promise_worker.h"

#include "napi_util.h"

namespace trtl {

PromiseWorker::PromiseWorker(Napi::Env env, const char* name, const char* fallback_code)
    : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), fallback_code_(fallback_code) {}

Napi::Promise PromiseWorker::Start(std::unique_ptr<PromiseWorker> job) {
  Napi::Promise promise = job->Promise();
  job->Queue();
  job.release();  // queued: libuv owns it now, AsyncWorker deletes it after OnOK/OnError
  return promise;
}

void PromiseWorker::Execute() {
  try {
    Run();
  } catch (...) {
    const Failure f = CurrentFailure(fallback_code_);
    failed_ = true;
    code_ = f.code;
    message_ = f.message;
  }
}

void PromiseWorker::OnOK() {
  Napi::Env env = Env();
  if (failed_) {
    deferred_.Reject(CodedError(env, code_, message_).Value());
    return;
  }
  try {
    deferred_.Resolve(Result(env));
  } catch (...) {
    deferred_.Reject(CurrentCodedError(env).Value());
  }
}

void PromiseWorker::OnError(const Napi::Error& e) {
  // Only reached if node-addon-api reports an error itself: Execute catches everything Run throws.
  deferred_.Reject(CodedError(Env(), kErrInternal, e.Message()).Value());
}

Napi::Promise RejectedWithCurrent(Napi::Env env) {
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(CurrentCodedError(env).Value());
  return deferred.Promise();
}

}  // namespace trtl
