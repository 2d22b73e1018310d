/** Live capture: ffmpeg frames -> landmarks (track), smoothing, tracking, preview server, recorder. */
export { track, type FrameDetector, type TrackOptions, type TrackResult } from './track';
export { trackFaces, type FaceTrackOptions, type FaceTrackResult } from './track-faces';
export { MultiFaceTracker, DEFAULT_FACE_TRACKING, type FaceFinder, type FaceTrackingOptions, type TrackedFace } from './face-tracker';
export { FfmpegSource, readFrames, type CapturedFrame } from './ffmpeg-source';
export { resolveSource, type CaptureSource, type CaptureSourceSpec } from './ffmpeg-args';
export { FrameParser } from './frame-parser';
export { OneEuroFilter, oneEuroStep, oneEuroParams, DEFAULT_ONE_EURO, type OneEuroParams, type OneEuroState } from './one-euro';
export { landmarkBox, expandBox, lossReason, DEFAULT_TRACKING, type TrackingOptions, type LossReason } from './tracker';
export { annotate } from './annotate';
export { PreviewServer, type PreviewOptions, type PreviewFigures } from './preview-server';
export { Recorder, type RecorderOptions } from './recorder';
