/**
 * ONNX Runtime (CPU) backend: the addon's CPU core preprocesses (libuv pool) -> one session.run for the whole batch
 * in this pipeline's own worker thread (onnxruntime-thread.ts; onnxruntime-node runs synchronously on its calling
 * thread, which must not be the JS thread) -> the addon decodes (PIPNet or regression, microseconds) and maps points
 * back to image pixels.
 * Precision: ONNX Runtime runs the graph it is given. With precision 'fp16' asked for explicitly, a sibling
 * `<model>.fp16.onnx` (as models/export.py writes) is used when it exists (src/model/precision.ts); info.reason
 * says what ran.
 */
import type { ModelIo } from '../contract/match';
import { preprocessParams } from '../contract/native-params';
import { pipnetParams } from '../contract/pipnet';
import type { ModelContract } from '../contract/types';
import { fromNative, LandmarkerError } from '../errors';
import type { LandmarkModel } from '../model/open';
import type { NativeAddon, NativeCrop, NativeDecoded, NativeFrame, NativePipnetParams, NativePreprocessParams } from '../native/addon';
import { loadAddon } from '../native/loader';
import { findNonFinite } from '../util/finite';
import type { Precision } from '../types';
import { OrtThread } from './onnxruntime-thread';
import { ortVersion } from './ort-module';
import type { OrtWorkerOutput } from './onnxruntime-worker';
import type { LandmarkPipeline, PipelineOptions, PipelineOutput } from './pipeline';

// Read without loading ORT's native binding into this thread (only the workers run it).
export const ORT_VERSION: string = ortVersion();

export class OnnxRuntimePipeline implements LandmarkPipeline {
  readonly backend = 'onnxruntime' as const;
  readonly versions = { onnxruntime: ORT_VERSION };
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
    this.prep = preprocessParams(contract.input);
    if (contract.pipnet) {
      this.pip = pipnetParams(contract);
      const o = contract.pipnet.outputs;
      this.outputNames = [o.cls, o.x, o.y, o.nbX, o.nbY];
    } else {
      this.outputNames = [contract.regression!.output];
    }
  }

  async run(frames: NativeFrame[], crops: NativeCrop[]): Promise<PipelineOutput> {
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

  close(): Promise<void> {
    return this.thread.close();
  }
}

/**
 * Creates the session (in its worker thread) for the graph the precision policy picks (the model as given unless a
 * precision was asked for) and clamps maxBatch to the graph's fixed batch.
 */
export async function createOnnxRuntimePipeline(model: LandmarkModel, opts: PipelineOptions): Promise<OnnxRuntimePipeline> {
  const addon = loadAddon();
  const chosen = model.chooseGraph(opts.explicitPrecision ? opts.precision : 'as-given', { kind: 'onnxruntime' });
  const { io, path } = chosen.graph;
  let note = chosen.note;
  let maxBatch = opts.maxBatch;
  if (io.fixedBatch !== undefined && io.fixedBatch < maxBatch) {
    maxBatch = io.fixedBatch;
    note += `; the model's input has a fixed batch of ${io.fixedBatch}, so maxBatch is ${maxBatch}`;
  }
  const thread = await OrtThread.open(path, opts.threads);
  return new OnnxRuntimePipeline(addon, thread, model.contract, io, chosen.precision, maxBatch, note, path);
}
