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
import { writeFileAtomic } from './atomic-write';
import { engineFileStem, sha256, timingCacheName, type EngineKeyParts } from './cache-key';
import { getOrBuildEngine, type EngineResult } from './engine-cache';
import { onnxFixedBatch } from './onnx-input';
import { BuildProgressTracker } from './progress';

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
  contract: ModelContract;
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

/** Key parts for `source` on this GPU / TensorRT / addon. */
export function keyParts(
  source: EngineSource,
  onnx: Uint8Array,
  opts: Pick<PrepareOptions, 'contract' | 'maxBatch' | 'optBatch'>,
  status: NativeGpuStatus,
  build: NativeBuildInfo,
): EngineKeyParts {
  const { input } = opts.contract;
  return {
    onnxSha256: sha256(onnx),
    precision: source.precision,
    typing: source.typing,
    profile: {
      input: input.name,
      minBatch: 1,
      optBatch: Math.min(opts.optBatch ?? 1, opts.maxBatch),
      maxBatch: opts.maxBatch,
      chw: [3, input.height, input.width],
    },
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
  const maxBatch = onnxFixedBatch(onnx, opts.contract.input.name) ?? opts.maxBatch;
  const parts = keyParts(source, onnx, { ...opts, maxBatch }, status, build);
  const stem = engineFileStem(basename(source.path).replace(/\.onnx$/i, ''), parts);
  const timingPath = `${opts.cacheDir}/${timingCacheName(parts.tensorrtVersion, parts.gpuName, parts.computeCapability)}`;
  const trtBuild = addon.trtBuildEngine.bind(addon);
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
            timingCache: readOptional(timingPath),
            cancel: opts.cancel,
          },
          (e) => tracker.handle(e),
        );
      } catch (err) {
        throw fromNative(err, 'ERR_TENSORRT');
      }
      buildLog = out.log;
      if (out.timingCache.length > 0) {
        try {
          writeFileAtomic(timingPath, out.timingCache);
        } catch (err) {
          (opts.warn ?? process.emitWarning)(`Could not save the TensorRT timing cache: ${(err as Error).message}`);
        }
      }
      opts.onProgress?.({ phase: 'done', fraction: 1 });
      return out.engine;
    },
  });
  return { ...result, source, parts, buildLog, maxBatch };
}
