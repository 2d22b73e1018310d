// Proves, on any machine (no GPU), that kernel_check's comparisons catch what they must. The CPU reference of
// native/core plays the kernel: its own output, passed through check_compare.h's comparisons, must pass; the same
// output damaged as kernel_check --mutate damages GPU output (a NaN-writing kernel, a value just outside the
// tolerance, a skipped batch item, a NaN turned into a number) must fail; and a mutated CPU reference (channel
// order, half-pixel crop shift, a reverse-index entry, an argmax that ignores NaN, pixel vs normalised layout ...)
// must disagree with the true one. Cases: preprocessing (FP32 and FP16 output), PIPNet at batch 256 with FP16 heads
// holding NaN (NaN scores), regression at batch 256.
// Built and run by test/gpu/native-checks.test.ts:
//   c++ -std=c++17 -Inative native/test/mutation_check.cc native/core/*.cc -o mutation_check && ./mutation_check
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/pipnet_decode.h"
#include "core/preprocess.h"
#include "core/regression_decode.h"
#include "test/check_compare.h"

using namespace trtl;
using namespace trtl::check;

namespace {

int missed = 0, caught = 0;
std::mt19937_64 rng(7);

double Uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
int UniformInt(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// Runs `checks` (each: true = passed) and records whether the expectation held.
void Expect(const std::string& what, bool should_pass, const std::vector<bool>& passed) {
  bool all = true, any = false;
  for (bool p : passed) all = all && p, any = any || p;
  const bool ok = should_pass ? all : !all;
  (ok ? caught : missed)++;
  std::printf("%s %s%s\n", ok ? (should_pass ? "passes " : "caught ") : (should_pass ? "FAILS  " : "MISSED "),
              what.c_str(), !should_pass && any && ok ? " (by some checks)" : "");
}

const Mutation kAll[] = {Mutation::kNan, Mutation::kOffset, Mutation::kDropLast, Mutation::kNanToValue};
const char* Name(Mutation m) {
  switch (m) {
    case Mutation::kNan:
      return "nan";
    case Mutation::kOffset:
      return "offset";
    case Mutation::kDropLast:
      return "drop-last";
    case Mutation::kNanToValue:
      return "nan-to-value";
    default:
      return "none";
  }
}

// A value on FP16's grid (what the GPU reads from an FP16 head): multiples of 2^-10 below 2 in magnitude.
float HalfGrid(double lo, double hi) { return static_cast<float>(std::round(Uniform(lo, hi) * 1024) / 1024); }
const float kHalfNan = HalfBitsToFloat(0x7e00);

// ---- preprocessing ------------------------------------------------------------------------------------------
struct PreCase {
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<FrameView> frames;
  std::vector<Crop> crops;
  PreprocessParams params;
};

PreCase MakePre() {
  PreCase c;
  c.params.width = 48;
  c.params.height = 40;
  c.params.bgr = true;
  c.params.scale = 1.0 / 255;
  const double m[3] = {0.485, 0.456, 0.406}, s[3] = {0.229, 0.224, 0.225};
  for (int k = 0; k < 3; ++k) c.params.mean[k] = m[k], c.params.std[k] = s[k];
  const FrameFormat formats[] = {FrameFormat::RGB, FrameFormat::BGRA, FrameFormat::GRAY};
  c.bytes.reserve(3);
  for (int b = 0; b < 3; ++b) {
    const int w = 64 + 7 * b, h = 48 + 5 * b;
    c.bytes.emplace_back(static_cast<size_t>(w) * h * Channels(formats[b]));
    for (auto& v : c.bytes.back()) v = static_cast<uint8_t>(UniformInt(0, 255));
    c.frames.push_back({c.bytes.back().data(), c.bytes.back().size(), w, h, formats[b]});
    c.crops.push_back({Uniform(-5, 10), Uniform(-5, 10), Uniform(30, 50), Uniform(30, 50)});
  }
  return c;
}

std::vector<float> RunPre(const PreCase& c) {
  std::vector<float> out(PreprocessOutputSize(c.frames.size(), c.params));
  Preprocess(c.frames, c.crops, c.params, out.data(), out.size());
  return out;
}

// kernel_check's two comparisons for one preprocessing case.
std::vector<bool> ComparePre(const std::vector<float>& got, const std::vector<float>& ref) {
  Tally t;
  t.quiet = true;
  return {t.Record("fp32", MaxAbsError(got, ref), 1e-3, ""), t.Record("fp16", MaxHalfExcess(got, ref), 1e-3, "")};
}

void Preprocessing() {
  const PreCase c = MakePre();
  const std::vector<float> ref = RunPre(c);
  Expect("preprocess: the reference against itself", true, ComparePre(ref, ref));
  for (Mutation m : kAll) {
    std::vector<float> got = ref;
    Mutate(m, got, c.frames.size());
    Expect(std::string("preprocess: kernel output mutated (") + Name(m) + ")", false, ComparePre(got, ref));
  }
  const std::vector<std::pair<std::string, std::function<void(PreCase&)>>> reference_mutations = {
      {"channel order flipped", [](PreCase& k) { k.params.bgr = !k.params.bgr; }},
      {"crop shifted by half a pixel", [](PreCase& k) { k.crops.back().x += 0.5; }},
      {"std of one channel 1 % off", [](PreCase& k) { k.params.std[1] *= 1.01; }},
      {"output 1 pixel narrower", [](PreCase& k) { k.crops.back().w -= 1; }},
  };
  for (const auto& [what, mutate] : reference_mutations) {
    PreCase k = c;
    mutate(k);
    Expect("preprocess: CPU reference mutated (" + what + ")", false, ComparePre(ref, RunPre(k)));
  }
}

// ---- PIPNet ---------------------------------------------------------------------------------------------
struct PipCase {
  int batch = 256, L = 68, nb = 10, gw = 8, gh = 8, max_len = 0;
  std::vector<float> cls, x, y, nbx, nby;
  std::vector<int32_t> r1, r2;
  std::vector<Crop> crops;
};

PipCase MakePip() {
  PipCase c;
  const size_t hw = size_t(c.gw) * c.gh, n = size_t(c.batch) * c.L * hw;
  for (size_t i = 0; i < n; ++i) c.cls.push_back(static_cast<float>(UniformInt(0, 4) / 4.0));  // ties
  for (size_t i = 0; i < n; ++i) c.x.push_back(HalfGrid(-0.5, 1.5)), c.y.push_back(HalfGrid(-0.5, 1.5));
  for (size_t i = 0; i < n * c.nb; ++i) c.nbx.push_back(HalfGrid(-1.9, 1.9)), c.nby.push_back(HalfGrid(-1.9, 1.9));
  // FP16 NaN in the heatmaps of item 0 landmark 1 and of the last item's landmark 3: NaN scores.
  c.cls[hw + hw / 2] = kHalfNan;
  c.cls[(size_t(c.batch - 1) * c.L + 3) * hw + 5] = kHalfNan;
  c.max_len = 9;
  for (int i = 0; i < c.L * c.max_len; ++i) c.r1.push_back(UniformInt(0, c.L - 1)), c.r2.push_back(UniformInt(0, c.nb - 1));
  for (int b = 0; b < c.batch; ++b) {
    const double s = Uniform(20, 900);
    c.crops.push_back({Uniform(-200, 1500), Uniform(-200, 900), s, s * Uniform(0.8, 1.25)});
  }
  return c;
}

std::pair<std::vector<float>, std::vector<float>> RunPip(const PipCase& c) {
  PipnetParams p{c.L, c.nb, c.gw, c.gh, c.max_len, c.r1.data(), c.r2.data(), c.r1.size(), c.r2.size()};
  PipnetHeads h{c.cls.data(), c.x.data(), c.y.data(), c.nbx.data(), c.nby.data(),
                c.cls.size(), c.x.size(), c.y.size(), c.nbx.size(), c.nby.size()};
  std::vector<float> pts(size_t(c.batch) * c.L * 2), sc(size_t(c.batch) * c.L);
  DecodePipnet(h, c.batch, c.crops, p, pts.data(), sc.data());
  return {pts, sc};
}

void Pipnet() {
  const PipCase c = MakePip();
  const auto [pts, sc] = RunPip(c);
  int nan_scores = 0;
  for (float v : sc) nan_scores += std::isnan(v);
  std::printf("pipnet: batch %d, FP16 heads, %d NaN scores in the reference\n", c.batch, nan_scores);
  auto compare = [](const std::vector<float>& gp, const std::vector<float>& gs, const std::vector<float>& rp,
                    const std::vector<float>& rs) {
    Tally t;
    t.quiet = true;
    return std::vector<bool>{t.Record("points", MaxAbsError(gp, rp), 1e-3, "px"),
                             t.Record("scores", MaxAbsError(gs, rs), 0.0, "")};
  };
  Expect("pipnet b256 with NaN scores: the reference against itself", true, compare(pts, sc, pts, sc));
  for (Mutation m : kAll) {
    auto gp = pts;
    auto gs = sc;
    Mutate(m, gp, c.batch);
    Expect(std::string("pipnet b256: kernel points mutated (") + Name(m) + ")", false, compare(gp, sc, pts, sc));
    Mutate(m, gs, c.batch);
    Expect(std::string("pipnet b256: kernel scores mutated (") + Name(m) + ")", false, compare(pts, gs, pts, sc));
  }
  const std::vector<std::pair<std::string, std::function<void(PipCase&)>>> reference_mutations = {
      {"argmax ignores NaN", [](PipCase& k) { for (float& v : k.cls) if (std::isnan(v)) v = 0.f; }},
      {"a reverse-index entry", [](PipCase& k) { k.r1[0] = (k.r1[0] + 1) % k.L; }},
      {"one neighbour offset of the last item", [](PipCase& k) {
         // The argmax cell of landmark 0 of the last item decides which neighbour offsets count; shift them all.
         const size_t hw = size_t(k.gw) * k.gh, base = size_t(k.batch - 1) * k.L * k.nb * hw;
         for (size_t i = 0; i < size_t(k.nb) * hw; ++i) k.nbx[base + i] += 0.25f;
       }},
      {"last crop 1 px to the right", [](PipCase& k) { k.crops.back().x += 1; }},
  };
  for (const auto& [what, mutate] : reference_mutations) {
    PipCase k = c;
    mutate(k);
    const auto [rp, rs] = RunPip(k);
    Expect("pipnet b256: CPU reference mutated (" + what + ")", false, compare(pts, sc, rp, rs));
  }
}

// ---- regression -----------------------------------------------------------------------------------------
void Regression() {
  const int batch = 256, L = 68, stride = 136;
  std::vector<float> out;
  for (int i = 0; i < batch * stride; ++i) out.push_back(HalfGrid(-0.2, 1.2));
  std::vector<Crop> crops;
  for (int b = 0; b < batch; ++b) crops.push_back({Uniform(-200, 1500), Uniform(-200, 900), Uniform(20, 900), Uniform(20, 900)});
  auto run = [&](const std::vector<float>& o, const std::vector<Crop>& k, RegressionParams p) {
    std::vector<float> pts(size_t(batch) * L * 2);
    DecodeRegression(o.data(), o.size(), batch, stride, k, p, pts.data());
    return pts;
  };
  const RegressionParams params{L, false, 224, 160};
  const auto ref = run(out, crops, params);
  auto compare = [](const std::vector<float>& got, const std::vector<float>& want) {
    Tally t;
    t.quiet = true;
    return std::vector<bool>{t.Record("points", MaxAbsError(got, want), 1e-3, "px")};
  };
  Expect("regression b256: the reference against itself", true, compare(ref, ref));
  for (Mutation m : kAll) {
    auto got = ref;
    Mutate(m, got, batch);
    Expect(std::string("regression b256: kernel points mutated (") + Name(m) + ")", false, compare(got, ref));
  }
  Expect("regression b256: CPU reference mutated (pixel layout)", false, compare(ref, run(out, crops, {L, true, 224, 160})));
  auto shifted = crops;
  shifted[batch - 1].y += 0.01;
  Expect("regression b256: CPU reference mutated (last crop 0.01 px lower)", false, compare(ref, run(out, shifted, params)));
  auto one = out;
  one[size_t(batch - 1) * stride + 2 * L - 1] += 1.0f / 1024;  // the last value read, one FP16 step
  Expect("regression b256: CPU reference mutated (last value one FP16 step)", false, compare(ref, run(one, crops, params)));
}

}  // namespace

int main() {
  Preprocessing();
  Pipnet();
  Regression();
  std::printf("%s: %d of %d expectations held\n", missed ? "FAILED" : "PASSED", caught, caught + missed);
  return missed ? 1 : 0;
}
