/**
 * The built-in face detector: an SSD-style ONNX model (UltraFace RFB-320 by default) run through the same model
 * opening and preprocessing as the landmark models. The whole image is sampled into the detector input by the
 * addon's preprocessing (stretched or letterboxed: a crop window over the image, see detectorWindow), the session
 * runs in its own ONNX Runtime worker thread (src/backends/onnxruntime-thread.ts), and the native core generates the
 * priors once, decodes the boxes and runs NMS (native/core/detector_decode.cc).
 *
 * This is the ONNX Runtime runner; with the TensorRT backend the detector runs on the GPU (tensorrt-detector.ts).
 */
import { readFileSync } from 'node:fs';
import { assertModelFile } from '../contract/load';
import { checkDetectorAgainstModel, validateDetectorContract, type DetectorContract } from '../contract/detector';
import { fromNative, LandmarkerError } from '../errors';
import type { NativeAddon, NativeCrop, NativeFrame, NativePreprocessParams } from '../native/addon';
import { loadAddon } from '../native/loader';
import { OrtThread } from '../backends/onnxruntime-thread';
import { DisposeGate } from '../util/dispose-gate';
import { assertOneImageBatch, detectorPreprocess, detectorPriors, toDetectedBoxes } from './ssd';

export interface DetectedBox {
  /** [x, y, w, h] in image pixels. */
  box: [number, number, number, number];
  score: number;
}

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

export function readDetectorContract(config: string | DetectorContract): DetectorContract {
  if (typeof config !== 'string') return validateDetectorContract(config, 'options.detector.config');
  let text: string;
  try {
    text = readFileSync(config, 'utf8');
  } catch (err) {
    throw new LandmarkerError('ERR_FILE_NOT_FOUND', `Detector contract not found: ${config} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new LandmarkerError('ERR_CONTRACT_INVALID', `Detector contract ${config} is not valid JSON: ${(err as Error).message}`);
  }
  return validateDetectorContract(raw, config);
}

export class FaceDetector {
  private readonly gate = new DisposeGate('The face detector was disposed');
  private readonly prep: NativePreprocessParams;

  private constructor(
    private readonly addon: NativeAddon,
    private readonly thread: OrtThread,
    readonly contract: DetectorContract,
    readonly modelPath: string,
    private readonly priors: Float32Array,
  ) {
    this.prep = detectorPreprocess(contract);
  }

  /** Loads the contract, opens the session and checks the contract against the graph (coded errors naming the file). */
  static async open(modelPath: string, config: string | DetectorContract, threads?: number): Promise<FaceDetector> {
    const contract = readDetectorContract(config);
    assertModelFile(modelPath);
    const addon = loadAddon();
    const thread = await OrtThread.open(modelPath, threads);
    try {
      assertOneImageBatch(checkDetectorAgainstModel(contract, modelPath, thread.inputs, thread.outputs), modelPath);
      return new FaceDetector(addon, thread, contract, modelPath, detectorPriors(addon, contract));
    } catch (err) {
      await thread.close();
      throw err;
    }
  }

  /** Faces in one decoded frame, best score first. */
  detect(frame: NativeFrame, o: DetectorRunOptions): Promise<{ faces: DetectedBox[]; timings: DetectorTimings }> {
    return this.gate.run(async () => {
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
      const faces = toDetectedBoxes(d.boxes, d.scores);
      return { faces, timings: { preprocess: t1 - t0, inference: t2 - t1, postprocess: performance.now() - t2 } };
    });
  }

  /** Idempotent; waits for a detection in flight. */
  dispose(): Promise<void> {
    return this.gate.close(() => this.thread.close());
  }
}
