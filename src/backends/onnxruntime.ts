/**
 * ONNX Runtime (CPU) backend: the addon's CPU core preprocesses (libuv pool) -> one session.run for the whole batch
 * in this pipeline's own worker thread (onnxruntime-thread.ts; onnxruntime-node runs synchronously on its calling
 * thread, which must not be the JS thread) -> the addon decodes (PIPNet or regression, microseconds) and maps points
 * back to image pixels.
 * Precision: ONNX Runtime runs the graph it is given. With precision 'fp16' asked for explicitly, a sibling
 * `<model>.fp16.onnx` (as models/export.py writes) is used when it exists; info.reason says what ran.
 */
import { existsSync } from 'node:fs';
import { checkContractAgainstModel, type ModelIo } from '../contract/match';
import { readOnnxSummary, weightPrecision } from '../contract/onnx-proto';
import { pipnetParams } from '../contract/pipnet';
import type { ModelContract } from '../contract/types';
import { fromNative, LandmarkerError } from '../errors';
import type { NativeAddon, NativeCrop, NativeDecoded, NativeFrame, NativePipnetParams, NativePreprocessParams } from '../native/addon';
import { loadAddon } from '../native/loader';
import { DisposeGate } from '../util/dispose-gate';
import { findNonFinite } from '../util/finite';
import type { Precision } from '../types';
import { OrtThread } from './onnxruntime-thread';
import type { OrtWorkerOutput } from './onnxruntime-worker';
import type { LandmarkPipeline, PipelineOptions, PipelineOutput } from './pipeline';

// The package's version, read without loading ORT's native binding into this thread (only the workers run it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ORT_VERSION: string = (require('onnxruntime-node/package.json') as { version?: string }).version ?? 'unknown';

/** `m.onnx` -> `m.fp16.onnx` (null when the model is already an .fp16.onnx). */
export function fp16Sibling(modelPath: string): string | null {
  if (/\.fp16\.onnx$/i.test(modelPath)) return null;
  return modelPath.replace(/(\.onnx)?$/i, '.fp16.onnx');
}

/** Chooses the file to run and explains the choice. */
function chooseFile(modelPath: string, precision: Precision, explicit: boolean): { path: string; precision: Precision; note: string } {
  const own = weightPrecision(readOnnxSummary(modelPath));
  if (!explicit || precision === own) {
    return { path: modelPath, precision: own, note: `ONNX Runtime runs ${modelPath} as given (${own} weights)` };
  }
  const sibling = precision === 'fp16' ? fp16Sibling(modelPath) : null;
  if (sibling && existsSync(sibling)) {
    return { path: sibling, precision: weightPrecision(readOnnxSummary(sibling)), note: `precision fp16: ONNX Runtime runs the FP16 sibling ${sibling}` };
  }
  return {
    path: modelPath,
    precision: own,
    note:
      `precision ${precision} was requested but ONNX Runtime runs the graph it is given: ${modelPath} has ${own} weights` +
      (sibling ? ` and there is no ${sibling}` : ''),
  };
}

export class OnnxRuntimePipeline implements LandmarkPipeline {
  readonly backend = 'onnxruntime' as const;
  readonly versions = { onnxruntime: ORT_VERSION };
  private readonly gate = new DisposeGate('The ONNX Runtime pipeline was disposed');
  private readonly prep: NativePreprocessParams;
  private readonly pip?: NativePipnetParams;
  private readonly outputNames: string[];

  constructor(
    private readonly addon: NativeAddon,
    /** The session's thread (exposed for tests: thread.terminate() simulates a crash). */
    readonly thread: OrtThread,
    private readonly contract: ModelContract,
    private readonly io: ModelIo,
    readonly precision: Precision,
    readonly maxBatch: number,
    readonly note: string,
    readonly modelPath: string,
  ) {
    const i = contract.input;
    this.prep = { width: i.width, height: i.height, bgr: i.colorOrder === 'bgr', scale: i.scale, mean: i.mean, std: i.std };
    if (contract.pipnet) {
      this.pip = pipnetParams(contract);
      const o = contract.pipnet.outputs;
      this.outputNames = [o.cls, o.x, o.y, o.nbX, o.nbY];
    } else {
      this.outputNames = [contract.regression!.output];
    }
  }

  run(frames: NativeFrame[], crops: NativeCrop[]): Promise<PipelineOutput> {
    return this.gate.run(() => this.runInner(frames, crops));
  }

