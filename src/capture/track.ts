/**
 * The live loop: frames from ffmpeg -> landmarks, as an async iterator.
 *
 * Latest frame wins: a reader thread drains ffmpeg while inference runs (even when the backend blocks the JS
 * thread); a newer frame replaces the one waiting, and the replaced frame is counted as dropped (never queued), so
 * latency stays one inference deep however slow the model or the consumer is. Policy 'all' instead pauses ffmpeg's
 * output while a frame waits (every frame processed; for offline files).
 * Ending: the source's end (clean or ERR_CAPTURE), the consumer's break/return, `signal`, `maxFrames`, or a
 * detector error. In every case ffmpeg is killed and waited for before the iterator finishes.
 */
import { invalidType, invalidValue, outOfRange } from '../errors';
import type { Box, LandmarkResult, RawFrame } from '../types';
import { FfmpegSource } from './ffmpeg-source';
import type { CaptureSourceSpec } from './ffmpeg-args';
import { OneEuroFilter, type OneEuroParams } from './one-euro';
import { frameLoop, type FrameFigures } from './frame-loop';
import { expandBox, landmarkBox, lossReason, trackingOptions, type LossReason, type ResolvedTracking, type TrackingOptions } from './tracker';

/** What track() needs from a landmarker (TrtLandmarker satisfies it). */
export interface FrameDetector {
  detect(frame: RawFrame, options?: { box?: Box }): Promise<LandmarkResult>;
}

export interface TrackOptions {
  /** 'latest' (default): drop stale frames while busy. 'all': process every frame, slowing ffmpeg down instead. */
  policy?: 'latest' | 'all';
  /** Crop around the previous landmarks (default true), with optional loss thresholds. */
  tracking?: boolean | TrackingOptions;
  /** One-Euro smoothing of the points (default true), with optional parameters. */
  smoothing?: boolean | Partial<OneEuroParams>;
  /** Face box used when there is no track (first frame, after a loss). Default: the whole frame. */
  box?: Box;
  /** Stops the loop (the iterator then ends without error). */
  signal?: AbortSignal;
  /** Stop after this many results. */
  maxFrames?: number;
}

export interface TrackResult extends FrameFigures {
  /** The points, smoothed when smoothing is on (x,y pairs, frame pixels). */
  points: Float32Array;
  /** The detector's own result for this frame (unsmoothed points, scores, crop, timings). */
  raw: LandmarkResult;
  /** The face box given to the detector (null: the whole frame). */
  box: Box | null;
  /** The box came from the previous frame's landmarks. */
  tracked: boolean;
  /** Why the face counts as lost in this frame (the next frame falls back to the whole frame), or null. */
  lost: LossReason | null;
  /** Why the tracked crop failed in this frame, which was then searched again without the track (two inferences). */
  trackLoss: LossReason | null;
}

export function checkOptions(o: TrackOptions): void {
  if (typeof o !== 'object' || o === null) throw invalidType('options', 'object', o);
  if (o.policy !== undefined && o.policy !== 'latest' && o.policy !== 'all') throw invalidValue('policy', "'latest' or 'all'", o.policy);
  if (o.maxFrames !== undefined && !(Number.isSafeInteger(o.maxFrames) && o.maxFrames > 0)) {
    throw outOfRange('maxFrames', 'positive integer', o.maxFrames);
  }
  if (o.box !== undefined && !(Array.isArray(o.box) && o.box.length === 4 && o.box.every(Number.isFinite) && o.box[2] > 0 && o.box[3] > 0)) {
    throw outOfRange('box', '[x, y, w, h] with finite numbers and positive w, h', o.box);
  }
  for (const k of ['tracking', 'smoothing'] as const) {
    const v = o[k];
    if (v !== undefined && typeof v !== 'boolean' && (typeof v !== 'object' || v === null)) throw invalidType(k, 'boolean or object', v);
  }
}

/**
 * Landmarks for the frames of `source`, latest frame first. `source` may be a not yet started FfmpegSource
 * (track() then owns and stops it), a source description, or a file path / URL. Arguments are validated now;
 * ffmpeg starts on the first next().
 */
export function track(
  detector: FrameDetector,
  source: CaptureSourceSpec | FfmpegSource,
  options: TrackOptions = {},
): AsyncGenerator<TrackResult, void, undefined> {
  if (typeof detector !== 'object' || detector === null || typeof detector.detect !== 'function') {
    throw invalidType('detector', 'object with a detect() method', detector);
  }
  checkOptions(options);
  const src = source instanceof FfmpegSource ? source : new FfmpegSource(source);
  const tracking = trackingOptions(typeof options.tracking === 'object' ? options.tracking : {});
  const filter = options.smoothing === false ? null : new OneEuroFilter(typeof options.smoothing === 'object' ? options.smoothing : {});
  return run(detector, src, options, tracking, filter);
}

async function* run(
  detector: FrameDetector,
  src: FfmpegSource,
  options: TrackOptions,
  tracking: ResolvedTracking,
  filter: OneEuroFilter | null,
): AsyncGenerator<TrackResult, void, undefined> {
  const trackingOn = options.tracking !== false;
  const fallback: Box | null = options.box ? [...options.box] : null;
  let trackBox: Box | null = null;
  let previous: Box | null = null;
  let previousTracked = false;
  yield* frameLoop(src, options, async (f, aborted) => {
    const { frame } = f;
    let box = trackingOn && trackBox ? trackBox : fallback;
    let tracked = trackingOn && trackBox !== null;
    let raw = await detector.detect(frame, box ? { box } : {});
    let lost: LossReason | null = null;
    let trackLoss: LossReason | null = null;
    if (trackingOn) {
      let lb = landmarkBox(raw.points);
      // Jumps are judged only against a tracked result: the first tracked frame after a search may still move
      // a lot as the crop settles onto the face.
      lost = lossReason(lb, tracked && previousTracked ? previous : null, raw.scores, frame, tracking);
      if (lost && tracked) {
        // The track broke: look again in this frame where a face is expected without a track.
        trackLoss = lost;
        box = fallback;
        tracked = false;
        raw = await detector.detect(frame, box ? { box } : {});
        lb = landmarkBox(raw.points);
        lost = lossReason(lb, null, raw.scores, frame, tracking);
      }
      trackBox = lost ? null : expandBox(lb, tracking.expand);
      previous = lost ? null : lb;
      previousTracked = tracked && !lost;
      if (!tracked || lost) filter?.reset();
    }
    if (aborted()) return null;
    const points = filter && !lost ? filter.filter(raw.points, f.time / 1000) : raw.points;
    return { points, raw, box: box ? ([...box] as Box) : null, tracked, lost, trackLoss };
  });
}
