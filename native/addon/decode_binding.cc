// decodePipnet and decodeRegression: synchronous (a few microseconds of work for a batch), run on the JS
// thread.
#include <string>
#include <vector>

#include "../core/model_input.h"
#include "../core/pipnet_decode.h"
#include "../core/regression_decode.h"
#include "bindings.h"
#include "napi_util.h"

namespace trtl {

namespace {

// Upper bound on `batch` so that size arithmetic cannot overflow before the length checks run.
constexpr int64_t kMaxBatch = 1 << 20;
constexpr int64_t kMaxCount = 1 << 20;  // landmarks, neighbours, grid sides, maxLen, rowStride

Napi::Object Decoded(Napi::Env env, Napi::Float32Array points, Napi::Float32Array* scores) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("points", points);
  if (scores != nullptr) out.Set("scores", *scores);
  return out;
}

// decodePipnet(heads, batch, crops, params)
Napi::Value DecodePipnetJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object h = ObjectArg(info[0], "heads");
    PipnetHeads heads;
    ArrayView<float> cls = Float32Arg(h.Get("cls"), "heads.cls");
    ArrayView<float> x = Float32Arg(h.Get("x"), "heads.x");
    ArrayView<float> y = Float32Arg(h.Get("y"), "heads.y");
    ArrayView<float> nbx = Float32Arg(h.Get("nbX"), "heads.nbX");
    ArrayView<float> nby = Float32Arg(h.Get("nbY"), "heads.nbY");
    heads.cls = cls.data, heads.cls_size = cls.size;
    heads.x = x.data, heads.x_size = x.size;
    heads.y = y.data, heads.y_size = y.size;
    heads.nb_x = nbx.data, heads.nb_x_size = nbx.size;
    heads.nb_y = nby.data, heads.nb_y_size = nby.size;

    const size_t batch = static_cast<size_t>(IntArg(info[1], "batch", 1, kMaxBatch));
    std::vector<Crop> crops = CropsArg(info[2], "crops");

    Napi::Object p = ObjectArg(info[3], "params");
    PipnetParams params;
    params.landmarks = static_cast<int>(IntArg(p.Get("landmarks"), "params.landmarks", 1, kMaxCount));
    params.neighbors = static_cast<int>(IntArg(p.Get("neighbors"), "params.neighbors", 1, kMaxCount));
    params.grid_width = static_cast<int>(IntArg(p.Get("gridWidth"), "params.gridWidth", 1, kMaxCount));
    params.grid_height = static_cast<int>(IntArg(p.Get("gridHeight"), "params.gridHeight", 1, kMaxCount));
    params.max_len = static_cast<int>(IntArg(p.Get("maxLen"), "params.maxLen", 0, kMaxCount));
    ArrayView<int32_t> r1 = Int32Arg(p.Get("reverseIndex1"), "params.reverseIndex1");
    ArrayView<int32_t> r2 = Int32Arg(p.Get("reverseIndex2"), "params.reverseIndex2");
    params.reverse_index1 = r1.data, params.reverse_index1_size = r1.size;
    params.reverse_index2 = r2.data, params.reverse_index2_size = r2.size;

    // Validate before allocating the outputs so that absurd sizes fail with a clear error, not an allocation.
    ValidatePipnet(heads, batch, crops, params);
    const size_t n = batch * static_cast<size_t>(params.landmarks);
    Napi::Float32Array points = NewFloat32Array(env, n * 2);
    Napi::Float32Array scores = NewFloat32Array(env, n);
    DecodePipnet(heads, batch, crops, params, points.Data(), scores.Data());
    return Decoded(env, points, &scores);
  });
}

// decodeRegression(output, batch, rowStride, crops, params)
Napi::Value DecodeRegressionJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    ArrayView<float> output = Float32Arg(info[0], "output");
    const size_t batch = static_cast<size_t>(IntArg(info[1], "batch", 1, kMaxBatch));
    const size_t stride = static_cast<size_t>(IntArg(info[2], "rowStride", 1, kMaxCount));
    std::vector<Crop> crops = CropsArg(info[3], "crops");
    Napi::Object p = ObjectArg(info[4], "params");
    RegressionParams params;
    params.landmarks = static_cast<int>(IntArg(p.Get("landmarks"), "params.landmarks", 1, kMaxCount));
    params.pixel = BoolArg(p.Get("pixel"), "params.pixel");
    params.input_width = InputSideArg(p.Get("inputWidth"), InputField("width"));
    params.input_height = InputSideArg(p.Get("inputHeight"), InputField("height"));

    ValidateRegression(output.data, output.size, batch, stride, crops, params);
    Napi::Float32Array points = NewFloat32Array(env, batch * static_cast<size_t>(params.landmarks) * 2);
    DecodeRegression(output.data, output.size, batch, stride, crops, params, points.Data());
    return Decoded(env, points, nullptr);
  });
}

}  // namespace

void RegisterDecode(Napi::Env env, Napi::Object exports) {
  exports.Set("decodePipnet", Napi::Function::New(env, DecodePipnetJs, "decodePipnet"));
  exports.Set("decodeRegression", Napi::Function::New(env, DecodeRegressionJs, "decodeRegression"));
}

}  // namespace trtl
