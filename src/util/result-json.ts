/**
 * A LandmarkResult as plain JSON (what `detect --json` prints and what queue workers send back): points rounded
 * to 0.01 px, scores to 1e-4, timings to 1 µs. resultFromJson() turns it back into a LandmarkResult.
 */
import type { Face, LandmarkResult, StageTimings } from '../types';

export interface ResultJson {
  width: number;
  height: number;
  landmarks: number;
  crop: { x: number; y: number; w: number; h: number };
  points: number[];
  scores?: number[];
  timings: Record<string, number>;
}

function round(v: number, d = 2): number {
  const m = 10 ** d;
  return Math.round(v * m) / m;
}

export function resultToJson(r: LandmarkResult): ResultJson {
  return {
    width: r.width,
    height: r.height,
    landmarks: r.landmarks,
    crop: { x: round(r.crop.x), y: round(r.crop.y), w: round(r.crop.w), h: round(r.crop.h) },
    points: Array.from(r.points, (v) => round(v)),
    ...(r.scores ? { scores: Array.from(r.scores, (v) => round(v, 4)) } : {}),
    timings: Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, round(v as number, 3)])),
  };
}

export function resultFromJson(j: ResultJson): LandmarkResult {
  return {
    points: Float32Array.from(j.points),
    ...(j.scores ? { scores: Float32Array.from(j.scores) } : {}),
    landmarks: j.landmarks,
    width: j.width,
    height: j.height,
    crop: { ...j.crop },
    timings: j.timings as unknown as StageTimings,
  };
}

/** One face of detectFaces() as plain JSON (`detect` without a box prints these; queue workers send them back). */
export interface FaceJson {
  box: number[];
  score: number;
  landmarks: number;
  points: number[];
  scores?: number[];
}

export function faceToJson(f: Face): FaceJson {
  return {
    box: f.box.map((v) => round(v)),
    score: round(f.score, 4),
    landmarks: f.landmarks,
    points: Array.from(f.points, (v) => round(v)),
    ...(f.scores ? { scores: Array.from(f.scores, (v) => round(v, 4)) } : {}),
  };
}
