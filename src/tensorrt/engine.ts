/**
 * Getting a TensorRT engine for an opened model: the graph for the precision (src/model/precision.ts, the policy
 * both backends share), the cache key, and the cached engine or a build (with progress, timing cache and the
 * cross-process lock). Shared by the TensorRT pipeline (src/backends/tensorrt.ts) and `trt-landmarker build`
 * (src/cli/commands/build.ts).
 *
 * Precision (see docs/tensorrt.md): TensorRT 11 builds strongly typed networks only, so an FP16 engine needs the
 * FP16 graph `<model>.fp16.onnx` that models/export.py writes beside `<model>.onnx`. Without it, TensorRT 11
 * builds FP32 (with a warning and precision 'fp32' reported). TensorRT 10 uses the FP16 graph the same way when it
 * exists, and otherwise builds the FP32 graph with the kFP16 builder flag.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ModelContract } from '../contract/types';
import { fromNative, LandmarkerError } from '../errors';
import type { OpenedModel } from '../model/open';
import type { NativeAddon, NativeBuildInfo, NativeGpuStatus } from '../native/addon';
import type { BuildProgress, Precision } from '../types';
import { engineFileStem, sha256, timingCacheName, type EngineKeyParts } from './cache-key';
import { getOrBuildEngine, type EngineResult } from './engine-cache';
import { BuildProgressTracker } from './progress';
import { saveTimingCache } from './timing-cache';

/** What the one TensorRT probe (src/backends/tensorrt.ts) found on a machine where TensorRT is usable. */
export interface TensorRtGpu {
  addon: NativeAddon & Required<Pick<NativeAddon, 'trtBuildEngine' | 'trtCreateRuntime'>>;
  status: NativeGpuStatus;
  build: NativeBuildInfo;
  tensorrtMajor: number;
}

export interface EngineSource {
  /** The ONNX file the engine is built from. */
  path: string;
  /** The precision the engine will have. */
  precision: Precision;
  typing: EngineKeyParts['typing'];
  /** One sentence for info.reason / the CLI. */
  note: string;
}

export interface PrepareOptions {
  /** A landmark model or the face detector (src/model/open.ts): its graph choice and its contract's input. */
  model: Pick<OpenedModel<unknown>, 'chooseGraph'> & { contract: Pick<ModelContract, 'input'> };
  precision: Precision;
  maxBatch: number;
  cacheDir: string;
  optBatch?: number;
  onProgress?: (p: BuildProgress) => void;
  warn?: (message: string) => void;
  /** Set [0] to non-zero to cancel a build in progress. */
  cancel?: Int32Array;
}

export interface PreparedEngine<T> extends EngineResult<T> {
  source: EngineSource;
  parts: EngineKeyParts;
  /** TensorRT warnings logged while building (empty when loaded from the cache). */
  buildLog: string[];
  /** The profile's max batch: opts.maxBatch, or the model's fixed batch when its input has one. */
  maxBatch: number;
}

/**
 * The batch TensorRT tunes its kernels for (the profile's "opt" point), 1..maxBatch. Unless asked otherwise it is
 * maxBatch: detectBatch() fills batches up to maxBatch, where the choice of kernels matters most, while batch 1
 * is bound by launch latency whatever kernels run (a profile tuned for 1 can be several times slower at 8).
 */
export function optimalBatch(maxBatch: number, requested?: number): number {
  return Math.min(Math.max(requested ?? maxBatch, 1), maxBatch);
}

/**
 * The optimisation profile's batches: a model whose input has a fixed batch N gets exactly N (min = opt = max,
 * as TensorRT requires for a static dimension); a dynamic batch gets 1..maxBatch around optimalBatch().
 */
export function profileBatches(maxBatch: number, fixedBatch: number | undefined, optBatch?: number): { minBatch: number; optBatch: number; maxBatch: number } {
  if (fixedBatch !== undefined) return { minBatch: fixedBatch, optBatch: fixedBatch, maxBatch: fixedBatch };
  return { minBatch: 1, optBatch: optimalBatch(maxBatch, optBatch), maxBatch };
}

