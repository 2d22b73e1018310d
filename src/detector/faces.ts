/**
 * detectFaces() options and the map from a detector box to the landmark model's box (the contract's detectorBox).
 * Validation lives here once, in the user's words.
 */
import type { DetectorBoxMap } from '../contract/types';
import { invalidType, invalidValue, outOfRange } from '../errors';
import type { Box } from '../types';
import type { DetectorRunOptions } from './face-detector';

export const DEFAULT_MAX_FACES = 10;
export const MAX_FACES_LIMIT = 1000;
const FACE_OPTION_KEYS = ['maxFaces', 'minScore', 'minFaceSize'];

/** Validates detectFaces' options; minScore defaults to the detector contract's. */
export function validateFaceOptions(options: unknown, defaultMinScore: number): DetectorRunOptions {
  if (options === undefined) return { maxFaces: DEFAULT_MAX_FACES, minScore: defaultMinScore, minFaceSize: 0 };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalidType('options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!FACE_OPTION_KEYS.includes(k)) throw invalidValue('options', `only the options ${FACE_OPTION_KEYS.join(', ')}`, `option ${k}`);
  }
  const num = (name: string, v: unknown, ok: (x: number) => boolean, expected: string, def: number): number => {
    if (v === undefined) return def;
    if (typeof v !== 'number') throw invalidType(name, expected, v);
    if (!ok(v)) throw outOfRange(name, expected, v);
    return v;
  };
  return {
    maxFaces: num('maxFaces', o.maxFaces, (x) => Number.isInteger(x) && x >= 1 && x <= MAX_FACES_LIMIT, `a positive integer <= ${MAX_FACES_LIMIT}`, DEFAULT_MAX_FACES),
    minScore: num('minScore', o.minScore, (x) => x >= 0 && x <= 1, 'a number from 0 to 1', defaultMinScore),
    minFaceSize: num('minFaceSize', o.minFaceSize, (x) => Number.isFinite(x) && x >= 0, 'a number of pixels >= 0', 0),
  };
}

/** The landmark model's box for a detector box (identity without a map). */
export function landmarkBox(box: Box, map: DetectorBoxMap | undefined): Box {
  if (!map) return box;
  const [x, y, w, h] = box;
  const cx = x + w / 2 + map.shiftX * w;
  const cy = y + h / 2 + map.shiftY * h;
  const nw = map.scale * w;
  const nh = map.scale * h;
  return [cx - nw / 2, cy - nh / 2, nw, nh];
}
