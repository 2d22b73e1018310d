/**
 * Backend selection. 'auto' takes TensorRT when the addon's GPU path and TensorRT load and the engine can be
 * created, else ONNX Runtime on the CPU; the returned reason says which and why. 'tensorrt' never falls back.
 */
import { LandmarkerError } from '../errors';
import type { Backend } from '../types';
import { createOnnxRuntimePipeline } from './onnxruntime';
import type { LandmarkPipeline, PipelineOptions } from './pipeline';
import { createTensorRtPipeline, probeTensorRt } from './tensorrt';

export interface Selection {
  pipeline: LandmarkPipeline;
  /** Human-readable: which backend and why (ends up in info.reason). */
  reason: string;
  /** maxBatch after the backend's limits (a fixed-batch model clamps it). */
  maxBatch: number;
}

function withBatch(pipeline: LandmarkPipeline, fallback: number): number {
  const m = (pipeline as { maxBatch?: unknown }).maxBatch;
  return typeof m === 'number' ? m : fallback;
}

function note(pipeline: LandmarkPipeline): string {
  const n = (pipeline as { note?: unknown }).note;
  return typeof n === 'string' && n ? `; ${n}` : '';
}

async function onnxRuntime(opts: PipelineOptions, explicitPrecision: boolean, why: string): Promise<Selection> {
  const pipeline = await createOnnxRuntimePipeline(opts, explicitPrecision);
  return { pipeline, reason: `${why}${note(pipeline)}`, maxBatch: withBatch(pipeline, opts.maxBatch) };
}

export async function selectBackend(backend: Backend, opts: PipelineOptions, explicitPrecision: boolean): Promise<Selection> {
  if (backend === 'onnxruntime') return onnxRuntime(opts, explicitPrecision, 'ONNX Runtime (CPU) as requested');
  const probe = probeTensorRt();
  if (backend === 'tensorrt') {
    if (!probe.available) {
      throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT backend requested but unavailable: ${probe.reason}`);
    }
    const pipeline = await createTensorRtPipeline(opts);
    return { pipeline, reason: `TensorRT as requested (${probe.reason})${note(pipeline)}`, maxBatch: withBatch(pipeline, opts.maxBatch) };
  }
  if (!probe.available) {
    return onnxRuntime(opts, explicitPrecision, `auto: TensorRT unavailable (${probe.reason}); using ONNX Runtime on the CPU`);
  }
  try {
    const pipeline = await createTensorRtPipeline(opts);
    return { pipeline, reason: `auto: TensorRT available (${probe.reason})${note(pipeline)}`, maxBatch: withBatch(pipeline, opts.maxBatch) };
  } catch (err) {
    const e = err as Error & { code?: string };
    // Contract and model errors are the model's fault, not TensorRT's: ONNX Runtime would fail the same way.
    if (e.code === 'ERR_CONTRACT_MISMATCH' || e.code === 'ERR_CONTRACT_INVALID') throw err;
    return onnxRuntime(
      opts,
      explicitPrecision,
      `auto: TensorRT is available but creating its pipeline failed (${e.code ? `[${e.code}] ` : ''}${e.message}); using ONNX Runtime on the CPU`,
    );
  }
}
