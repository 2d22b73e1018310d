// generatePriors and decodeDetections: synchronous (a face photo's outputs decode in well under a millisecond),
// run on the JS thread.
#include <string>
#include <vector>

#include "../core/detector_decode.h"
#include "../core/model_input.h"
#include "bindings.h"
#include "napi_util.h"

namespace trtl {

namespace {

constexpr int64_t kMaxCount = 1 << 20;

// generatePriors({ inputWidth, inputHeight, levels: [{ stride, minSizes: number[] }], clip })
Napi::Value GeneratePriorsJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Object o = ObjectArg(info[0], "params");
    PriorParams p;
    p.input_width = InputSideArg(o.Get("inputWidth"), InputField("width"));
    p.input_height = InputSideArg(o.Get("inputHeight"), InputField("height"));
    p.clip = BoolArg(o.Get("clip"), "params.clip");
    Napi::Array levels = ArrayArg(o.Get("levels"), "params.levels");
    for (uint32_t l = 0; l < levels.Length(); ++l) {
      const std::string name = "params.levels[" + std::to_string(l) + "]";
      Napi::Object lo = ObjectArg(levels.Get(l), name);
      PriorLevel level;
      level.stride = static_cast<int>(IntArg(lo.Get("stride"), name + ".stride", 1, kMaxInputSide));
      Napi::Array sizes = ArrayArg(lo.Get("minSizes"), name + ".minSizes");
      for (uint32_t k = 0; k < sizes.Length(); ++k) {
        level.min_sizes.push_back(NumberArg(sizes.Get(k), name + ".minSizes[" + std::to_string(k) + "]"));
      }
      p.levels.push_back(std::move(level));
    }
    std::vector<float> priors = GeneratePriors(p);
    Napi::Float32Array out = NewFloat32Array(info.Env(), priors.size());
    std::copy(priors.begin(), priors.end(), out.Data());
    return out;
  });
}

// decodeDetections(scores, boxes, priors, crop, params) -> { boxes: Float32Array [k * 4] x,y,w,h, scores [k] }
Napi::Value DecodeDetectionsJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    ArrayView<float> scores = Float32Arg(info[0], "scores");
    ArrayView<float> boxes = Float32Arg(info[1], "boxes");
    ArrayView<float> priors = Float32Arg(info[2], "priors");
    Crop crop = CropArg(info[3], "crop");
    Napi::Object o = ObjectArg(info[4], "params");
    DetectParams p;
    p.center_variance = NumberArg(o.Get("centerVariance"), "params.centerVariance");
    p.size_variance = NumberArg(o.Get("sizeVariance"), "params.sizeVariance");
    p.score_stride = static_cast<int>(IntArg(o.Get("scoreStride"), "params.scoreStride", 1, kMaxCount));
    p.score_index = static_cast<int>(IntArg(o.Get("scoreIndex"), "params.scoreIndex", 0, kMaxCount));
    p.min_score = NumberArg(o.Get("minScore"), "params.minScore");
    p.min_size = NumberArg(o.Get("minSize"), "params.minSize");
    p.candidates = static_cast<int>(IntArg(o.Get("candidates"), "params.candidates", 1, kMaxCount));
    p.iou_threshold = NumberArg(o.Get("iouThreshold"), "params.iouThreshold");
    p.max_detections = static_cast<int>(IntArg(o.Get("maxDetections"), "params.maxDetections", 1, kMaxCount));

    return DetectionsObject(
        env, DecodeDetections(scores.data, scores.size, boxes.data, boxes.size, priors.data, priors.size, crop, p));
  });
}

}  // namespace

Napi::Object DetectionsObject(Napi::Env env, const std::vector<Detection>& found) {
  Napi::Float32Array outBoxes = NewFloat32Array(env, found.size() * 4);
  Napi::Float32Array outScores = NewFloat32Array(env, found.size());
  for (size_t k = 0; k < found.size(); ++k) {
    outBoxes.Data()[k * 4] = found[k].x;
    outBoxes.Data()[k * 4 + 1] = found[k].y;
    outBoxes.Data()[k * 4 + 2] = found[k].w;
    outBoxes.Data()[k * 4 + 3] = found[k].h;
    outScores.Data()[k] = found[k].score;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("boxes", outBoxes);
  out.Set("scores", outScores);
  return out;
}

void RegisterDetector(Napi::Env env, Napi::Object exports) {
  exports.Set("generatePriors", Napi::Function::New(env, GeneratePriorsJs, "generatePriors"));
  exports.Set("decodeDetections", Napi::Function::New(env, DecodeDetectionsJs, "decodeDetections"));
}

}  // namespace trtl
