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
  DetectFacesOptions,
  DetectOptions,
  DetectorOption,
  Face,
  ImageInput,
  LandmarkerInfo,
  RuntimeInfo,
  LandmarkResult,
  PixelFormat,
  Precision,
  RawFrame,
  StageTimings,
} from './types';
export type { CropPolicy, DetectorBoxMap, InputSpec, ModelContract, PipnetSpec, RegressionSpec } from './contract/types';
export type { DetectorContract } from './contract/detector';
export { validateDetectorContract } from './contract/detector';
export { validateContract } from './contract/validate';
export { computeCrop } from './input/crop';
export { drawOverlay } from './overlay';
export type { OverlayOptions, PointSet } from './overlay';

/** NME evaluation (300W, FaceSynthetics, image + .pts folders): see docs/eval.md. */
export { runEvaluation, parseCrop, type RunEvaluationOptions, type EvaluationResult, type EvalRunSpec } from './eval/evaluate';
export { loadDataset, type Dataset, type EvalSample, type LoadOptions } from './eval/datasets';
export { readPts, readLdmks, parsePts, parseLdmks } from './eval/annotations';
export { pointErrors, normalizer, nme, nmeSquared, failureRate, auc, boundingBox, type NormKind } from './eval/metrics';

/** Live capture through ffmpeg: see docs/capture.md. */
export {
  track,
  trackFaces,
  readFrames,
  FfmpegSource,
  FrameParser,
  OneEuroFilter,
  oneEuroStep,
  PreviewServer,
  Recorder,
  type CaptureSource,
  type CaptureSourceSpec,
  type TrackOptions,
  type TrackResult,
  type FaceTrackOptions,
  type FaceTrackResult,
  type TrackedFace,
  type TrackingOptions,
  type OneEuroParams,
} from './capture';

/** Many GPU workers through a Redis job queue (BullMQ): see docs/scale.md. */
export {
  LandmarkQueue,
  LandmarkWorker,
  JobRun,
  modelIdentity,
  runProgress,
  progressText,
  MAX_IMAGE_BYTES,
  DEFAULT_KEEP_SECONDS,
  type LandmarkQueueOptions,
  type LandmarkWorkerOptions,
  type SubmitOptions,
  type QueueImage,
  type FailedJob,
  type ModelIdentity,
  type RunProgress,
  type ItemResult,
  type WorkerEntry,
} from './queue';
