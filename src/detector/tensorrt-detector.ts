/**
 * The face detector on TensorRT: the detector's ONNX becomes an FP16 engine through the landmark models' engine
 * cache (src/tensorrt/engine.ts: keyed on the ONNX's sha256, the GPU and TensorRT; built the first time it is
 * needed), and the native runtime's detector mode (native/gpu/trt_runtime_detector.cc) samples the whole image into
 * the engine input with the same CUDA preprocessing kernel as the landmark models, downloads the raw scores and
 * boxes and decodes them on the host with the CPU reference (priors, threshold, NMS), as the ONNX Runtime runner
 * (face-detector.ts) does. Same DetectorRunner interface; chosen by the landmarker's backend (slot.ts). The model
 * arrives opened (src/model/open.ts: read once, its contract checked against the graph, batch 1 or dynamic).
 */
import type { DetectorContract } from '../contract/detector';
import { preprocessParams } from '../contract/native-params';
import { fromNative, LandmarkerError } from '../errors';
import type { DetectorModel } from '../model/open';
import type { NativeFrame, NativeTrtDetectorConfig, NativeTrtDetectorRuntime } from '../native/addon';
import { probeTensorRt } from '../backends/tensorrt';
import { prepareEngine, type TensorRtGpu } from '../tensorrt/engine';
import type { BuildProgress, Precision } from '../types';
import { detectorWindow, type DetectedBox, type DetectorRunner, type DetectorRunOptions, type DetectorTimings } from './face-detector';
import { detectorPriors, toDetectedBoxes } from './ssd';

export interface TensorRtDetectorOptions {
  /** The GPU the landmarker probed (src/backends/select.ts); probed here when absent. */
  gpu?: TensorRtGpu;
  /** The engine cache (the landmarker's cacheDir). */
  cacheDir: string;
  onProgress?: (p: BuildProgress) => void;
  warn?: (message: string) => void;
}

/** The runtime's view of the detector contract (native/gpu/trt_runtime_binding.cc, ReadDetectorConfig). */
export function detectorRuntimeConfig(contract: DetectorContract, priors: Float32Array, maxBatch: number): NativeTrtDetectorConfig {
  return {
    ...preprocessParams(contract.input),
    inputName: contract.input.name,
    maxBatch,
    architecture: 'detector',
    scores: contract.outputs.scores,
    boxes: contract.outputs.boxes,
    priors,
    scoreIndex: 1,
    centerVariance: contract.variances[0],
    sizeVariance: contract.variances[1],
    candidates: contract.nms.candidates,
    iouThreshold: contract.nms.iouThreshold,
  };
}

export class TensorRtDetector implements DetectorRunner {
  /** Runs queue here, one after another (one execution context, one stream), rather than each holding a libuv
   * worker thread blocked on the native runtime's mutex (as the TensorRT landmark pipeline does). */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly runtime: NativeTrtDetectorRuntime,
    readonly contract: DetectorContract,
    readonly modelPath: string,
    readonly precision: Precision,
    /** Where the engine came from (built or cached, and from which graph). */
    readonly note: string,
  ) {}

  /** Loads the cached engine of an opened detector model or builds it. Coded errors naming the file. */
  static async open(model: DetectorModel, opts: TensorRtDetectorOptions): Promise<TensorRtDetector> {
    let gpu = opts.gpu;
    if (!gpu) {
      const probe = probeTensorRt();
      if (!probe.gpu) throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT face detector unavailable: ${probe.reason}`);
      gpu = probe.gpu;
    }
    const contract = model.contract;
    const priors = detectorPriors(gpu.addon, contract);
    const create = gpu.addon.trtCreateRuntime.bind(gpu.addon);
    // One image per run: a profile of batch 1 (UltraFace's input is fixed at 1 anyway).
    const prepared = await prepareEngine(gpu, { model, precision: 'fp16', maxBatch: 1, cacheDir: opts.cacheDir, onProgress: opts.onProgress, warn: opts.warn }, async (engine, maxBatch) => {
      try {
        return (await create(engine, detectorRuntimeConfig(contract, priors, maxBatch))) as NativeTrtDetectorRuntime;
      } catch (err) {
        throw fromNative(err, 'ERR_TENSORRT');
      }
    });
    const how = prepared.built ? `built ${prepared.path} in ${prepared.buildSeconds?.toFixed(1)} s` : `engine from cache ${prepared.path}`;
    return new TensorRtDetector(prepared.value, contract, model.path, prepared.source.precision, `${prepared.source.note}; ${how}`);
  }

  /** Faces in one decoded frame, best score first. */
  async detect(frame: NativeFrame, o: DetectorRunOptions): Promise<{ faces: DetectedBox[]; timings: DetectorTimings }> {
    const { width: W, height: H } = this.contract.input;
    const window = detectorWindow(this.contract.resize, W, H, frame.width, frame.height);
    const run = this.tail.then(() => this.runtime.detect(frame, window, { minScore: o.minScore, minSize: o.minFaceSize, maxDetections: o.maxFaces }));
    this.tail = run.catch(() => undefined);
    let r;
    try {
      r = await run;
    } catch (err) {
      throw fromNative(err, 'ERR_INFERENCE');
    }
    return { faces: toDetectedBoxes(r.boxes, r.scores), timings: { ...r.timings } };
  }

  /** Called once by the facade when no detect() is in flight; frees the engine and its GPU buffers. */
  async close(): Promise<void> {
    await this.tail;
    await this.runtime.close();
  }
}