/** Key parts for `source` on this GPU / TensorRT / addon. `fixedBatch`: the ONNX input's static batch, if any. */
export function keyParts(
  source: EngineSource,
  onnx: Uint8Array,
  opts: { contract: Pick<ModelContract, 'input'>; maxBatch: number; optBatch?: number; fixedBatch?: number },
  status: NativeGpuStatus,
  build: NativeBuildInfo,
): EngineKeyParts {
  const { input } = opts.contract;
  return {
    onnxSha256: sha256(onnx),
    precision: source.precision,
    typing: source.typing,
    tf32: false,
    profile: { input: input.name, ...profileBatches(opts.maxBatch, opts.fixedBatch, opts.optBatch), chw: [3, input.height, input.width] },
    tensorrtVersion: status.tensorrtVersion ?? 'unknown',
    gpuName: status.device?.name ?? 'unknown',
    computeCapability: status.device?.computeCapability ?? '0.0',
    addonVersion: `${build.version}-${build.variant}`,
  };
}

function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Loads the cached engine for the model (through `open`) or builds it. Throws coded errors. */
export async function prepareEngine<T>(
  gpu: TensorRtGpu,
  opts: PrepareOptions,
  open: (engine: Uint8Array, maxBatch: number) => Promise<T>,
): Promise<PreparedEngine<T>> {
  const { addon, status, build } = gpu;
  const choice = opts.model.chooseGraph(opts.precision, { kind: 'tensorrt', major: gpu.tensorrtMajor });
  const source: EngineSource = { path: choice.graph.path, precision: choice.precision, typing: choice.cast ? 'fp16-flag' : 'strongly-typed', note: choice.note };
  // The engine cache hashes, and the builder parses, the graph's bytes: read here, on the TensorRT path only.
  let onnx: Buffer;
  try {
    onnx = readFileSync(source.path);
  } catch (err) {
    throw new LandmarkerError('ERR_FILE_NOT_FOUND', `Cannot read ${source.path}: ${(err as Error).message}`, { cause: err });
  }
  // A model with a fixed batch (peppa-slim160: 1) gets a profile of exactly that batch.
  const fixedBatch = choice.graph.io.fixedBatch;
  const maxBatch = fixedBatch ?? opts.maxBatch;
  const contract = opts.model.contract;
  const parts = keyParts(source, onnx, { contract, maxBatch, optBatch: opts.optBatch, fixedBatch }, status, build);
  const stem = engineFileStem(basename(source.path).replace(/\.onnx$/i, ''), parts);
  const timingPath = `${opts.cacheDir}/${timingCacheName(parts.tensorrtVersion, parts.gpuName, parts.computeCapability)}`;
  const trtBuild = addon.trtBuildEngine.bind(addon);
  const merge = addon.trtMergeTimingCaches?.bind(addon);
  let buildLog: string[] = [];

  const result = await getOrBuildEngine({
    dir: opts.cacheDir,
    stem,
    parts,
    warn: opts.warn,
    open: (engine) => open(engine, maxBatch),
    build: async () => {
      const tracker = new BuildProgressTracker(opts.onProgress);
      opts.onProgress?.({ phase: 'starting TensorRT build', fraction: 0 });
      const timingCache = readOptional(timingPath);
      let out: { engine: Buffer; timingCache: Buffer; log: string[] };
      try {
        out = await trtBuild(
          onnx,
          {
            inputName: contract.input.name,
            maxBatch,
            optBatch: parts.profile.optBatch,
            fp16: source.typing === 'fp16-flag',
            stronglyTyped: source.typing === 'strongly-typed',
            tf32: parts.tf32,
            timingCache,
            cancel: opts.cancel,
          },
          (e) => tracker.handle(e),
        );
      } catch (err) {
        throw fromNative(err, 'ERR_TENSORRT');
      }
      buildLog = out.log;
      if (out.timingCache.length > 0) {
        const warn = opts.warn ?? ((m: string) => process.emitWarning(m, { code: 'TRT_LANDMARKER_ENGINE_CACHE' }));
        try {
          await saveTimingCache({ path: timingPath, startedWith: timingCache, produced: out.timingCache, merge, warn });
        } catch (err) {
          warn(`Could not save the TensorRT timing cache: ${(err as Error).message}`);
        }
      }
      opts.onProgress?.({ phase: 'done', fraction: 1 });
      return out.engine;
    },
  });
  return { ...result, source, parts, buildLog, maxBatch };
}
