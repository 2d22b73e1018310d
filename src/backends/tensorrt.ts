/**
 * TensorRT backend: probe (can this machine run it, and if not, why) and the pipeline factory used by
 * src/backends/select.ts. The heavy lifting (engine build, CUDA kernels, enqueue) is in native/gpu; this file only
 * asks the addon what it can do and turns its answers into reasons and coded errors.
 */
import { LandmarkerError } from '../errors';
import type { NativeAddon } from '../native/addon';
import type { LandmarkPipeline, PipelineOptions } from './pipeline';

export interface TensorRtProbe {
  available: boolean;
  /** Why TensorRT is (not) usable here, in one sentence. */
  reason: string;
  versions: Record<string, string>;
}

/** Loads the addon through the shared loader; throws its aggregated error when no binary loads. */
function loadAddon(): NativeAddon {
  // Plain require: the loader module is owned by the native layer and resolved at run time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loader = require('../native/loader') as Record<string, unknown>;
  const fn = (loader.loadAddon ?? loader.default) as (() => NativeAddon) | undefined;
  if (typeof fn !== 'function') throw new Error('src/native/loader does not export loadAddon()');
  return fn();
}

export function probeTensorRt(): TensorRtProbe {
  let addon: NativeAddon;
  try {
    addon = loadAddon();
  } catch (err) {
    return { available: false, reason: `native addon not loaded: ${(err as Error).message}`, versions: {} };
  }
  const gpu = (addon as unknown as { gpuStatus?: () => { cuda: boolean; tensorrt: boolean; reason: string } }).gpuStatus;
  if (typeof gpu !== 'function') {
    return { available: false, reason: 'native addon was built without the GPU path (no gpuStatus export)', versions: {} };
  }
  try {
    const s = gpu();
    return { available: Boolean(s.cuda && s.tensorrt), reason: s.reason, versions: {} };
  } catch (err) {
    return { available: false, reason: `GPU status check failed: ${(err as Error).message}`, versions: {} };
  }
}

export async function createTensorRtPipeline(opts: PipelineOptions): Promise<LandmarkPipeline> {
  const probe = probeTensorRt();
  if (!probe.available) {
    throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT backend unavailable: ${probe.reason}`);
  }
  throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT pipeline for ${opts.modelPath} is not implemented yet`);
}
