/** Public types of the trt-landmarker API. */
import type { DetectorContract } from './contract/detector';
import type { ModelContract } from './contract/types';

export type Backend = 'auto' | 'tensorrt' | 'onnxruntime';
export type Precision = 'fp16' | 'fp32';
export type PixelFormat = 'rgb' | 'bgr' | 'rgba' | 'bgra' | 'gray';

/** A raw, tightly packed 8-bit frame (row stride = width x channels). */
export interface RawFrame {
  data: Uint8Array;
  width: number;
  height: number;
  format: PixelFormat;
}

/** A file path, an encoded image (JPEG/PNG/WebP...) or a raw frame. */
export type ImageInput = string | Buffer | RawFrame;

/** Face box [x, y, w, h] in input-image pixels. */
export type Box = [number, number, number, number];

export interface CreateOptions {
  /** Path of the ONNX model. Default: the shipped peppa-slim160 (68 points) with its contract. */
  model?: string;
  /** Default 'auto': TensorRT when the addon's GPU path and TensorRT load, else ONNX Runtime on the CPU. */
  backend?: Backend;
  /** Default 'fp16' (TensorRT); ONNX Runtime runs the graph it is given. */
  precision?: Precision;
  /** Largest batch detectBatch() accepts. Default 8. */
  maxBatch?: number;
  /** Where TensorRT engines and timing caches go. Default: $TRT_LANDMARKER_CACHE or ~/.cache/trt-landmarker. */
  cacheDir?: string;
  /** The model contract, or the path of a contract JSON; overrides the ONNX metadata and the sidecar. */
  config?: ModelContract | string;
  /** ONNX Runtime intra-op threads. Default: ONNX Runtime's own choice. */
  threads?: number;
  /** Engine-build progress (TensorRT), 0..1. */
  onProgress?: (progress: BuildProgress) => void;
  /** Face detector for detectFaces(). Default: the shipped UltraFace RFB-320. false: none. */
  detector?: DetectorOption;
}

/** A face detector: an SSD-style ONNX model and its contract (docs/detector.md); false for none. */
export type DetectorOption = false | { model: string; config?: string | DetectorContract };

export interface DetectFacesOptions {
  /** At most this many faces, best score first. Default 10. */
  maxFaces?: number;
  /** Detection score threshold 0..1. Default: the detector contract's (0.7 for UltraFace). */
  minScore?: number;
  /** Smallest face (larger side of the detector box) in image pixels. Default 0. */
  minFaceSize?: number;
}

/** One face found by detectFaces(). */
export interface Face {
  /** The detector's box [x, y, w, h] in image pixels. */
  box: Box;
  /** Detection score 0..1. */
  score: number;
  /** landmarks x (x, y) in image pixels. */
  points: Float32Array;
  /** Per-point scores where the model has them (PIPNet). */
  scores?: Float32Array;
  landmarks: number;
  /** The crop window fed to the landmark model (the detector box through the contract's detectorBox map). */
  crop: { x: number; y: number; w: number; h: number };
}

export interface BuildProgress {
  phase: string;
  fraction: number;
}

export interface DetectOptions {
  /**
   * Face box; cropped by the model's crop policy before inference. Without it the whole image is the model's input
   * (an image that is already a face crop); for photos use detectFaces().
   */
  box?: Box;
}

export interface BatchItem {
  input: ImageInput;
  box?: Box;
}

/** Milliseconds per stage. */
export interface StageTimings {
  decode: number;
  preprocess: number;
  inference: number;
  postprocess: number;
  total: number;
  /**
   * ONNX Runtime only: session.run alone, inside the backend's worker thread. `inference` also counts the two
   * message hops to and from that thread.
   */
  inferenceCore?: number;
}

export interface LandmarkResult {
  /** x,y pairs in input-image pixels (0-indexed), landmarks x 2 values. */
  points: Float32Array;
  /** Per-point scores where the model has them (PIPNet score-map peaks). */
  scores?: Float32Array;
  landmarks: number;
  /** Size of the input image. */
  width: number;
  height: number;
  /** The crop window that was fed to the model, in image pixels. */
  crop: { x: number; y: number; w: number; h: number };
  timings: StageTimings;
}

/** TrtLandmarker#runtimeInfo(): what changes while a landmarker runs (empty for ONNX Runtime). */
export interface RuntimeInfo {
  /**
   * TensorRT with TRT_LANDMARKER_CUDA_GRAPH=1: 'on' once a graph is captured, 'failed: <why>' when capture failed
   * (runs go on without graphs); 'off' otherwise.
   */
  cudaGraph?: string;
  /** GPU memory the runtime allocated (bytes). */
  deviceBytes?: number;
}

export interface LandmarkerInfo {
  backend: 'tensorrt' | 'onnxruntime';
  /** Why this backend was chosen (e.g. why TensorRT was not available under 'auto'). */
  reason: string;
  precision: Precision;
  architecture: ModelContract['architecture'];
  inputWidth: number;
  inputHeight: number;
  landmarks: number;
  maxBatch: number;
  model: string;
  /** Where the contract came from: 'metadata' | 'sidecar' | 'option'. */
  contractSource: 'metadata' | 'sidecar' | 'option';
  /** The face detector of detectFaces() (absent with detector: false); it runs on the landmark model's backend. */
  detector?: { model: string; backend: 'onnxruntime' | 'tensorrt'; inputWidth: number; inputHeight: number };
  versions: {
    node: string;
    addon: string;
    addonVariant: string;
    onnxruntime?: string;
    tensorrt?: string;
    cuda?: string;
  };
}