  private async runInner(frames: NativeFrame[], crops: NativeCrop[]): Promise<PipelineOutput> {
    const n = frames.length;
    const { width: W, height: H } = this.contract.input;
    const t0 = performance.now();
    let input: Float32Array;
    try {
      input = await this.addon.preprocess(frames, crops, this.prep);
    } catch (err) {
      throw fromNative(err);
    }
    // A model with a fixed batch (peppa-slim160: 1) gets zero-padded up to it; only the first n rows are decoded.
    const batch = this.io.fixedBatch ?? n;
    if (batch > n) {
      const padded = new Float32Array(batch * 3 * H * W);
      padded.set(input);
      input = padded;
    }
    const t1 = performance.now();
    // The input's buffer moves to the worker thread (no copy); the outputs' buffers move back.
    const r = await this.thread.run(this.contract.input.name, input, [batch, 3, H, W], this.outputNames);
    const t2 = performance.now();
    const outputs = new Map(r.outputs.map((o) => [o.name, o]));
    const rows = this.outputNames.map((name) => this.firstRows(outputs.get(name), name, batch, n));
    let decoded: NativeDecoded;
    try {
      if (this.pip) {
        const [cls, x, y, nbX, nbY] = rows;
        decoded = this.addon.decodePipnet({ cls, x, y, nbX, nbY }, n, crops, this.pip);
      } else {
        const L = this.contract.landmarks;
        decoded = this.addon.decodeRegression(rows[0], n, rows[0].length / n, crops, {
          landmarks: L,
          pixel: this.contract.regression!.layout === 'pixel',
          inputWidth: W,
          inputHeight: H,
        });
      }
    } catch (err) {
      throw fromNative(err);
    }
    const t3 = performance.now();
    // inference: the whole hop (post, session.run in the thread, reply); inferenceCore: session.run alone.
    return {
      points: decoded.points,
      scores: decoded.scores,
      timings: { preprocess: t1 - t0, inference: t2 - t1, postprocess: t3 - t2, inferenceCore: r.coreMs },
    };
  }

  /** The first n images' values of an output tensor, checked to be float32 and evenly divisible by the batch. */
  private firstRows(t: OrtWorkerOutput | undefined, name: string, batch: number, n: number): Float32Array {
    if (!t || t.type !== 'float32' || !(t.data instanceof Float32Array)) {
      throw new LandmarkerError('ERR_INFERENCE', `Output "${name}" of ${this.modelPath} is ${t ? t.type : 'missing'}, expected float32`);
    }
    const data = t.data as Float32Array;
    if (t.dims[0] !== batch || data.length % batch !== 0) {
      throw new LandmarkerError('ERR_INFERENCE', `Output "${name}" of ${this.modelPath} has shape [${t.dims.join(', ')}], expected batch ${batch}`);
    }
    const per = data.length / batch;
    if (this.contract.regression && per < 2 * this.contract.landmarks) {
      throw new LandmarkerError(
        'ERR_CONTRACT_MISMATCH',
        `contract.landmarks: contract says ${this.contract.landmarks} landmarks but output "${name}" of ${this.modelPath} has ${per} values per image`,
      );
    }
    const rows = batch === n ? data : data.subarray(0, n * per);
    // Regression reads the first 2 * landmarks values of a row; PIPNet reads every value of its heads.
    const bad = findNonFinite(rows, per, this.contract.regression ? 2 * this.contract.landmarks : per);
    if (bad) {
      throw new LandmarkerError(
        'ERR_INFERENCE',
        `Output "${name}" of ${this.modelPath} is not finite (${bad.value} at value ${bad.index} of image ${bad.image}): the model produced no usable landmarks`,
      );
    }
    return rows;
  }

  dispose(): Promise<void> {
    return this.gate.close(() => this.thread.close());
  }
}

/**
 * Creates the session (in its worker thread), checks the contract against its inputs/outputs and clamps maxBatch to a fixed batch size.
 * `explicitPrecision`: the caller asked for opts.precision (rather than the default).
 */
export async function createOnnxRuntimePipeline(opts: PipelineOptions, explicitPrecision = false): Promise<OnnxRuntimePipeline> {
  const addon = loadAddon();
  const chosen = chooseFile(opts.modelPath, opts.precision, explicitPrecision);
  const thread = await OrtThread.open(chosen.path, opts.threads);
  try {
    const io = checkContractAgainstModel(opts.contract, chosen.path, thread.inputs, thread.outputs);
    let note = chosen.note;
    let maxBatch = opts.maxBatch;
    if (io.fixedBatch !== undefined && io.fixedBatch < maxBatch) {
      maxBatch = io.fixedBatch;
      note += `; the model's input has a fixed batch of ${io.fixedBatch}, so maxBatch is ${maxBatch}`;
    }
    return new OnnxRuntimePipeline(addon, thread, opts.contract, io, chosen.precision, maxBatch, note, chosen.path);
  } catch (err) {
    await thread.close();
    throw err;
  }
}
