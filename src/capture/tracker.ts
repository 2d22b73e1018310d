/**
 * Where to look in the next frame, and whether the face was lost. Pure functions.
 *
 * While tracking, the next frame is cropped around the previous landmarks' bounding box (scaled by `expand`;
 * the model's own crop policy then applies on top, as for any face box). The face counts as lost when the
 * points' scores are low (models with scores), when the landmark box jumps or changes scale too much between
 * two processed frames, or when the landmark box is degenerate; the tracker then falls back to the whole frame
 * (or the initial box).
 */
import { invalidType, outOfRange } from '../errors';
import type { Box } from '../types';

export interface TrackingOptions {
  /** Scale applied to the landmark bounding box to get the next face box. Default 1 (the model's crop policy adds its margin). */
  expand?: number;
  /** Mean point score below which the face is lost (only for models with scores). Default 0.2. */
  minScore?: number;
  /** Largest move of the landmark box centre between processed frames, as a fraction of the box size. Default 0.5. */
  maxJump?: number;
  /** Largest change of the landmark box size between processed frames, as a factor. Default 1.5. */
  maxScaleChange?: number;
}

export type ResolvedTracking = Required<TrackingOptions>;

export const DEFAULT_TRACKING: Readonly<ResolvedTracking> = Object.freeze({ expand: 1, minScore: 0.2, maxJump: 0.5, maxScaleChange: 1.5 });

export type LossReason = 'score' | 'jump' | 'scale' | 'degenerate';

export function trackingOptions(o: TrackingOptions = {}): ResolvedTracking {
  const out = { ...DEFAULT_TRACKING, ...o };
  const check = (name: keyof ResolvedTracking, ok: (v: number) => boolean, expected: string) => {
    const v = out[name];
    if (typeof v !== 'number') throw invalidType(`tracking.${name}`, expected, v);
    if (!ok(v)) throw outOfRange(`tracking.${name}`, expected, v);
  };
  check('expand', (v) => v > 0 && v <= 10, 'number in (0, 10]');
  check('minScore', (v) => v >= 0 && v <= 1, 'number in [0, 1]');
  check('maxJump', (v) => v > 0 && Number.isFinite(v), 'positive number');
  check('maxScaleChange', (v) => v > 1 && Number.isFinite(v), 'number greater than 1');
  return out;
}

/** Tight bounding box [x, y, w, h] of x,y pairs. */
export function landmarkBox(points: Float32Array): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i];
    const y = points[i + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1 - x0, y1 - y0];
}

/** The box scaled about its centre. */
export function expandBox(box: Box, factor: number): Box {
  const [x, y, w, h] = box;
  const cx = x + w / 2;
  const cy = y + h / 2;
  return [cx - (w * factor) / 2, cy - (h * factor) / 2, w * factor, h * factor];
}

function meanOf(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : 0;
}

/**
 * Why the face counts as lost in this result, or null when it is still tracked.
 * `previous` is the landmark box of the previous accepted result (null when there is none: no jump test).
 */
export function lossReason(
  box: Box,
  previous: Box | null,
  scores: Float32Array | undefined,
  frame: { width: number; height: number },
  opts: ResolvedTracking,
): LossReason | null {
  const [x, y, w, h] = box;
  const cx = x + w / 2;
  const cy = y + h / 2;
  if (![x, y, w, h].every(Number.isFinite) || w < 4 || h < 4 || cx < 0 || cy < 0 || cx > frame.width || cy > frame.height) {
    return 'degenerate';
  }
  if (scores && scores.length && meanOf(scores) < opts.minScore) return 'score';
  if (previous) {
    const size = Math.max(previous[2], previous[3]);
    const pcx = previous[0] + previous[2] / 2;
    const pcy = previous[1] + previous[3] / 2;
    if (Math.hypot(cx - pcx, cy - pcy) > opts.maxJump * size) return 'jump';
    const ratio = Math.max(w, h) / size;
    if (ratio > opts.maxScaleChange || ratio < 1 / opts.maxScaleChange) return 'scale';
  }
  return null;
}
