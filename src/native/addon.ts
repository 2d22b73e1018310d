/**
 * The whole native interface, declared once. This is the only file that casts the addon's untyped export.
 * The addon trusts what it is given here (validated in TS) but still checks sizes for memory safety and throws
 * Errors with a string `code` (see src/errors.ts) instead of crashing.
 */

/** Pixel formats, numbered as native/frame_format.h numbers them. */
export const enum NativeFormat {
  RGB = 0,
  BGR = 1,
  RGBA = 2,
  BGRA = 3,
  GRAY = 4,
}

export interface NativeFrame {
  /** Tightly packed rows (stride = width * channels). */
  data: Uint8Array;
  width: number;
  height: number;
  format: NativeFormat;
}

/** Crop window in frame pixels (may extend outside the frame: outside is black). x, y = top-left. */
export interface NativeCrop {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface NativePreprocessParams {
  /** Model input size. */
  width: number;
  height: number;
  /** true: write channels in BGR order. */
  bgr: boolean;
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface NativePipnetParams {
  landmarks: number;
  neighbors: number;
  /** Score-map size. */
  gridWidth: number;
  gridHeight: number;
  /** PIPNet's reverse_index1/2 flattened: landmarks * maxLen entries each (see src/contract/pipnet.ts). */
  reverseIndex1: Int32Array;
  reverseIndex2: Int32Array;
  maxLen: number;
}

export interface NativeDecoded {
  /** [batch * landmarks * 2] frame-pixel x,y pairs. */
  points: Float32Array;
  /** [batch * landmarks] score-map peaks (PIPNet); absent for regression. */
  scores?: Float32Array;
}

export interface NativePriorParams {
  inputWidth: number;
  inputHeight: number;
  levels: Array<{ stride: number; minSizes: number[] }>;
  clip: boolean;
}

export interface NativeDetectParams {
  centerVariance: number;
  sizeVariance: number;
  /** Values per prior in the scores output, and the face class's column. */
  scoreStride: number;
  scoreIndex: number;
  minScore: number;
  /** Larger box side in image pixels. */
  minSize: number;
  candidates: number;
  iouThreshold: number;
  maxDetections: number;
}

export interface NativeDetections {
  /** [k * 4] x, y, w, h in image pixels, best score first. */
  boxes: Float32Array;
  scores: Float32Array;
}

export interface NativeBuildInfo {
  version: string;
  /** 'cpu' | 'cuda12' | 'cuda13' ... */
  variant: string;
  cuda: boolean;
  cudaVersion?: string;
  /** TensorRT major the TensorRT sources were compiled against, if they were. */
  tensorrtMajor?: number;
  compiler: string;
}

/** Whether the GPU path can run here, and why not (native/addon/gpu_register.h). */
export interface NativeGpuStatus {
  cuda: boolean;
  tensorrt: boolean;
  reason: string;
  /** GPU builds (native/gpu/gpu_register.cc) add: */
  cudaRuntime?: string;
  cudaDriver?: string;
  device?: { name: string; computeCapability: string; totalMemory: number };
  /** TensorRT headers the binary was compiled against ("10.16.0"), the loaded library and why it is (not) usable. */
  tensorrtHeaders?: string;
  tensorrtVersion?: string;
  tensorrtLibrary?: string;
  tensorrtReason?: string;
}

/** TensorRT engine build options (native/gpu/trt_build_binding.cc). */
export interface NativeTrtBuildOptions {
  inputName: string;
  maxBatch: number;
  optBatch?: number;
  /** TensorRT 10 weakly typed builds only: allow FP16 kernels (kFP16). */
  fp16: boolean;
  /** Precision follows the ONNX graph (always the case on TensorRT 11). */
  stronglyTyped: boolean;
  /** Let FP32 layers use TF32 (TensorRT's default on sm_80+). Default false: FP32 means FP32. */
  tf32?: boolean;
  timingCache?: Uint8Array;
  workspaceBytes?: number;
  optimizationLevel?: number;
  /** Set element 0 to non-zero to cancel the build at its next progress step. */
  cancel?: Int32Array;
}

/** IProgressMonitor / logger events, delivered on the JS thread. */
export interface NativeTrtBuildEvent {
  kind: 'start' | 'step' | 'finish' | 'log';
  phase?: string;
  parent?: string;
  steps?: number;
  step?: number;
  severity?: 'warning' | 'error';
  message?: string;
}

/** The runtime's preprocessing is the CPU core's (NativePreprocessParams), done on the GPU. */
export interface NativeTrtRuntimeConfig extends NativePreprocessParams {
  inputName: string;
  maxBatch: number;
  landmarks: number;
  architecture: 'pipnet' | 'regression';
  cudaGraph?: boolean;
  /** regression */
  output?: string;
  pixel?: boolean;
  /** pipnet */
  heads?: { cls: string; x: string; y: string; nbX: string; nbY: string };
  neighbors?: number;
  maxLen?: number;
  reverseIndex1?: Int32Array;
  reverseIndex2?: Int32Array;
}

/** A detector runtime (architecture 'detector'): the SSD's raw outputs are decoded by the native core on the host. */
export interface NativeTrtDetectorConfig extends NativePreprocessParams {
  inputName: string;
  maxBatch: number;
  architecture: 'detector';
  cudaGraph?: boolean;
  /** Output tensor names: scores [N, priors, classes], boxes [N, priors, 4]. */
  scores: string;
  boxes: string;
  /** generatePriors(): cx, cy, w, h per prior. */
  priors: Float32Array;
  scoreIndex: number;
  centerVariance: number;
  sizeVariance: number;
  candidates: number;
  iouThreshold: number;
}

/** A rectangle of whole pixels. */
export interface NativeRegion {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** decodeJpeg(): the whole image's size at that scale and RGB pixels per region (or of the whole image). */
export interface NativeJpegDecoded {
  scaledWidth: number;
  scaledHeight: number;
  images: Array<{ data: Buffer; width: number; height: number }>;
}

/** TrtRuntime#detect(): faces in image pixels, best score first (as decodeDetections). */
export interface NativeTrtDetectResult {
  boxes: Float32Array;
  scores: Float32Array;
  /** GPU milliseconds: upload + preprocess, enqueueV3; postprocess = download + host decoding. */
  timings: { preprocess: number; inference: number; postprocess: number };
  graph: boolean;
}

export interface NativeTrtRunResult {
  points: Float32Array;
  scores?: Float32Array;
  /** GPU milliseconds (cudaEvent): upload + preprocess, enqueueV3, decode + download (graph runs: see docs). */
  timings: { preprocess: number; inference: number; postprocess: number };
  graph: boolean;
}

export interface NativeTrtRuntime {
  run(frames: NativeFrame[], crops: NativeCrop[]): Promise<NativeTrtRunResult>;
  /** Frees the engine, context and buffers (waits for a run in progress). */
  close(): Promise<void>;
  info(): NativeTrtRuntimeInfo;
}

/** A runtime created with a NativeTrtDetectorConfig (its run() rejects with ERR_INTERNAL). */
export interface NativeTrtDetectorRuntime {
  /** One frame sampled through `window` (the detector window); GPU work on a worker thread. */
  detect(frame: NativeFrame, window: NativeCrop, options: { minScore: number; minSize: number; maxDetections: number }): Promise<NativeTrtDetectResult>;
  close(): Promise<void>;
  info(): NativeTrtRuntimeInfo;
}

/** TrtRuntime#info(): read without waiting for a run in progress. */
export interface NativeTrtRuntimeInfo {
  closed: boolean;
  maxBatch?: number;
  inputType?: string;
  deviceBytes?: number;
  /** 'off' | 'on' (a graph is captured) | 'failed: <why>' (capture failed; runs go on without graphs). */
  cudaGraph?: string;
}

export interface NativeAddon {
  buildInfo(): NativeBuildInfo;
  gpuStatus(): NativeGpuStatus;
  /**
   * Crop + bilinear resize + normalise a batch of frames into one NCHW float32 tensor
   * [frames.length, 3, height, width]. Runs on a worker thread.
   * Sampling: output pixel (ox, oy) reads the frame at sx = crop.x + (ox + 0.5) * crop.w / width - 0.5
   * (likewise y); a sample whose position lies outside [-0.5, W - 0.5] x [-0.5, H - 0.5] is black (0), otherwise the
   * four neighbours are clamped to the frame (same as cv2.resize INTER_LINEAR on the whole image).
   * Never throws synchronously: bad arguments reject with the coded error preprocessSync throws (docs/native.md).
   */
  preprocess(frames: NativeFrame[], crops: NativeCrop[], params: NativePreprocessParams): Promise<Float32Array>;
  /** Synchronous twin of preprocess for tests and tiny inputs. */
  preprocessSync(frames: NativeFrame[], crops: NativeCrop[], params: NativePreprocessParams): Float32Array;
  /**
   * PIPNet decoding for a batch, exactly as PIPNet's forward_pip + neighbour merge. Tensors are the five heads,
   * NCHW float32. Points are mapped to frame pixels through crops[b].
   */
  decodePipnet(
    heads: { cls: Float32Array; x: Float32Array; y: Float32Array; nbX: Float32Array; nbY: Float32Array },
    batch: number,
    crops: NativeCrop[],
    params: NativePipnetParams,
  ): NativeDecoded;
  /**
   * Regression decoding: output is [batch, stride] float32; the first 2 * landmarks values of each row are x,y
   * (normalised, or model-input pixels when `pixel` is true, divided by inputWidth/inputHeight).
   */
  decodeRegression(
    output: Float32Array,
    batch: number,
    rowStride: number,
    crops: NativeCrop[],
    params: { landmarks: number; pixel: boolean; inputWidth: number; inputHeight: number },
  ): NativeDecoded;
  /**
   * SSD prior boxes (native/core/detector_decode.h): (cx, cy, w, h) normalised to the input, 4 floats per prior,
   * level by level, row by row, column by column, then min size.
   */
  generatePriors(params: NativePriorParams): Float32Array;
  /**
   * One image's detector outputs -> face boxes in image pixels (through `crop`, the window the input was sampled
   * from): score threshold, box decoding against the priors, min size, the best `candidates`, greedy NMS, at most
   * `maxDetections`, best first.
   */
  decodeDetections(scores: Float32Array, boxes: Float32Array, priors: Float32Array, crop: NativeCrop, params: NativeDetectParams): NativeDetections;
  /**
   * An exclusive advisory lock (flock, non-blocking) on a descriptor opened with fs.openSync: true when taken,
   * false when another open file description holds it. Closing the descriptor (or the process dying) releases it.
   */
  tryLockFile(fd: number): boolean;
  /**
   * A JPEG decoded at 1 / `shrink` (libjpeg's DCT scaling) to RGB: the whole image, or each of `regions` (pixels of
   * the scaled image; they may overlap) in one pass over the rows they span, skipping the inverse DCT of the rows
   * above them and of the columns beside their union. The bytes are copied before the promise is returned.
   * Rejects ERR_IMAGE_DECODE (corrupt, truncated: a libjpeg warning is an error), ERR_OUT_OF_RANGE (a region
   * outside the image, over `maxPixels` at this scale), ERR_BACKEND_UNAVAILABLE (see jpegDecoder()).
   */
  decodeJpeg(bytes: Uint8Array, shrink: 1 | 2 | 4 | 8, regions: NativeRegion[] | null, maxPixels: number): Promise<NativeJpegDecoded>;
  /** Whether decodeJpeg can run (libjpeg-turbo is loaded at run time, never linked), and what it is or why not. */
  jpegDecoder(): { available: boolean; detail: string };
  unlockFile(fd: number): void;
  /** Present when the TensorRT sources were compiled in (buildInfo().tensorrtMajor set). Throw/reject coded errors. */
  trtBuildEngine?(
    onnx: Uint8Array,
    options: NativeTrtBuildOptions,
    onEvent?: (event: NativeTrtBuildEvent) => void,
  ): Promise<{ engine: Buffer; timingCache: Buffer; log: string[] }>;
  trtCreateRuntime?: {
    (plan: Uint8Array, config: NativeTrtRuntimeConfig): Promise<NativeTrtRuntime>;
    (plan: Uint8Array, config: NativeTrtDetectorConfig): Promise<NativeTrtDetectorRuntime>;
  };
  /** Timing cache `base` plus the entries of `extra` (TensorRT's ITimingCache::combine), serialized. */
  trtMergeTimingCaches?(base: Uint8Array, extra: Uint8Array): Promise<Buffer>;
}
