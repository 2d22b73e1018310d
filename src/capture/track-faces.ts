/**
 * The live loop for every face in the frame: frames from ffmpeg -> faces with stable ids (src/capture/face-tracker.ts),
 * each smoothed by its own One-Euro filter. Frame handling (latest frame wins, ending, abort) is track()'s
 * (src/capture/track.ts); this loop differs in what it runs per frame.
 */
import { performance } from 'node:perf_hooks';
import { outOfRange } from '../errors';
import type { CaptureSourceSpec } from './ffmpeg-args';
import { FfmpegSource } from './ffmpeg-source';
import { DEFAULT_FACE_TRACKING, MultiFaceTracker, type FaceFinder, type FaceTrackingOptions, type TrackedFace } from './face-tracker';
import { OneEuroFilter } from './one-euro';
import { frameLoop, type FrameFigures } from './frame-loop';
import { checkOptions, type TrackOptions } from './track';
import { trackingOptions } from './tracker';

export interface FaceTrackOptions extends Omit<TrackOptions, 'box'> {
  /** Detector cadence and limits (detectEvery default 10, maxFaces 10, minIou 0.3, minScore: the detector's). */
  faces?: Partial<FaceTrackingOptions>;
}

export interface FaceTrackResult extends FrameFigures {
  /** The faces of this frame, by id; `points` smoothed when smoothing is on. */
  faces: TrackedFace[];
  /** The detector ran on this frame. */
  detected: boolean;
  /** Milliseconds of detection and landmark inference for this frame (all faces). */
  workMs: number;
}

function faceOptions(o: Partial<FaceTrackingOptions> | undefined): FaceTrackingOptions {
  const r = { ...DEFAULT_FACE_TRACKING, ...(o ?? {}) };
  if (!Number.isInteger(r.detectEvery) || r.detectEvery < 1) throw outOfRange('faces.detectEvery', 'a positive integer', r.detectEvery);
  if (!Number.isInteger(r.maxFaces) || r.maxFaces < 1 || r.maxFaces > 1000) throw outOfRange('faces.maxFaces', 'a positive integer <= 1000', r.maxFaces);
  if (!(r.minIou > 0 && r.minIou <= 1)) throw outOfRange('faces.minIou', 'a number in (0, 1]', r.minIou);
  if (r.minScore !== undefined && !(r.minScore >= 0 && r.minScore <= 1)) throw outOfRange('faces.minScore', 'a number from 0 to 1', r.minScore);
  return r;
}

/** Every face of every frame of `source` (see the file comment); arguments are validated now. */
export function trackFaces(finder: FaceFinder, source: CaptureSourceSpec | FfmpegSource, options: FaceTrackOptions = {}): AsyncGenerator<FaceTrackResult, void, undefined> {
  checkOptions(options);
  const tracker = new MultiFaceTracker(finder, faceOptions(options.faces), trackingOptions(typeof options.tracking === 'object' ? options.tracking : {}));
  const src = source instanceof FfmpegSource ? source : new FfmpegSource(source);
  return run(tracker, src, options);
}

async function* run(tracker: MultiFaceTracker, src: FfmpegSource, options: FaceTrackOptions): AsyncGenerator<FaceTrackResult, void, undefined> {
  const filters = options.smoothing === false ? null : new Map<number, OneEuroFilter>();
  const smoothing = typeof options.smoothing === 'object' ? options.smoothing : {};
  yield* frameLoop(src, options, async (f, aborted) => {
    const t0 = performance.now();
    const { faces, detected } = await tracker.update(f.frame);
    const workMs = performance.now() - t0;
    if (aborted()) return null;
    for (const id of tracker.lostIds) filters?.delete(id);
    for (const face of faces) {
      if (!filters) continue;
      let filter = filters.get(face.id);
      if (!filter) filters.set(face.id, (filter = new OneEuroFilter(smoothing)));
      face.points = filter.filter(face.points, f.time / 1000);
    }
    return { faces, detected, workMs };
  });
}
