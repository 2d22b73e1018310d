#include "napi_util.h"

#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <new>

#include "../core/check.h"
#include "../core/model_input.h"
#include "../core/preprocess.h"

namespace trtl {

Napi::Error CodedError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error err;
  if (code == kErrOutOfRange) {
    err = Napi::RangeError::New(env, message);
  } else if (code == kErrInvalidArgType || code == kErrInvalidArgValue) {
    err = Napi::TypeError::New(env, message);
  } else {
    err = Napi::Error::New(env, message);
  }
  err.Set("code", Napi::String::New(env, code));
  return err;
}

void ThrowCoded(Napi::Env env, const std::string& code, const std::string& message) {
  throw CodedError(env, code, message);
}

void EnsureCode(Napi::Error& e) {
  Napi::Object obj = e.Value();
  if (!obj.IsEmpty() && !obj.Has("code")) obj.Set("code", Napi::String::New(e.Env(), kErrInternal));
}

Failure CurrentFailure(const std::string& fallback_code) {
  try {
    throw;
  } catch (const CoreError& e) {
    return {e.code(), e.what()};
  } catch (const std::bad_alloc&) {
    return {kErrOutOfRange, "out of memory allocating native buffers"};
  } catch (const std::exception& e) {
    return {fallback_code, e.what()};
  } catch (...) {
    return {fallback_code, "a native exception of unknown type"};
  }
}

Napi::Error CurrentCodedError(Napi::Env env) {
  try {
    throw;
  } catch (Napi::Error& e) {
    EnsureCode(e);  // e.g. V8's RangeError when an output buffer cannot be allocated
    return e;
  } catch (...) {
    const Failure f = CurrentFailure(kErrInternal);
    return CodedError(env, f.code, f.message);
  }
}

Napi::Float32Array NewFloat32Array(Napi::Env env, size_t n) {
  Napi::Value made;
  try {
    Napi::Function ctor = env.Global().Get("Float32Array").As<Napi::Function>();
    made = ctor.New({Napi::Number::New(env, static_cast<double>(n))});
  } catch (const Napi::Error& e) {
    ThrowCoded(env, kErrOutOfRange,
               "Could not allocate an output of " + std::to_string(n) + " floats (" + std::to_string(n * 4) +
                   " bytes): " + e.Message());
  }
  if (!made.IsTypedArray() || made.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
      made.As<Napi::TypedArray>().ElementLength() != n) {
    ThrowCoded(env, kErrInternal, "globalThis.Float32Array did not construct a Float32Array");
  }
  return made.As<Napi::Float32Array>();
}

namespace {

const char* TypedArrayName(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
      return "Int8Array";
    case napi_uint8_array:
      return "Uint8Array";
    case napi_uint8_clamped_array:
      return "Uint8ClampedArray";
    case napi_int16_array:
      return "Int16Array";
    case napi_uint16_array:
      return "Uint16Array";
    case napi_int32_array:
      return "Int32Array";
    case napi_uint32_array:
      return "Uint32Array";
    case napi_float32_array:
      return "Float32Array";
    case napi_float64_array:
      return "Float64Array";
    case napi_bigint64_array:
      return "BigInt64Array";
    case napi_biguint64_array:
      return "BigUint64Array";
    default:
      return "TypedArray";
  }
}

[[noreturn]] void FailType(const std::string& name, const std::string& expected, const Napi::Value& v) {
  throw CoreError(kErrInvalidArgType,
                  "Expected " + expected + " for `" + name + "` but received " + Describe(v));
}

}  // namespace

std::string Describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsNumber()) return Num(v.As<Napi::Number>().DoubleValue());
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array of length " + std::to_string(v.As<Napi::Array>().Length());
  if (v.IsTypedArray()) {
    auto t = v.As<Napi::TypedArray>();
    return std::string(TypedArrayName(t.TypedArrayType())) + " of length " +
           std::to_string(t.ElementLength());
  }
  if (v.IsFunction()) return "function";
  if (v.IsObject()) return "object";
  return "value";
}

Napi::Object ObjectArg(const Napi::Value& v, const std::string& name) {
  if (!v.IsObject() || v.IsArray()) FailType(name, "an object", v);
  return v.As<Napi::Object>();
}

Napi::Array ArrayArg(const Napi::Value& v, const std::string& name) {
  if (!v.IsArray()) FailType(name, "an array", v);
  return v.As<Napi::Array>();
}

double NumberArg(const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) FailType(name, "a number", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) FailRange(name, "a finite number", Num(d));
  return d;
}

int64_t IntArg(const Napi::Value& v, const std::string& name, int64_t min, int64_t max) {
  if (!v.IsNumber()) FailType(name, "an integer", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(min) &&
        d <= static_cast<double>(max))) {
    FailRange(name, "an integer in " + std::to_string(min) + ".." + std::to_string(max), Num(d));
  }
  return static_cast<int64_t>(d);
}

