/**
 * The face detector on TensorRT: the detector's ONNX becomes an FP16 engine through the landmark models' engine
 * cache (src/tensorrt/engine.ts: keyed on the ONNX's sha256, the GPU and TensorRT; built the first time it is
 * needed), and the native runtime's detector mode (native/gpu/trt_runtime_detector.cc) samples the whole image into
 * the engine input with the same CUDA preprocessing kernel as the landmark models, downloads the raw scores and
 * boxes and decodes them on the host with the CPU reference (priors, threshold, NMS), as the ONNX Runtime runner
 * (face-detector.ts) does. Same interface as that runner; chosen by the landmarker's backend (slot.ts).
 */
import { checkDetectorAgainstModel, type DetectorContract } from '../contract/detector';
import { assertModelFile } from '../contract/load';
import { readOnnxSummary } from '../contract/onnx-proto';
import { fromNative, LandmarkerError } from '../errors';
import type { NativeAddon, NativeFrame, NativeTrtDetectorConfig, NativeTrtDetectorRuntime } from '../native/addon';
import { loadAddon } from '../native/loader';
import { probeAddon } from '../backends/tensorrt';
import { prepareEngine } from '../tensorrt/engine';
import type { BuildProgress, Precision } from '../types';
import { DisposeGate } from '../util/dispose-gate';
import { detectorWindow, readDetectorContract, type DetectedBox, type DetectorRunOptions, type DetectorTimings } from './face-detector';
import { assertOneImageBatch, detectorPreprocess, detectorPriors, toDetectedBoxes } from './ssd';

export interface TensorRtDetectorOptions {
  /** The engine cache (the landmarker's cacheDir). */
  cacheDir: string;
  onProgress?: (p: BuildProgress) => void;
  warn?: (message: string) => void;
}

/** The runtime's view of the detector contract (native/gpu/trt_runtime_binding.cc, ReadDetectorConfig). */
export function detectorRuntimeConfig(contract: DetectorContract, priors: Float32Array, maxBatch: number): NativeTrtDetectorConfig {
  return {
    ...detectorPreprocess(contract),
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

export class TensorRtDetector {
  private readonly gate = new DisposeGate('The face detector was disposed');
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

  /** Checks the contract against the graph, then loads the cached engine or builds it. Coded errors naming the file. */
  static async open(modelPath: string, config: string | DetectorContract, opts: TensorRtDetectorOptions): Promise<TensorRtDetector> {
    const contract = readDetectorContract(config);
    assertModelFile(modelPath);
    let addon: NativeAddon;
    try {
      addon = loadAddon();
    } catch (err) {
      throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT face detector unavailable: ${(err as Error).message}`, { cause: err });
    }
    const probe = probeAddon(addon);
    if (!probe.available || !addon.trtCreateRuntime) {
      throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `TensorRT face detector unavailable: ${probe.reason}`);
    }
    const onnx = readOnnxSummary(modelPath);
    assertOneImageBatch(checkDetectorAgainstModel(contract, modelPath, onnx.inputs, onnx.outputs), modelPath);
    const priors = detectorPriors(addon, contract);
    const create = addon.trtCreateRuntime.bind(addon);
    // One image per run: a profile of batch 1 (UltraFace's input is fixed at 1 anyway).
    const prepared = await prepareEngine(addon, { modelPath, contract, precision: 'fp16', maxBatch: 1, cacheDir: opts.cacheDir, onProgress: opts.onProgress, warn: opts.warn }, async (engine, maxBatch) => {
      try {
        return await create(engine, detectorRuntimeConfig(contract, priors, maxBatch));
      } catch (err) {
        throw fromNative(err, 'ERR_TENSORRT');
      }
    });
    const how = prepared.built ? `built ${prepared.path} in ${prepared.buildSeconds?.toFixed(1)} s` : `engine from cache ${prepared.path}`;
    return new TensorRtDetector(prepared.value, contract, modelPath, prepared.source.precision, `${prepared.source.note}; ${how}`);
  }

  /** Faces in one decoded frame, best score first. */
  detect(frame: NativeFrame, o: DetectorRunOptions): Promise<{ faces: DetectedBox[]; timings: DetectorTimings }> {
    return this.gate.run(async () => {
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
    });
  }

  /** Idempotent; waits for a detection in flight, then frees the engine and its GPU buffers. */
  dispose(): Promise<void> {
    return this.gate.close(() => this.runtime.close());
  }
}
