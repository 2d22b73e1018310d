// kernel_check, decoding part: GPU PIPNet and regression decoding vs the CPU reference (native/core) on
// random heads (with ties and a NaN to exercise the first-max rule, FP32 and FP16), several grids and batches
// up to 256 (maxBatch's limit).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "../core/pipnet_decode.h"
#include "../core/regression_decode.h"
#include "check_util.h"

namespace trtl::check {
namespace {

std::vector<Crop> RandomCrops(Rng& rng, int batch) {
  std::vector<Crop> crops;
  for (int b = 0; b < batch; ++b) {
    const double s = Uniform(rng, 20, 900);
    crops.push_back({Uniform(rng, -200, 1500), Uniform(rng, -200, 900), s, s * Uniform(rng, 0.8, 1.25)});
  }
  return crops;
}

DeviceBuffer UploadDescs(const std::vector<Crop>& crops) {
  std::vector<GpuFrameDesc> descs;
  for (const Crop& c : crops) descs.push_back({0, 1, 1, 0, 0, c.x, c.y, c.w, c.h});
  return Upload(descs);
}

// Values as the GPU will read them: for FP16 heads the CPU reference gets the same half-rounded numbers.
struct Tensor {
  std::vector<float> f32;
  std::vector<uint16_t> f16;
};

Tensor RandomTensor(Rng& rng, size_t n, double lo, double hi, bool quantise) {
  Tensor t;
  for (size_t i = 0; i < n; ++i) {
    double v = Uniform(rng, lo, hi);
    if (quantise) v = std::round(v * 4) / 4;  // few distinct values: many ties, so the first max must win
    t.f16.push_back(FloatToHalf(static_cast<float>(v)));
    t.f32.push_back(static_cast<float>(v));
  }
  return t;
}

void PipnetCase(Tally& tally, Rng& rng, cudaStream_t stream, int batch, int L, int nb, int gw, int gh,
                bool half, bool with_nan) {
  const size_t hw = static_cast<size_t>(gw) * gh;
  Tensor cls = RandomTensor(rng, batch * L * hw, 0, 1, true);
  Tensor x = RandomTensor(rng, batch * L * hw, -0.5, 1.5, false),
         y = RandomTensor(rng, batch * L * hw, -0.5, 1.5, false);
  Tensor nbx = RandomTensor(rng, batch * L * nb * hw, -3, 3, false),
         nby = RandomTensor(rng, batch * L * nb * hw, -3, 3, false);
  if (with_nan) {  // a NaN in the middle of landmark 1's map of item 0: it must win over every number
    cls.f32[hw + hw / 2] = std::numeric_limits<float>::quiet_NaN();
    cls.f16[hw + hw / 2] = 0x7e00;
  }
  if (half) {  // the reference reads exactly what the GPU reads
    for (Tensor* t : {&cls, &x, &y, &nbx, &nby})
      for (size_t i = 0; i < t->f32.size(); ++i) t->f32[i] = HalfToFloat(t->f16[i]);
  }
  const int max_len = UniformInt(rng, 1, 17);
  std::vector<int32_t> r1(L * max_len), r2(L * max_len);
  for (auto& v : r1) v = UniformInt(rng, 0, L - 1);
  for (auto& v : r2) v = UniformInt(rng, 0, nb - 1);
  const auto crops = RandomCrops(rng, batch);

  PipnetParams p{L, nb, gw, gh, max_len, r1.data(), r2.data(), r1.size(), r2.size()};
  PipnetHeads h{cls.f32.data(), x.f32.data(), y.f32.data(), nbx.f32.data(), nby.f32.data(),
                cls.f32.size(), x.f32.size(), y.f32.size(), nbx.f32.size(), nby.f32.size()};
  std::vector<float> ref_pts(batch * L * 2), ref_sc(batch * L);
  DecodePipnet(h, batch, crops, p, ref_pts.data(), ref_sc.data());

  auto up = [&](const Tensor& t) { return half ? Upload(t.f16) : Upload(t.f32); };
  DeviceBuffer dc = up(cls), dx = up(x), dy = up(y), dnx = up(nbx), dny = up(nby);
  DeviceBuffer d1 = Upload(r1), d2 = Upload(r2), descs = UploadDescs(crops);
  DeviceBuffer pts(ref_pts.size() * 4), sc(ref_sc.size() * 4);
  GpuPipnetParams g{L, nb, gw, gh, max_len, d1.as<int32_t>(), d2.as<int32_t>()};
  const TensorType type = half ? TensorType::kFloat16 : TensorType::kFloat32;
  LaunchPipnetDecode(dc.get(), dx.get(), dy.get(), dnx.get(), dny.get(), type, batch,
                     descs.as<GpuFrameDesc>(), g, pts.as<float>(), sc.as<float>(), stream);
  TRTL_CUDA(cudaStreamSynchronize(stream));
  auto gp = Download<float>(pts, ref_pts.size());
  auto gs = Download<float>(sc, ref_sc.size());
  Mutate(ActiveMutation(), gp, batch);
  Mutate(ActiveMutation(), gs, batch);
  // NaN-aware (check_compare.h): NaN scores must be NaN exactly where the reference's are.
  const double ep = MaxAbsError(gp, ref_pts), es = MaxAbsError(gs, ref_sc);
  char name[160];
  std::snprintf(name, sizeof(name), "pipnet b%d L%d nb%d grid %dx%d maxLen %d %s%s", batch, L, nb, gw, gh,
                max_len, half ? "fp16" : "fp32", with_nan ? " +NaN" : "");
  tally.Record(std::string(name) + " points", ep, 1e-3, "px");
  tally.Record(std::string(name) + " scores", es, 0.0, "");

  const double ms = TimeMs(stream, 10, 200, [&] {
    LaunchPipnetDecode(dc.get(), dx.get(), dy.get(), dnx.get(), dny.get(), type, batch,
                       descs.as<GpuFrameDesc>(), g, pts.as<float>(), sc.as<float>(), stream);
  });
  std::printf("       %.4f ms per launch\n", ms);
}

void RegressionCase(Tally& tally, Rng& rng, cudaStream_t stream, int batch, int L, int stride, bool pixel,
                    bool half) {
  const int in_w = 224, in_h = 160;
  Tensor out = RandomTensor(rng, size_t(batch) * stride, pixel ? -20 : -0.2, pixel ? 250 : 1.2, false);
  if (half)
    for (size_t i = 0; i < out.f32.size(); ++i) out.f32[i] = HalfToFloat(out.f16[i]);
  const auto crops = RandomCrops(rng, batch);
  RegressionParams p{L, pixel, in_w, in_h};
  std::vector<float> ref(batch * L * 2);
  DecodeRegression(out.f32.data(), out.f32.size(), batch, stride, crops, p, ref.data());
  DeviceBuffer d = half ? Upload(out.f16) : Upload(out.f32), descs = UploadDescs(crops), pts(ref.size() * 4);
  GpuRegressionParams g{L, stride, pixel, in_w, in_h};
  LaunchRegressionDecode(d.get(), half ? TensorType::kFloat16 : TensorType::kFloat32, batch,
                         descs.as<GpuFrameDesc>(), g, pts.as<float>(), stream);
  TRTL_CUDA(cudaStreamSynchronize(stream));
  auto gp = Download<float>(pts, ref.size());
  Mutate(ActiveMutation(), gp, batch);
  const double e = MaxAbsError(gp, ref);
  char name[160];
  std::snprintf(name, sizeof(name), "regression b%d L%d stride %d %s %s", batch, L, stride,
                pixel ? "pixel" : "normalized", half ? "fp16" : "fp32");
  tally.Record(std::string(name), e, 1e-3, "px");
}

}  // namespace

int CheckDecode(Tally& tally, Rng& rng, cudaStream_t stream) {
  std::printf("decode: GPU vs CPU reference (tolerance 1e-3 px; scores exact)\n");
  PipnetCase(tally, rng, stream, 1, 68, 10, 8, 8, false, false);
  PipnetCase(tally, rng, stream, 8, 68, 10, 8, 8, false, false);
  PipnetCase(tally, rng, stream, 8, 68, 10, 8, 8, true, false);
  PipnetCase(tally, rng, stream, 3, 70, 10, 8, 8, false, true);
  PipnetCase(tally, rng, stream, 4, 98, 10, 16, 16, false, false);
  PipnetCase(tally, rng, stream, 2, 19, 5, 7, 11, true, false);
  PipnetCase(tally, rng, stream, 2, 68, 10, 64, 64, false, false);
  PipnetCase(tally, rng, stream, 32, 68, 10, 8, 8, true, false);
  PipnetCase(tally, rng, stream, 5, 68, 10, 8, 8, true, true);      // FP16 heads with a NaN: NaN score
  PipnetCase(tally, rng, stream, 256, 68, 10, 8, 8, true, false);   // maxBatch's limit
  PipnetCase(tally, rng, stream, 256, 98, 10, 8, 8, false, true);
  RegressionCase(tally, rng, stream, 1, 68, 136, false, false);
  RegressionCase(tally, rng, stream, 8, 68, 136, true, false);
  RegressionCase(tally, rng, stream, 5, 70, 143, false, true);
  RegressionCase(tally, rng, stream, 32, 68, 136, true, true);
  RegressionCase(tally, rng, stream, 256, 68, 136, false, true);
  RegressionCase(tally, rng, stream, 256, 70, 140, true, false);
  return 0;
}

}  // namespace trtl::check
