#include "trt_builder.h"

#include <algorithm>
#include <string>

#include "cuda_check.h"
#include "gpu_policy.h"

namespace trtl {

namespace {

using namespace nvinfer1;

class Monitor final : public IProgressMonitor {
 public:
  explicit Monitor(BuildProgress* sink) : sink_(sink) {}
  void phaseStart(const char* phase, const char* parent, int32_t steps) noexcept override {
    if (sink_) sink_->PhaseStart(phase, parent, steps);
  }
  bool stepComplete(const char* phase, int32_t step) noexcept override {
    if (!sink_) return true;
    sink_->Step(phase, step);
    return !sink_->Cancelled();  // false asks TensorRT to abandon the build
  }
  void phaseFinish(const char* phase) noexcept override {
    if (sink_) sink_->PhaseFinish(phase);
  }

 private:
  BuildProgress* sink_;
};

// "node 12 (Conv_3, Conv): Unsupported ... [file:line]" for every parser error.
std::string ParserErrors(nvonnxparser::IParser& parser) {
  std::string out;
  for (int i = 0; i < parser.getNbErrors(); ++i) {
    const nvonnxparser::IParserError* e = parser.getError(i);
    if (!e) continue;
    std::string line = "node " + std::to_string(e->node());
    const char* name = e->nodeName();
    const char* op = e->nodeOperator();
    if ((name && *name) || (op && *op))
      line += std::string(" (") + (name ? name : "") + ", " + (op ? op : "") + ")";
    line += std::string(": ") + (e->desc() ? e->desc() : "unknown error");
    out += (out.empty() ? "" : "; ") + line;
  }
  return out;
}

Dims WithBatch(Dims d, int batch) {
  d.d[0] = batch;
  return d;
}

}  // namespace

BuildResult BuildEngine(const TrtLibrary& lib, const BuildRequest& req, BuildProgress* progress,
                        TrtLogger& logger) {
  // Declared before the builder and its config, so they outlive the config that points at them (locals are
  // destroyed in reverse order): the progress monitor and the timing cache.
  Monitor monitor(progress);
  TrtPtr<ITimingCache> cache;
  TrtPtr<IBuilder> builder(static_cast<IBuilder*>(lib.create_builder(&logger, NV_TENSORRT_VERSION)));
  if (!builder) ThrowTrt(logger, "createInferBuilder (TensorRT " + lib.version_string + ")");

  NetworkDefinitionCreationFlags flags = 0;
#if NV_TENSORRT_MAJOR < 11
  // TensorRT 10: strongly typed is opt-in. TensorRT 11: every network is strongly typed (the flag is
  // deprecated).
  if (req.strongly_typed)
    flags |= 1U << static_cast<uint32_t>(NetworkDefinitionCreationFlag::kSTRONGLY_TYPED);
#endif
  TrtPtr<INetworkDefinition> network(builder->createNetworkV2(flags));
  if (!network) ThrowTrt(logger, "createNetworkV2");

  TrtPtr<nvonnxparser::IParser> parser(
      static_cast<nvonnxparser::IParser*>(lib.create_parser(network.get(), &logger, NV_ONNX_PARSER_VERSION)));
  if (!parser) ThrowTrt(logger, "createNvOnnxParser");
  if (!parser->parse(req.onnx.data(), req.onnx.size())) {
    const std::string errors = ParserErrors(*parser);
    logger.TakeErrors();
    throw CoreError("ERR_MODEL_LOAD", "TensorRT's ONNX parser rejected the model: " +
                                          (errors.empty() ? std::string("no details") : errors));
  }

  // The image input: the named one, else the only input.
  ITensor* input = nullptr;
  for (int i = 0; i < network->getNbInputs(); ++i) {
    ITensor* t = network->getInput(i);
    if (t && req.input_name == t->getName()) input = t;
  }
  if (!input && network->getNbInputs() == 1 && req.input_name.empty()) input = network->getInput(0);
  if (!input) {
    throw CoreError("ERR_MODEL_LOAD", "the ONNX model has no input named \"" + req.input_name + "\" (" +
                                          std::to_string(network->getNbInputs()) + " inputs)");
  }
  const Dims dims = input->getDimensions();
  if (dims.nbDims != 4) {
    throw CoreError("ERR_MODEL_LOAD", std::string("input \"") + input->getName() + "\" has shape " +
                                          DimsString(dims) + "; expected NCHW [N, 3, H, W]");
  }
  for (int i = 1; i < 4; ++i) {
    if (dims.d[i] < 0) {
      throw CoreError("ERR_MODEL_LOAD", std::string("input \"") + input->getName() + "\" has shape " +
                                            DimsString(dims) + "; only the batch dimension may be dynamic");
    }
  }
  // A static batch gets min = opt = max = that batch; a dynamic one 1..max_batch around opt_batch.
  const BatchProfile batches = ProfileFor(dims.d[0], req.max_batch, req.opt_batch);
  if (!batches.error.empty())
    throw CoreError("ERR_MODEL_LOAD", std::string("input \"") + input->getName() + "\" " + batches.error);

  TrtPtr<IBuilderConfig> config(builder->createBuilderConfig());
  if (!config) ThrowTrt(logger, "createBuilderConfig");
  IOptimizationProfile* profile = builder->createOptimizationProfile();  // owned by the builder
  if (!profile) ThrowTrt(logger, "createOptimizationProfile");
  if (!profile->setDimensions(input->getName(), OptProfileSelector::kMIN, WithBatch(dims, batches.min)) ||
      !profile->setDimensions(input->getName(), OptProfileSelector::kOPT, WithBatch(dims, batches.opt)) ||
      !profile->setDimensions(input->getName(), OptProfileSelector::kMAX, WithBatch(dims, batches.max))) {
    ThrowTrt(logger, "IOptimizationProfile::setDimensions(batch " + std::to_string(batches.min) + ".." +
                         std::to_string(batches.max) + ", opt " + std::to_string(batches.opt) + ")");
  }
  if (config->addOptimizationProfile(profile) < 0) ThrowTrt(logger, "addOptimizationProfile");

  const PrecisionFlags precision = PrecisionFlagsFor(req.fp16, req.strongly_typed, req.allow_tf32);
#if NV_TENSORRT_MAJOR < 11
  if (precision.set_fp16) {
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    config->setFlag(BuilderFlag::kFP16);  // deprecated in 10.x, removed in 11 (strong typing instead)
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  }
#endif
  // TensorRT enables TF32 for FP32 layers by default (sm_80+): an engine called "fp32" must compute in FP32.
  if (precision.clear_tf32) config->clearFlag(BuilderFlag::kTF32);
  if (req.workspace_bytes > 0) config->setMemoryPoolLimit(MemoryPoolType::kWORKSPACE, req.workspace_bytes);
  if (req.optimization_level >= 0) config->setBuilderOptimizationLevel(req.optimization_level);

  config->setProgressMonitor(&monitor);

  // Timing cache: reuse kernel timings across builds (same GPU and TensorRT version; a mismatching cache is
  // ignored by TensorRT rather than trusted: ignoreMismatch = false makes it reject, so we start fresh
  // instead).
  cache.reset(config->createTimingCache(req.timing_cache.data(), req.timing_cache.size()));
  if (!cache && !req.timing_cache.empty()) {
    logger.TakeErrors();
    cache.reset(config->createTimingCache(nullptr, 0));  // unreadable cache: start a new one
  }
  if (cache && !config->setTimingCache(*cache, false)) {
    logger.TakeErrors();
    cache.reset(config->createTimingCache(nullptr, 0));
    if (cache) config->setTimingCache(*cache, false);
  }

  // TensorRT builds on the current device; make sure this worker thread has one.
  CudaCheck(cudaSetDevice(0), "cudaSetDevice(0)");
  TrtPtr<IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
  if (progress && progress->Cancelled()) throw CoreError("ERR_DISPOSED", "engine build cancelled");
  if (!plan || plan->size() == 0) ThrowTrt(logger, "buildSerializedNetwork");

  BuildResult result;
  const auto* bytes = static_cast<const uint8_t*>(plan->data());
  result.engine.assign(bytes, bytes + plan->size());
  if (const ITimingCache* used = config->getTimingCache()) {
    TrtPtr<IHostMemory> blob(used->serialize());
    if (blob) {
      const auto* c = static_cast<const uint8_t*>(blob->data());
      result.timing_cache.assign(c, c + blob->size());
    }
  }
  result.log = logger.Recent();
  return result;
}

std::vector<uint8_t> MergeTimingCaches(const TrtLibrary& lib, const std::vector<uint8_t>& base,
                                       const std::vector<uint8_t>& extra, TrtLogger& logger) {
  TrtPtr<ITimingCache> into, from;  // declared first: destroyed after the config that created them
  TrtPtr<IBuilder> builder(static_cast<IBuilder*>(lib.create_builder(&logger, NV_TENSORRT_VERSION)));
  if (!builder) ThrowTrt(logger, "createInferBuilder (TensorRT " + lib.version_string + ")");
  TrtPtr<IBuilderConfig> config(builder->createBuilderConfig());
  if (!config) ThrowTrt(logger, "createBuilderConfig");
  into.reset(config->createTimingCache(base.data(), base.size()));
  from.reset(config->createTimingCache(extra.data(), extra.size()));
  if (!into || !from) ThrowTrt(logger, "createTimingCache");
  // ignoreMismatch = false: a cache of another TensorRT/GPU is refused rather than mixed in.
  if (!into->combine(*from, false)) ThrowTrt(logger, "ITimingCache::combine");
  TrtPtr<IHostMemory> blob(into->serialize());
  if (!blob) ThrowTrt(logger, "ITimingCache::serialize");
  const auto* c = static_cast<const uint8_t*>(blob->data());
  return std::vector<uint8_t>(c, c + blob->size());
}

}  // namespace trtl
