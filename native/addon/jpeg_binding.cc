// decodeJpeg (a PromiseWorker: a 12-megapixel JPEG takes tens of milliseconds) and jpegDecoder (whether the
// run-time loaded libjpeg-turbo is there). The JPEG's bytes are copied on the JS thread, so the caller may detach
// or reuse its buffer while the job runs; the decoded pixels are handed to JS without a copy.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "jpeg_decode.h"
#include "bindings.h"
#include "napi_util.h"
#include "promise_worker.h"

namespace trtl {

namespace {

constexpr int64_t kMaxSide = 1 << 20;
constexpr int64_t kMaxPixels = int64_t{1} << 40;

constexpr int64_t kMaxRegions = 1 << 16;

class DecodeJpegWorker : public PromiseWorker {
 public:
  DecodeJpegWorker(Napi::Env env, std::unique_ptr<uint8_t[]> bytes, size_t size, int shrink,
                   std::vector<JpegRegion> regions, uint64_t max_pixels)
      : PromiseWorker(env, "trtl.decodeJpeg", "ERR_IMAGE_DECODE"),
        bytes_(std::move(bytes)),
        size_(size),
        shrink_(shrink),
        regions_(std::move(regions)),
        max_pixels_(max_pixels) {}

 private:
  void Run() override {
    decoded_ = DecodeJpeg(bytes_.get(), size_, shrink_, regions_, max_pixels_);
    bytes_.reset();
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Array images = Napi::Array::New(env, decoded_.images.size());
    for (size_t i = 0; i < decoded_.images.size(); ++i) {
      JpegImage& img = decoded_.images[i];
      const size_t n = static_cast<size_t>(img.width) * img.height * 3;
      // NewOrCopy: an external buffer where the runtime allows them (no copy), else a copy (and the finalizer
      // frees ours at once). The pointer is released only once the buffer owns it.
      Napi::Buffer<uint8_t> pixels =
          Napi::Buffer<uint8_t>::NewOrCopy(env, img.rgb.get(), n, [](Napi::Env, uint8_t* p) { delete[] p; });
      img.rgb.release();
      Napi::Object o = Napi::Object::New(env);
      o.Set("data", pixels);
      o.Set("width", img.width);
      o.Set("height", img.height);
      images.Set(static_cast<uint32_t>(i), o);
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("scaledWidth", decoded_.scaled_width);
    o.Set("scaledHeight", decoded_.scaled_height);
    o.Set("images", images);
    return o;
  }

  std::unique_ptr<uint8_t[]> bytes_;
  size_t size_;
  int shrink_;
  std::vector<JpegRegion> regions_;
  uint64_t max_pixels_;
  JpegDecoded decoded_;
};

// decodeJpeg(bytes: Uint8Array, shrink: 1 | 2 | 4 | 8, regions: {left, top, width, height}[] | null, maxPixels)
// -> Promise<{ scaledWidth, scaledHeight, images: { data: Buffer (RGB), width, height }[] }>. Bad arguments
// reject.
Napi::Value DecodeJpegJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    ArrayView<uint8_t> bytes = Uint8Arg(info[0], "bytes");
    const int shrink = static_cast<int>(IntArg(info[1], "shrink", 1, 8));
    std::vector<JpegRegion> regions;
    if (!info[2].IsNull() && !info[2].IsUndefined()) {
      Napi::Array list = ArrayArg(info[2], "regions");
      if (list.Length() < 1 || list.Length() > kMaxRegions)
        ThrowCoded(env, kErrOutOfRange, "Expected 1 to " + std::to_string(kMaxRegions) + " entries for `regions` but received " + std::to_string(list.Length()));
      for (uint32_t i = 0; i < list.Length(); ++i) {
        const std::string name = "regions[" + std::to_string(i) + "]";
        Napi::Object r = ObjectArg(list.Get(i), name);
        JpegRegion region;
        region.left = static_cast<int>(IntArg(r.Get("left"), name + ".left", 0, kMaxSide));
        region.top = static_cast<int>(IntArg(r.Get("top"), name + ".top", 0, kMaxSide));
        region.width = static_cast<int>(IntArg(r.Get("width"), name + ".width", 1, kMaxSide));
        region.height = static_cast<int>(IntArg(r.Get("height"), name + ".height", 1, kMaxSide));
        regions.push_back(region);
      }
    }
    const uint64_t max_pixels = static_cast<uint64_t>(IntArg(info[3], "maxPixels", 1, kMaxPixels));
    std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size ? bytes.size : 1]);
    if (bytes.size) std::memcpy(copy.get(), bytes.data, bytes.size);
    return PromiseWorker::Start(
        std::make_unique<DecodeJpegWorker>(env, std::move(copy), bytes.size, shrink, std::move(regions), max_pixels));
  } catch (...) {
    return RejectedWithCurrent(env);
  }
}

Napi::Value JpegDecoderJs(const Napi::CallbackInfo& info) {
  const JpegDecoderStatus& s = JpegDecoder();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("available", s.available);
  o.Set("detail", s.detail);
  return o;
}

}  // namespace

void RegisterJpeg(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeJpeg", Napi::Function::New(env, DecodeJpegJs, "decodeJpeg"));
  exports.Set("jpegDecoder", Napi::Function::New(env, JpegDecoderJs, "jpegDecoder"));
}

}  // namespace trtl
