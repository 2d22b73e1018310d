/**
 * TensorRT backend: the whole pipeline on the GPU (native/gpu): one upload of the raw frames, the preprocessing
 * kernel, the engine (enqueueV3), the decoding kernel, one download of the points. Engines come from the cache in
 * opts.cacheDir or are built on first use (src/tensorrt/engine.ts). probeTensorRt() says whether this machine can
 * run it and, if not, why (no GPU/driver, addon without CUDA/TensorRT, libnvinfer missing or of another major).
 */
import { checkContractAgainstModel } from '../contract/match';
import { readOnnxSummary } from '../contract/onnx-proto';
import { pipnetParams } from '../contract/pipnet';
import type { ModelContract } from '../contract/types';
import { fromNative, LandmarkerError } from '../errors';
import type { NativeAddon, NativeCrop, NativeFrame, NativeTrtRuntime, NativeTrtRuntimeConfig } from '../native/addon';
import { loadAddon } from '../native/loader';
import type { Precision, RuntimeInfo } from '../types';
import { prepareEngine } from '../tensorrt/engine';
import type { LandmarkPipeline, PipelineOptions, PipelineOutput } from './pipeline';

export interface TensorRtProbe {
  available: boolean;
  /** Why TensorRT is (not) usable here, in one sentence. */
  reason: string;
  versions: Record<string, string>;
}

/** The probe for a given addon (exported for tests with a fake addon). */
export function probeAddon(addon: NativeAddon): TensorRtProbe {
  const build = addon.buildInfo();
  const versions: Record<string, string> = { addon: build.version, addonVariant: build.variant };
  let status;
  try {
    status = addon.gpuStatus();
  } catch (err) {
    return { available: false, reason: `GPU status check failed: ${(err as Error).message}`, versions };
  }
  if (status.cudaRuntime) versions.cuda = status.cudaRuntime;
  if (status.cudaDriver) versions.cudaDriver = status.cudaDriver;
  if (status.tensorrtVersion) versions.tensorrt = status.tensorrtVersion;
  if (status.tensorrtHeaders) versions.tensorrtHeaders = status.tensorrtHeaders;
  if (status.device) versions.gpu = `${status.device.name} (sm ${status.device.computeCapability})`;
  const available = Boolean(status.cuda && status.tensorrt && typeof addon.trtBuildEngine === 'function');
  let reason = status.reason;
  // Both missing: say both, so nobody installs a driver only to learn TensorRT is missing too.
  if (!status.cuda && status.tensorrtReason && !status.tensorrt && !status.tensorrtReason.startsWith('TensorRT ')) {
    reason += `; TensorRT: ${status.tensorrtReason}`;
  }
  if (status.cuda && status.tensorrt && !addon.trtBuildEngine) reason = 'addon exports no TensorRT bindings (stale build?)';
  return { available, reason, versions };
}

export function probeTensorRt(): TensorRtProbe {
  let addon: NativeAddon;
  try {
    addon = loadAddon();
  } catch (err) {
    return { available: false, reason: `native addon not loaded: ${(err as Error).message.split('\n')[0]}`, versions: {} };
  }
  return probeAddon(addon);
}

/** The runtime's view of the contract. */
export function runtimeConfig(contract: ModelContract, maxBatch: number, cudaGraph: boolean): NativeTrtRuntimeConfig {
  const i = contract.input;
  const base: NativeTrtRuntimeConfig = {
    inputName: i.name,
    maxBatch,
    width: i.width,
    height: i.height,
    bgr: i.colorOrder === 'bgr',
    scale: i.scale,
    mean: i.mean,
    std: i.std,
    landmarks: contract.landmarks,
    architecture: contract.architecture,
    cudaGraph,
  };
  if (contract.pipnet) {
    const p = pipnetParams(contract);
    return {
      ...base,
      heads: contract.pipnet.outputs,
      neighbors: p.neighbors,
      maxLen: p.maxLen,
      reverseIndex1: p.reverseIndex1,
      reverseIndex2: p.reverseIndex2,
    };
  }
  return { ...base, output: contract.regression!.output, pixel: contract.regression!.layout === 'pixel' };
}

export class TensorRtPipeline implements LandmarkPipeline {
  readonly backend = 'tensorrt' as const;
  private tail: Promise<unknown> = Promise.resolve();
  private disposed: Promise<void> | null = null;

  constructor(
    private readonly runtime: NativeTrtRuntime,
    readonly precision: Precision,
    readonly versions: Record<string, string>,
    readonly maxBatch: number,
    /** Where the engine came from and how it was made (appended to info.reason by the facade). */
    readonly note: string,
  ) {}

  /** Runs queue one after another (one execution context, one stream); the native side also serialises. */
  run(frames: NativeFrame[], crops: NativeCrop[]): Promise<PipelineOutput> {
    if (this.disposed) return Promise.reject(new LandmarkerError('ERR_DISPOSED', 'The TensorRT pipeline was disposed'));
    // Runs accepted before dispose() still complete: dispose waits for them.
    const p = this.tail.then(async () => {
      try {
        const r = await this.runtime.run(frames, crops);
        return { points: r.points, scores: r.scores, timings: { ...r.timings } };
      } catch (err) {
        throw fromNative(err, 'ERR_INFERENCE');
      }
    });
    this.tail = p.catch(() => undefined);
    return p;
  }

  runtimeInfo(): RuntimeInfo {
    const i = this.runtime.info();
    return { ...(i.cudaGraph !== undefined ? { cudaGraph: i.cudaGraph } : {}), ...(i.deviceBytes !== undefined ? { deviceBytes: i.deviceBytes } : {}) };
  }

  dispose(): Promise<void> {
    if (!this.disposed) {
      const pending = this.tail;
      this.disposed = (async () => {
        await pending;
        await this.runtime.close();
      })();
    }
    return this.disposed;
  }
}

export async function createTensorRtPipeline(opts: PipelineOptions): Promise<TensorRtPipeline> {
  let addon: NativeAddon;
  try {
    addon = loadAddon();
  } catch (err) {
    throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT backend unavailable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const probe = probeAddon(addon);
  if (!probe.available || !addon.trtCreateRuntime) {
    throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT backend unavailable: ${probe.reason}`);
  }
  // The same contract check as ONNX Runtime's, from the graph's declared inputs/outputs, before any engine work.
  const onnx = readOnnxSummary(opts.modelPath);
  checkContractAgainstModel(opts.contract, opts.modelPath, onnx.inputs, onnx.outputs);
  const create = addon.trtCreateRuntime.bind(addon);
  const cudaGraph = process.env.TRT_LANDMARKER_CUDA_GRAPH === '1';
  const prepared = await prepareEngine(addon, opts, async (engine, maxBatch) => {
    try {
      return await create(engine, runtimeConfig(opts.contract, maxBatch, cudaGraph));
    } catch (err) {
      throw fromNative(err, 'ERR_TENSORRT');
    }
  });
  const how = prepared.built
    ? `built ${prepared.path} in ${prepared.buildSeconds?.toFixed(1)} s`
    : `engine from cache ${prepared.path}`;
  const batch = prepared.maxBatch < opts.maxBatch ? `; maxBatch ${prepared.maxBatch} (the model's fixed batch)` : '';
  return new TensorRtPipeline(
    prepared.value,
    prepared.source.precision,
    probe.versions,
    prepared.maxBatch,
    `${prepared.source.note}; ${how}${batch}`,
  );
}
