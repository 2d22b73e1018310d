/**
 * A backend runs the whole landmark pipeline for a batch of decoded frames: preprocessing, the model, decoding.
 * ONNX Runtime (src/backends/onnxruntime.ts) preprocesses and decodes with the addon's CPU core; TensorRT
 * (src/backends/tensorrt.ts) does all three on the GPU. src/landmarker.ts picks one and owns it: it alone tracks
 * the work in flight and calls close() once, after that work has settled; a pipeline offers run and close.
 */
import type { NativeCrop, NativeFrame } from '../native/addon';
import type { BuildProgress, Precision, RuntimeInfo } from '../types';

export interface PipelineOutput {
  /** [batch * landmarks * 2] image-pixel x,y pairs. */
  points: Float32Array;
  /** [batch * landmarks] per-point scores (PIPNet), if the model has them. */
  scores?: Float32Array;
  /** Milliseconds for the whole batch. inferenceCore: the model run alone, where the backend can tell it apart. */
  timings: { preprocess: number; inference: number; postprocess: number; inferenceCore?: number };
}

export interface LandmarkPipeline {
  readonly backend: 'tensorrt' | 'onnxruntime';
  readonly precision: Precision;
  /** Library versions this backend uses, e.g. { onnxruntime: '1.30.0' } or { tensorrt: '10.16.0', cuda: '13.0' }. */
  readonly versions: Record<string, string>;
  /** The largest batch run() takes: the asked maxBatch after the model's and the backend's limits (a fixed batch). */
  readonly maxBatch: number;
  /** What runs and why (appended to info.reason by the facade): the graph chosen, the engine's origin, the batch. */
  readonly note: string;
  /** frames.length === crops.length, 1..maxBatch (validated by the caller). */
  run(frames: NativeFrame[], crops: NativeCrop[]): Promise<PipelineOutput>;
  /** Releases the backend; called once, when no run() is in flight. */
  close(): Promise<void>;
  /** State that changes while it runs (TensorRT: CUDA graph status, device memory). */
  runtimeInfo?(): RuntimeInfo;
}

export interface PipelineOptions {
  precision: Precision;
  /** The caller asked for `precision` (rather than the default): ONNX Runtime otherwise runs the model as given. */
  explicitPrecision: boolean;
  maxBatch: number;
  cacheDir: string;
  threads?: number;
  onProgress?: (p: BuildProgress) => void;
}
