/**
 * TensorRT backend: the whole pipeline on the GPU (native/gpu): one upload of the raw frames, the preprocessing
 * kernel, the engine (enqueueV3), the decoding kernel, one download of the points. Engines come from the cache in
 * opts.cacheDir or are built on first use (src/tensorrt/engine.ts). probeTensorRt() says whether this machine can
 * run it and, if not, why (no GPU/driver, addon without CUDA/TensorRT, libnvinfer missing or of another major);
 * it runs once per create() (src/backends/select.ts) and its result is passed down.
 */
import { preprocessParams } from '../contract/native-params';
import { pipnetParams } from '../contract/pipnet';
import type { ModelContract } from '../contract/types';
import { fromNative } from '../errors';
import type { LandmarkModel } from '../model/open';
import type { NativeAddon, NativeCrop, NativeFrame, NativeTrtRuntime, NativeTrtRuntimeConfig } from '../native/addon';
import { loadAddon } from '../native/loader';
import type { Precision, RuntimeInfo } from '../types';
import { prepareEngine, type TensorRtGpu } from '../tensorrt/engine';
import type { LandmarkPipeline, PipelineOptions, PipelineOutput } from './pipeline';

export interface TensorRtProbe {
  available: boolean;
  /** Why TensorRT is (not) usable here, in one sentence. */
  reason: string;
  versions: Record<string, string>;
  /** Present exactly when available: what the pipeline and the engine builder need. */
  gpu?: TensorRtGpu;
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
  const bindings = typeof addon.trtBuildEngine === 'function' && typeof addon.trtCreateRuntime === 'function' && build.tensorrtMajor !== undefined;
  const available = Boolean(status.cuda && status.tensorrt && bindings);
  let reason = status.reason;
  // Both missing: say both, so nobody installs a driver only to learn TensorRT is missing too.
  if (!status.cuda && status.tensorrtReason && !status.tensorrt && !status.tensorrtReason.startsWith('TensorRT ')) {
    reason += `; TensorRT: ${status.tensorrtReason}`;
  }
  if (status.cuda && status.tensorrt && !bindings) reason = 'addon exports no TensorRT bindings (stale build?)';
  if (!available) return { available, reason, versions };
  const gpu = { addon: addon as TensorRtGpu['addon'], status, build, tensorrtMajor: build.tensorrtMajor! };
  return { available, reason, versions, gpu };
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
  const base: NativeTrtRuntimeConfig = {
    ...preprocessParams(contract.input),
    inputName: contract.input.name,
    maxBatch,
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

  close(): Promise<void> {
    return this.runtime.close();
  }
}

/** The pipeline on the GPU the probe found (`probe.gpu`, present when TensorRT is available). */
export async function createTensorRtPipeline(model: LandmarkModel, opts: PipelineOptions, gpu: TensorRtGpu, versions: Record<string, string>): Promise<TensorRtPipeline> {
  const create = gpu.addon.trtCreateRuntime.bind(gpu.addon);
  const cudaGraph = process.env.TRT_LANDMARKER_CUDA_GRAPH === '1';
  const prepared = await prepareEngine(gpu, { ...opts, model }, async (engine, maxBatch) => {
    try {
      return await create(engine, runtimeConfig(model.contract, maxBatch, cudaGraph));
    } catch (err) {
      throw fromNative(err, 'ERR_TENSORRT');
    }
  });
  const how = prepared.built
    ? `built ${prepared.path} in ${prepared.buildSeconds?.toFixed(1)} s`
    : `engine from cache ${prepared.path}`;
  const batch = prepared.maxBatch < opts.maxBatch ? `; maxBatch ${prepared.maxBatch} (the model's fixed batch)` : '';
  return new TensorRtPipeline(prepared.value, prepared.source.precision, versions, prepared.maxBatch, `${prepared.source.note}; ${how}${batch}`);
}
