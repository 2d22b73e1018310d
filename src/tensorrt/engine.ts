/**
 * Getting a TensorRT engine for a model: choose the ONNX file for the precision, compute the cache key, and
 * load the cached engine or build it (with progress, timing cache and the cross-process lock). Shared by the
 * TensorRT pipeline (src/backends/tensorrt.ts) and `trt-landmarker build` (src/cli/commands/build.ts).
 *
 * Precision (see docs/tensorrt.md): TensorRT 11 builds strongly typed networks only, so an FP16 engine needs the
 * FP16 graph `<model>.fp16.onnx` that models/export.py writes beside `<model>.onnx`. Without it, TensorRT 11
 * builds FP32 (with a warning and precision 'fp32' reported). TensorRT 10 uses the FP16 graph the same way when it
 * exists, and otherwise builds the FP32 graph with the kFP16 builder flag.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ModelContract } from '../contract/types';
import { fromNative, LandmarkerError } from '../errors';
import type { NativeAddon, NativeBuildInfo, NativeGpuStatus } from '../native/addon';
import type { BuildProgress, Precision } from '../types';
import { engineFileStem, sha256, timingCacheName, type EngineKeyParts } from './cache-key';
import { getOrBuildEngine, type EngineResult } from './engine-cache';
import { onnxFixedBatch } from './onnx-input';
import { BuildProgressTracker } from './progress';
import { saveTimingCache } from './timing-cache';

export interface EngineSource {
  /** The ONNX file the engine is built from. */
  path: string;
  /** The precision the engine will have. */
  precision: Precision;
  typing: EngineKeyParts['typing'];
  /** One sentence for info.reason / the CLI. */
  note: string;
}

/** `m.onnx` -> `m.fp16.onnx`; null when the path already is an .fp16.onnx. */
export function fp16Path(modelPath: string): string | null {
  if (/\.fp16\.onnx$/i.test(modelPath)) return null;
  return modelPath.replace(/(\.onnx)?$/i, '.fp16.onnx');
}

export function chooseEngineSource(
  modelPath: string,
  precision: Precision,
  tensorrtMajor: number,
  exists: (p: string) => boolean = existsSync,
): EngineSource {
  if (precision === 'fp32') {
    return { path: modelPath, precision: 'fp32', typing: 'strongly-typed', note: `FP32 engine from ${modelPath}` };
  }
  const sibling = fp16Path(modelPath);
  if (sibling === null) {
    return { path: modelPath, precision: 'fp16', typing: 'strongly-typed', note: `FP16 engine from the FP16 graph ${modelPath}` };
  }
  if (exists(sibling)) {
    return { path: sibling, precision: 'fp16', typing: 'strongly-typed', note: `FP16 engine from the FP16 graph ${sibling}` };
  }
  if (tensorrtMajor < 11) {
    return {
      path: modelPath,
      precision: 'fp16',
      typing: 'fp16-flag',
      note: `FP16 engine from ${modelPath} with TensorRT ${tensorrtMajor}'s kFP16 builder flag (no ${basename(sibling)})`,
    };
  }
  return {
    path: modelPath,
    precision: 'fp32',
    typing: 'strongly-typed',
    note:
      `precision fp16 needs ${sibling} with TensorRT ${tensorrtMajor} (strongly typed networks only; ` +
      `models/export.py writes it); building an FP32 engine from ${modelPath} instead`,
  };
}

export interface PrepareOptions {
  modelPath: string;
  /** Only the input matters here: a landmark contract or the face detector's. */
  contract: Pick<ModelContract, 'input'>;
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
  opts: Pick<PrepareOptions, 'contract' | 'maxBatch' | 'optBatch'> & { fixedBatch?: number },
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
  addon: NativeAddon,
  opts: PrepareOptions,
  open: (engine: Uint8Array, maxBatch: number) => Promise<T>,
): Promise<PreparedEngine<T>> {
  const build = addon.buildInfo();
  const status = addon.gpuStatus();
  if (!status.cuda || !status.tensorrt || !addon.trtBuildEngine || build.tensorrtMajor === undefined) {
    throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT backend unavailable: ${status.reason}`);
  }
  const source = chooseEngineSource(opts.modelPath, opts.precision, build.tensorrtMajor);
  let onnx: Buffer;
  try {
    onnx = readFileSync(source.path);
  } catch (err) {
    throw new LandmarkerError('ERR_FILE_NOT_FOUND', `Cannot read ${source.path}: ${(err as Error).message}`, { cause: err });
  }
  // A model with a fixed batch (peppa-slim160: 1) gets a profile of exactly that batch.
  const fixedBatch = onnxFixedBatch(onnx, opts.contract.input.name);
  const maxBatch = fixedBatch ?? opts.maxBatch;
  const parts = keyParts(source, onnx, { ...opts, maxBatch, fixedBatch }, status, build);
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
            inputName: opts.contract.input.name,
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