bool BoolArg(const Napi::Value& v, const std::string& name) {
  if (!v.IsBoolean()) FailType(name, "a boolean", v);
  return v.As<Napi::Boolean>().Value();
}

namespace {

template <typename T>
ArrayView<T> TypedArg(const Napi::Value& v, const std::string& name, napi_typedarray_type want,
                      napi_typedarray_type also, const char* expected) {
  if (!v.IsTypedArray()) FailType(name, expected, v);
  auto arr = v.As<Napi::TypedArray>();
  if (arr.TypedArrayType() != want && arr.TypedArrayType() != also) FailType(name, expected, v);
  // Data() of a TypedArrayOf<T> is the view's start (buffer data + byte offset). A detached buffer has length
  // 0.
  auto typed = v.As<Napi::TypedArrayOf<T>>();
  return ArrayView<T>{typed.Data(), typed.ElementLength()};
}

}  // namespace

ArrayView<uint8_t> Uint8Arg(const Napi::Value& v, const std::string& name) {
  return TypedArg<uint8_t>(v, name, napi_uint8_array, napi_uint8_clamped_array, "a Uint8Array");
}

ArrayView<float> Float32Arg(const Napi::Value& v, const std::string& name) {
  return TypedArg<float>(v, name, napi_float32_array, napi_float32_array, "a Float32Array");
}

ArrayView<int32_t> Int32Arg(const Napi::Value& v, const std::string& name) {
  return TypedArg<int32_t>(v, name, napi_int32_array, napi_int32_array, "an Int32Array");
}

FrameView FrameArg(const Napi::Value& v, const std::string& name, OwnedPixels* owned) {
  Napi::Object f = ObjectArg(v, name);
  Napi::Value data = f.Get("data");
  ArrayView<uint8_t> bytes = Uint8Arg(data, name + ".data");
  FrameView view;
  view.data = bytes.data;
  view.size = bytes.size;
  view.width = static_cast<int>(IntArg(f.Get("width"), name + ".width", 1, 1 << 30));
  view.height = static_cast<int>(IntArg(f.Get("height"), name + ".height", 1, 1 << 30));
  view.format = static_cast<FrameFormat>(IntArg(f.Get("format"), name + ".format", INT32_MIN, INT32_MAX));
  ValidateFrame(view, name.c_str());
  view.size = static_cast<size_t>(view.width) * view.height * Channels(view.format);
  if (owned != nullptr) {
    // Uninitialised on purpose (every byte is overwritten); std::bad_alloc becomes ERR_OUT_OF_RANGE in Guard.
    std::unique_ptr<uint8_t[]> copy(new uint8_t[view.size]);
    std::memcpy(copy.get(), view.data, view.size);
    view.data = copy.get();
    owned->push_back(std::move(copy));
  }
  return view;
}

Crop CropArg(const Napi::Value& v, const std::string& name) {
  Napi::Object o = ObjectArg(v, name);
  Crop c;
  c.x = NumberArg(o.Get("x"), name + ".x");
  c.y = NumberArg(o.Get("y"), name + ".y");
  c.w = NumberArg(o.Get("w"), name + ".w");
  c.h = NumberArg(o.Get("h"), name + ".h");
  CheckCrop(name, c.x, c.y, c.w, c.h);
  return c;
}

std::vector<Crop> CropsArg(const Napi::Value& v, const std::string& name) {
  Napi::Array arr = ArrayArg(v, name);
  std::vector<Crop> crops;
  crops.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i)
    crops.push_back(CropArg(arr.Get(i), name + "[" + std::to_string(i) + "]"));
  return crops;
}

int InputSideArg(const Napi::Value& v, const std::string& field) {
  if (!v.IsNumber()) FailType(field, InputSideExpected(), v);
  const double d = v.As<Napi::Number>().DoubleValue();
  CheckInputSide(field, d);
  return static_cast<int>(d);
}

PreprocessParams PreprocessParamsArg(const Napi::Object& o) {
  PreprocessParams p;
  p.width = InputSideArg(o.Get("width"), InputField("width"));
  p.height = InputSideArg(o.Get("height"), InputField("height"));
  Napi::Value bgr = o.Get("bgr");
  if (!bgr.IsBoolean()) FailType(InputField("colorOrder"), "a boolean (true for \"bgr\")", bgr);
  p.bgr = bgr.As<Napi::Boolean>().Value();
  p.scale = NumberArg(o.Get("scale"), InputField("scale"));
  const char* keys[2] = {"mean", "std"};
  double* values[2] = {p.mean, p.std};
  for (int k = 0; k < 2; ++k) {
    Napi::Array a = ArrayArg(o.Get(keys[k]), InputField(keys[k]));
    if (a.Length() != 3) FailRange(InputField(keys[k]), "3 values", std::to_string(a.Length()) + " values");
    for (uint32_t c = 0; c < 3; ++c) values[k][c] = NumberArg(a.Get(c), InputField(keys[k], c));
  }
  ValidatePreprocessParams(p);
  return p;
}

}  // namespace trtl
