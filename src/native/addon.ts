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
}
