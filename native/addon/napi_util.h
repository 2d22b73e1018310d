// Argument reading and error conversion shared by the bindings. Readers throw trtl::CoreError with a code and
// an "Expected ... for `name` but received ..." message; Guard() turns any C++ exception into a JS error
// whose `code` property is set (RangeError for ERR_OUT_OF_RANGE, TypeError for ERR_INVALID_ARG_*, Error
// otherwise).
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../core/errors.h"
#include "../core/frame_format.h"
#include "../core/preprocess_params.h"

namespace trtl {

// A JS error of the class matching `code`, with `code` set.
Napi::Error CodedError(Napi::Env env, const std::string& code, const std::string& message);

// Throws CodedError as a C++ exception (the addon is built with NAPI_CPP_EXCEPTIONS).
[[noreturn]] void ThrowCoded(Napi::Env env, const std::string& code, const std::string& message);

// Gives a JS error that came from V8 or node-addon-api (no `code` yet) the code ERR_INTERNAL.
void EnsureCode(Napi::Error& e);

// Short description of a JS value for messages ("undefined", "array of length 3", "Float32Array of length
// 8").
std::string Describe(const Napi::Value& v);

// A failure as code and message, plain C++ so that a worker thread can hold it until the JS thread reports it.
struct Failure {
  std::string code;
  std::string message;
};

// The failure of the exception being handled (call it in a catch block): a CoreError keeps its code,
// std::bad_alloc is ERR_OUT_OF_RANGE, any other exception `fallback_code` with its what().
Failure CurrentFailure(const std::string& fallback_code);

// The coded JS error of the exception being handled (call it in a catch block): a Napi::Error (from V8 or
// node-addon-api) keeps its class and gets ERR_INTERNAL when it has no code; anything else as CurrentFailure with
// ERR_INTERNAL.
Napi::Error CurrentCodedError(Napi::Env env);

// Runs fn on the JS thread and throws any exception as its coded JS error.
template <typename Fn>
Napi::Value Guard(Napi::Env env, Fn&& fn) {
  try {
    return fn();
  } catch (...) {
    throw CurrentCodedError(env);
  }
}

// A new Float32Array of n elements, allocated through the JS constructor: node-addon-api's Float32Array::New
// (napi_create_arraybuffer) aborts the process when the allocation fails, `new Float32Array(n)` throws a
// RangeError instead, which is turned into ERR_OUT_OF_RANGE here. Use this for every output.
Napi::Float32Array NewFloat32Array(Napi::Env env, size_t n);

Napi::Object ObjectArg(const Napi::Value& v, const std::string& name);
Napi::Array ArrayArg(const Napi::Value& v, const std::string& name);
// A finite number.
double NumberArg(const Napi::Value& v, const std::string& name);
// An integer in [min, max].
int64_t IntArg(const Napi::Value& v, const std::string& name, int64_t min, int64_t max);
bool BoolArg(const Napi::Value& v, const std::string& name);

// Typed-array views (pointer + element count) checked for the element type.
template <typename T>
struct ArrayView {
  T* data = nullptr;
  size_t size = 0;
};
ArrayView<uint8_t> Uint8Arg(const Napi::Value& v, const std::string& name);
ArrayView<float> Float32Arg(const Napi::Value& v, const std::string& name);
ArrayView<int32_t> Int32Arg(const Napi::Value& v, const std::string& name);

// Pixels copied out of JS memory for a job that reads them on another thread. Holding a reference to the
// Uint8Array is not enough: the caller can detach its ArrayBuffer (transfer, structuredClone) or shrink a
// resizable one while the job runs, and the pool thread would read freed or decommitted pages. Each entry is one
// frame's bytes; moving the vector never moves them.
using OwnedPixels = std::vector<std::unique_ptr<uint8_t[]>>;

// A frame {data: Uint8Array, width, height, format}, checked by the core's ValidateFrame; `size` is set to
// the bytes the frame occupies (width x height x channels). When `owned` is given, the pixels are copied into a
// new entry there and the view points at that copy (for asynchronous work); otherwise the view borrows the JS
// memory, which is only valid until JS runs again (synchronous calls).
FrameView FrameArg(const Napi::Value& v, const std::string& name, OwnedPixels* owned);

Crop CropArg(const Napi::Value& v, const std::string& name);
std::vector<Crop> CropsArg(const Napi::Value& v, const std::string& name);

// The one reader of the model input, whichever binding receives it (preprocess, the TensorRT runtime's config,
// the detector's priors, regression decoding). Its values come from the model contract's `input` section, so
// messages name that field (native/core/model_input.h): "Expected an integer from 1 to 16384 for
// `contract.input.width` but received 0".
// A model input side; `field` is InputField("width") or InputField("height").
int InputSideArg(const Napi::Value& v, const std::string& field);
// NativePreprocessParams (src/native/addon.ts): width, height, bgr, scale, mean, std of `o`, validated by the core
// (ValidatePreprocessParams).
PreprocessParams PreprocessParamsArg(const Napi::Object& o);

}  // namespace trtl
