// kernel_check, preprocessing part: GPU LaunchPreprocess vs the CPU reference trtl::Preprocess on random
// frames of several sizes and formats, crops inside/straddling/outside the frame, FP32 and FP16 output; then
// timing and the achieved bandwidth against the bytes the kernel must move (output written + distinct source
// bytes read).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "../core/preprocess.h"
#include "check_util.h"

namespace trtl::check {
namespace {

const char* kFormatNames[] = {"rgb", "bgr", "rgba", "bgra", "gray"};

struct Case {
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<FrameView> frames;
  std::vector<Crop> crops;
  PreprocessParams params;
  std::string name;
};

// A frame of random bytes; smooth-ish content (random blocks + noise) so bilinear weights matter.
std::vector<uint8_t> RandomFrame(Rng& rng, int w, int h, int channels) {
  std::vector<uint8_t> data(static_cast<size_t>(w) * h * channels);
  for (auto& v : data) v = static_cast<uint8_t>(UniformInt(rng, 0, 255));
  return data;
}

Crop RandomCrop(Rng& rng, int w, int h, int kind) {
  switch (kind) {
    case 0:
      return {0, 0, double(w), double(h)};  // whole frame
    case 1: {                               // inside, fractional
      const double cw = Uniform(rng, 0.2, 0.9) * w, ch = Uniform(rng, 0.2, 0.9) * h;
      return {Uniform(rng, 0, w - cw), Uniform(rng, 0, h - ch), cw, ch};
    }
    case 2: {  // straddles the top-left corner
      const double s = Uniform(rng, 0.5, 1.5) * std::max(w, h);
      return {-Uniform(rng, 0, s / 2), -Uniform(rng, 0, s / 2), s, s};
    }
    case 3: {  // straddles the bottom-right corner
      const double s = Uniform(rng, 0.3, 1.2) * std::max(w, h);
      return {w - Uniform(rng, 0, s / 2), h - Uniform(rng, 0, s / 2), s, s};
    }
    case 4:
      return {w + 10.0, -3.0 * h, double(w), double(h)};  // entirely outside: all black
    case 5:
      return {Uniform(rng, 0, std::max(0, w - 3)), Uniform(rng, 0, std::max(0, h - 3)), 2.7, 3.1};  // upscale
    default:
      return {-0.5, -0.5, w + 1.0, h * 0.5};  // exactly on the -0.5 edge, non-square
  }
}

PreprocessParams RandomParams(Rng& rng, int w, int h) {
  PreprocessParams p;
  p.width = w;
  p.height = h;
  p.bgr = UniformInt(rng, 0, 1) == 1;
  if (UniformInt(rng, 0, 1)) {  // ImageNet style
    p.scale = 1.0 / 255.0;
    const double m[3] = {0.485, 0.456, 0.406}, s[3] = {0.229, 0.224, 0.225};
    for (int c = 0; c < 3; ++c) p.mean[c] = m[c], p.std[c] = s[c];
  } else {
    p.scale = Uniform(rng, 0.5, 1.5);
    for (int c = 0; c < 3; ++c) p.mean[c] = Uniform(rng, 0, 128), p.std[c] = Uniform(rng, 30, 128);
  }
  return p;
}

// Device copies of a case: frames concatenated, one descriptor per frame.
struct DeviceCase {
  DeviceBuffer frames, descs;
  size_t frame_bytes = 0;
};

DeviceCase UploadCase(const Case& c) {
  std::vector<uint8_t> all;
  std::vector<GpuFrameDesc> descs;
  for (size_t b = 0; b < c.frames.size(); ++b) {
    const FrameView& f = c.frames[b];
    const Crop& k = c.crops[b];
    descs.push_back({all.size(), f.width, f.height, static_cast<int32_t>(f.format), 0, k.x, k.y, k.w, k.h});
    all.insert(all.end(), f.data, f.data + f.size);
  }
  return {Upload(all), Upload(descs), all.size()};
}

Case MakeCase(Rng& rng, int batch, int fw, int fh, int out_w, int out_h, int crop_kind, int format) {
  Case c;
  c.params = RandomParams(rng, out_w, out_h);
  for (int b = 0; b < batch; ++b) {
    const FrameFormat fmt = static_cast<FrameFormat>(format >= 0 ? format : UniformInt(rng, 0, 4));
    c.bytes.push_back(RandomFrame(rng, fw, fh, Channels(fmt)));
    c.frames.push_back({c.bytes.back().data(), c.bytes.back().size(), fw, fh, fmt});
    c.crops.push_back(RandomCrop(rng, fw, fh, crop_kind >= 0 ? crop_kind : UniformInt(rng, 0, 6)));
  }
  char name[160];
  std::snprintf(name, sizeof(name), "preprocess b%d %dx%d %s crop%d -> %dx%d%s", batch, fw, fh,
                batch == 1 ? kFormatNames[static_cast<int>(c.frames[0].format)] : "mixed", crop_kind, out_w,
                out_h, c.params.bgr ? " bgr" : "");
  c.name = name;
  return c;
}

void RunCase(Tally& tally, const Case& c, cudaStream_t stream) {
  const size_t n = PreprocessOutputSize(c.frames.size(), c.params);
  std::vector<float> ref(n);
  Preprocess(c.frames, c.crops, c.params, ref.data(), n);
  DeviceCase d = UploadCase(c);
  DeviceBuffer out32(n * 4), out16(n * 2);
  const int batch = static_cast<int>(c.frames.size());
  LaunchPreprocess(d.frames.as<uint8_t>(), d.descs.as<GpuFrameDesc>(), batch, c.params,
                   TensorType::kFloat32, out32.get(), stream);
  LaunchPreprocess(d.frames.as<uint8_t>(), d.descs.as<GpuFrameDesc>(), batch, c.params,
                   TensorType::kFloat16, out16.get(), stream);
  TRTL_CUDA(cudaStreamSynchronize(stream));
  auto g32 = Download<float>(out32, n);
  const auto g16bits = Download<uint16_t>(out16, n);
  std::vector<float> g16(n);
  for (size_t i = 0; i < n; ++i) g16[i] = HalfToFloat(g16bits[i]);
  Mutate(ActiveMutation(), g32, c.frames.size());
  Mutate(ActiveMutation(), g16, c.frames.size());
  // NaN-aware: a NaN in the output is an infinite error (check_compare.h).
  const double e32 = MaxAbsError(g32, ref), e16 = MaxHalfExcess(g16, ref);
  tally.Record(c.name + " fp32", e32, 1e-3, "");
  tally.Record(c.name + " fp16", e16, 1e-3, "(beyond fp16 rounding)");
}

// Distinct source bytes one frame's preprocessing must read: the union of the 4 bilinear taps of every output
// pixel.
size_t TouchedBytes(const FrameView& f, const Crop& k, const PreprocessParams& p) {
  std::vector<uint8_t> seen(static_cast<size_t>(f.width) * f.height, 0);
  for (int oy = 0; oy < p.height; ++oy) {
    const double sy = k.y + (oy + 0.5) * k.h / p.height - 0.5;
    if (sy < -0.5 || sy > f.height - 0.5) continue;
    const int y0 = std::clamp(int(std::floor(sy)), 0, f.height - 1),
              y1 = std::clamp(int(std::floor(sy)) + 1, 0, f.height - 1);
    for (int ox = 0; ox < p.width; ++ox) {
      const double sx = k.x + (ox + 0.5) * k.w / p.width - 0.5;
      if (sx < -0.5 || sx > f.width - 0.5) continue;
      const int x0 = std::clamp(int(std::floor(sx)), 0, f.width - 1),
                x1 = std::clamp(int(std::floor(sx)) + 1, 0, f.width - 1);
      seen[size_t(y0) * f.width + x0] = seen[size_t(y0) * f.width + x1] = 1;
      seen[size_t(y1) * f.width + x0] = seen[size_t(y1) * f.width + x1] = 1;
    }
  }
  size_t count = 0;
  for (uint8_t s : seen) count += s;
  return count * Channels(f.format);
}

void TimeCase(const Case& c, TensorType type, cudaStream_t stream, double peak_gbs) {
  DeviceCase d = UploadCase(c);
  const size_t n = PreprocessOutputSize(c.frames.size(), c.params);
  DeviceBuffer out(n * ElementSize(type));
  const int batch = static_cast<int>(c.frames.size());
  const double ms = TimeMs(stream, 10, 200, [&] {
    LaunchPreprocess(d.frames.as<uint8_t>(), d.descs.as<GpuFrameDesc>(), batch, c.params, type, out.get(), stream);
  });
  size_t read = 0;
  for (size_t b = 0; b < c.frames.size(); ++b) read += TouchedBytes(c.frames[b], c.crops[b], c.params);
  const size_t written = n * ElementSize(type);
  const double gbs = (read + written) / (ms * 1e-3) / 1e9;
  std::printf(
      "  time %-58s %s %8.4f ms  moves %7.2f MB (read %.2f + write %.2f)  %7.1f GB/s  %5.1f%% of peak\n",
      c.name.c_str(), type == TensorType::kFloat16 ? "fp16" : "fp32", ms, (read + written) / 1e6, read / 1e6,
      written / 1e6, gbs, peak_gbs > 0 ? 100.0 * gbs / peak_gbs : 0.0);
  // The frame upload that precedes preprocessing in the pipeline (pinned host -> device).
  PinnedBuffer pinned(d.frame_bytes);
  const double up = TimeMs(stream, 3, 50, [&] {
    TRTL_CUDA(cudaMemcpyAsync(d.frames.get(), pinned.get(), d.frame_bytes, cudaMemcpyHostToDevice, stream));
  });
  std::printf("       upload of the raw frame(s) %.2f MB: %.4f ms (%.1f GB/s)\n", d.frame_bytes / 1e6, up,
              d.frame_bytes / (up * 1e-3) / 1e9);
}

}  // namespace

int CheckPreprocess(Tally& tally, Rng& rng, cudaStream_t stream, double peak_gbs) {
  std::printf("preprocess: GPU vs CPU reference (tolerance 1e-3 in normalised units)\n");
  const int sizes[][2] = {{1, 1}, {3, 2}, {17, 9}, {64, 64}, {640, 480}, {1280, 720}, {1920, 1080}};
  const int outs[][2] = {{224, 224}, {256, 256}, {160, 160}, {37, 23}};
  for (int format = 0; format < 5; ++format) {
    for (int kind = 0; kind < 7; ++kind) {
      const auto& s = sizes[UniformInt(rng, 0, 6)];
      const auto& o = outs[UniformInt(rng, 0, 3)];
      RunCase(tally, MakeCase(rng, 1, s[0], s[1], o[0], o[1], kind, format), stream);
    }
  }
  RunCase(tally, MakeCase(rng, 8, 320, 240, 256, 256, -1, -1), stream);
  RunCase(tally, MakeCase(rng, 5, 1, 1, 224, 224, -1, -1), stream);
  RunCase(tally, MakeCase(rng, 3, 4000, 3000, 224, 224, -1, -1), stream);

  std::printf("preprocess timing (cudaEvent, 200 iterations)\n");
  TimeCase(MakeCase(rng, 1, 1920, 1080, 256, 256, 1, 1), TensorType::kFloat32, stream, peak_gbs);
  TimeCase(MakeCase(rng, 1, 1920, 1080, 224, 224, 0, 1), TensorType::kFloat16, stream, peak_gbs);
  TimeCase(MakeCase(rng, 8, 1920, 1080, 256, 256, 1, 3), TensorType::kFloat32, stream, peak_gbs);
  TimeCase(MakeCase(rng, 32, 640, 480, 224, 224, 0, 0), TensorType::kFloat16, stream, peak_gbs);
  TimeCase(MakeCase(rng, 1, 3840, 2160, 1024, 1024, 0, 2), TensorType::kFloat32, stream, peak_gbs);
  return 0;
}

}  // namespace trtl::check
