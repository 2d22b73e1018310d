/** trt-landmarker: 68/70-point facial landmarks (TensorRT FP16 on NVIDIA GPUs, ONNX Runtime CPU fallback). */
export { TrtLandmarker } from './landmarker';
export { LandmarkerError } from './errors';
export type { ErrorCode } from './errors';
export type {
  Backend,
  BatchItem,
  Box,
  BuildProgress,
  CreateOptions,
  DetectOptions,
  ImageInput,
  LandmarkerInfo,
  LandmarkResult,
  PixelFormat,
  Precision,
  RawFrame,
  StageTimings,
} from './types';
export type { CropPolicy, InputSpec, ModelContract, PipnetSpec, RegressionSpec } from './contract/types';
export { validateContract } from './contract/validate';
export { computeCrop } from './input/crop';
export { drawOverlay } from './overlay';
export type { OverlayOptions, PointSet } from './overlay';
