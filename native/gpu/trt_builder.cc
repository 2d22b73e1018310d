#include "trt_builder.h"

#include <algorithm>
#include <string>

#include "cuda_check.h"

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
  // Declared first so it outlives the config that points at it.
  Monitor monitor(progress);
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
  if (dims.d[0] >= 0 && dims.d[0] != req.max_batch) {
    // A fixed batch in the graph: the profile must be exactly that batch.
    if (req.max_batch != 1 || dims.d[0] != 1) {
      throw CoreError("ERR_MODEL_LOAD", std::string("input \"") + input->getName() +
                                            "\" has a fixed batch of " + std::to_string(dims.d[0]) +
                                            "; maxBatch " + std::to_string(req.max_batch) +
                                            " needs a dynamic batch dimension");
    }
  }

  TrtPtr<IBuilderConfig> config(builder->createBuilderConfig());
  if (!config) ThrowTrt(logger, "createBuilderConfig");
  IOptimizationProfile* profile = builder->createOptimizationProfile();  // owned by the builder
  if (!profile) ThrowTrt(logger, "createOptimizationProfile");
  const int opt = std::min(std::max(req.opt_batch, 1), req.max_batch);
  if (!profile->setDimensions(input->getName(), OptProfileSelector::kMIN, WithBatch(dims, 1)) ||
      !profile->setDimensions(input->getName(), OptProfileSelector::kOPT, WithBatch(dims, opt)) ||
      !profile->setDimensions(input->getName(), OptProfileSelector::kMAX, WithBatch(dims, req.max_batch))) {
    ThrowTrt(logger, "IOptimizationProfile::setDimensions(batch 1.." + std::to_string(req.max_batch) + ")");
  }
  if (config->addOptimizationProfile(profile) < 0) ThrowTrt(logger, "addOptimizationProfile");

#if NV_TENSORRT_MAJOR < 11
  if (req.fp16 && !req.strongly_typed) {
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
  if (req.workspace_bytes > 0) config->setMemoryPoolLimit(MemoryPoolType::kWORKSPACE, req.workspace_bytes);
  if (req.optimization_level >= 0) config->setBuilderOptimizationLevel(req.optimization_level);

  config->setProgressMonitor(&monitor);

  // Timing cache: reuse kernel timings across builds (same GPU and TensorRT version; a mismatching cache is
  // ignored by TensorRT rather than trusted: ignoreMismatch = false makes it reject, so we start fresh
  // instead).
  TrtPtr<ITimingCache> cache(config->createTimingCache(req.timing_cache.data(), req.timing_cache.size()));
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

}  // namespace trtl
