/**
 * The built-in face detector: an SSD-style ONNX model (UltraFace RFB-320 by default) run through the same model
 * opening and preprocessing as the landmark models. The whole image is sampled into the detector input by the
 * addon's preprocessing (stretched or letterboxed: a crop window over the image, see detectorWindow), the session
 * runs in its own ONNX Runtime worker thread (src/backends/onnxruntime-thread.ts), and the native core generates the
 * priors once, decodes the boxes and runs NMS (native/core/detector_decode.cc).
 *
 * The model is opened (read once, its contract checked against the graph) by src/model/open.ts; this file runs it
 * on ONNX Runtime. With the TensorRT backend the detector runs on the GPU instead (tensorrt-detector.ts); both are
 * DetectorRunners, and src/detector/slot.ts opens the one of the landmarker's backend.
 */
import type { DetectorContract } from '../contract/detector';
import { preprocessParams } from '../contract/native-params';
import { fromNative, LandmarkerError } from '../errors';
import type { DetectorModel } from '../model/open';
import type { NativeAddon, NativeCrop, NativeFrame, NativePreprocessParams } from '../native/addon';
import { loadAddon } from '../native/loader';
import { OrtThread } from '../backends/onnxruntime-thread';
import { detectorPriors, toDetectedBoxes, type DetectedBox } from './ssd';

export type { DetectedBox };

export interface DetectorRunOptions {
  minScore: number;
  maxFaces: number;
  /** Larger box side in image pixels. */
  minFaceSize: number;
}

export interface DetectorTimings {
  preprocess: number;
  inference: number;
  postprocess: number;
}

/**
 * The window of the image the detector input is sampled from: the whole image ('stretch'), or the smallest window
 * of the input's aspect ratio that holds the image, centred, black around it ('letterbox').
 */
export function detectorWindow(resize: DetectorContract['resize'], inputWidth: number, inputHeight: number, width: number, height: number): NativeCrop {
  if (resize === 'stretch') return { x: 0, y: 0, w: width, h: height };
  const s = Math.max(width / inputWidth, height / inputHeight);
  const w = inputWidth * s;
  const h = inputHeight * s;
  return { x: (width - w) / 2, y: (height - h) / 2, w, h };
}

/**
 * A detector backend: faces in one decoded frame, best score first. Its owner (the facade, through the slot) calls
 * close() once, when no detect() is in flight.
 */
export interface DetectorRunner {
  readonly contract: DetectorContract;
  detect(frame: NativeFrame, o: DetectorRunOptions): Promise<{ faces: DetectedBox[]; timings: DetectorTimings }>;
  close(): Promise<void>;
}

/** The detector on ONNX Runtime: the addon's CPU preprocessing, the session in its worker thread, native decoding. */
export class FaceDetector implements DetectorRunner {
  private readonly prep: NativePreprocessParams;
  readonly contract: DetectorContract;
  readonly modelPath: string;

  private constructor(
    private readonly addon: NativeAddon,
    private readonly thread: OrtThread,
    model: DetectorModel,
    private readonly priors: Float32Array,
  ) {
    this.contract = model.contract;
    this.modelPath = model.path;
    this.prep = preprocessParams(model.contract.input);
  }

  /** Generates the priors and opens the session of an opened detector model. */
  static async open(model: DetectorModel, threads?: number): Promise<FaceDetector> {
    const addon = loadAddon();
    const priors = detectorPriors(addon, model.contract);
    const thread = await OrtThread.open(model.path, threads);
    return new FaceDetector(addon, thread, model, priors);
  }

  async detect(frame: NativeFrame, o: DetectorRunOptions): Promise<{ faces: DetectedBox[]; timings: DetectorTimings }> {
    const { width: W, height: H } = this.contract.input;
    const t0 = performance.now();
    const win = detectorWindow(this.contract.resize, W, H, frame.width, frame.height);
    let input: Float32Array;
    try {
      input = await this.addon.preprocess([frame], [win], this.prep);
    } catch (err) {
      throw fromNative(err);
    }
    const t1 = performance.now();
    const { scores: sName, boxes: bName } = this.contract.outputs;
    const r = await this.thread.run(this.contract.input.name, input, [1, 3, H, W], [sName, bName]);
    const t2 = performance.now();
    const scores = r.outputs.find((x) => x.name === sName)?.data;
    const boxes = r.outputs.find((x) => x.name === bName)?.data;
    if (!scores || !boxes) throw new LandmarkerError('ERR_INFERENCE', `The detector ${this.modelPath} did not return float32 "${sName}" and "${bName}"`);
    let d;
    try {
      d = this.addon.decodeDetections(scores, boxes, this.priors, win, {
        centerVariance: this.contract.variances[0],
        sizeVariance: this.contract.variances[1],
        scoreStride: scores.length / (this.priors.length / 4),
        scoreIndex: 1,
        minScore: o.minScore,
        minSize: o.minFaceSize,
        candidates: this.contract.nms.candidates,
        iouThreshold: this.contract.nms.iouThreshold,
        maxDetections: o.maxFaces,
      });
    } catch (err) {
      throw fromNative(err);
    }
    return { faces: toDetectedBoxes(d.boxes, d.scores), timings: { preprocess: t1 - t0, inference: t2 - t1, postprocess: performance.now() - t2 } };
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
