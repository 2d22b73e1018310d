/**
 * Backend selection. 'auto' takes TensorRT when the addon's GPU path and TensorRT load and the engine can be
 * created, else ONNX Runtime on the CPU; the returned reason says which and why. 'tensorrt' never falls back.
 * TensorRT is probed once, here, and the probe's result is what the TensorRT pipeline runs on.
 */
import { LandmarkerError } from '../errors';
import type { LandmarkModel } from '../model/open';
import type { TensorRtGpu } from '../tensorrt/engine';
import type { Backend } from '../types';
import { createOnnxRuntimePipeline } from './onnxruntime';
import type { LandmarkPipeline, PipelineOptions } from './pipeline';
import { createTensorRtPipeline, probeTensorRt } from './tensorrt';

export interface Selection {
  pipeline: LandmarkPipeline;
  /** Human-readable: which backend and why (ends up in info.reason). */
  reason: string;
  /** The probed GPU, when the pipeline runs on TensorRT (the face detector runs on it too). */
  gpu?: TensorRtGpu;
}

const note = (pipeline: LandmarkPipeline) => (pipeline.note ? `; ${pipeline.note}` : '');

async function onnxRuntime(model: LandmarkModel, opts: PipelineOptions, why: string): Promise<Selection> {
  const pipeline = await createOnnxRuntimePipeline(model, opts);
  return { pipeline, reason: `${why}${note(pipeline)}` };
}

export async function selectBackend(backend: Backend, model: LandmarkModel, opts: PipelineOptions): Promise<Selection> {
  if (backend === 'onnxruntime') return onnxRuntime(model, opts, 'ONNX Runtime (CPU) as requested');
  const probe = probeTensorRt();
  if (!probe.gpu) {
    if (backend === 'tensorrt') throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT backend requested but unavailable: ${probe.reason}`);
    return onnxRuntime(model, opts, `auto: TensorRT unavailable (${probe.reason}); using ONNX Runtime on the CPU`);
  }
  if (backend === 'tensorrt') {
    const pipeline = await createTensorRtPipeline(model, opts, probe.gpu, probe.versions);
    return { pipeline, reason: `TensorRT as requested (${probe.reason})${note(pipeline)}`, gpu: probe.gpu };
  }
  try {
    const pipeline = await createTensorRtPipeline(model, opts, probe.gpu, probe.versions);
    return { pipeline, reason: `auto: TensorRT available (${probe.reason})${note(pipeline)}`, gpu: probe.gpu };
  } catch (err) {
    const e = err as Error & { code?: string };
    // Contract and model errors are the model's fault, not TensorRT's: ONNX Runtime would fail the same way.
    if (e.code === 'ERR_CONTRACT_MISMATCH' || e.code === 'ERR_CONTRACT_INVALID') throw err;
    return onnxRuntime(
      model,
      opts,
      `auto: TensorRT is available but creating its pipeline failed (${e.code ? `[${e.code}] ` : ''}${e.message}); using ONNX Runtime on the CPU`,
    );
  }
}
