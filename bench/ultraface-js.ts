/**
 * UltraFace decoding as a Node user ports it by hand from the repository's Python (vision/utils/box_utils.py:
 * generate_priors, convert_locations_to_boxes, hard_nms) in plain JS. The hand-written photo pipeline of the bench
 * uses it, and the addon tests check the native core against it (test/addon/detector-decode.test.ts).
 */

export interface JsPriorConfig {
  width: number;
  height: number;
  strides: number[];
  minSizes: number[][];
  clip: boolean;
}

/** (cx, cy, w, h) per prior, normalised; generate_priors with feature maps ceil(size / stride). */
export function jsPriors(c: JsPriorConfig): number[][] {
  const out: number[][] = [];
  const clamp = (v: number) => (c.clip ? Math.min(1, Math.max(0, v)) : v);
  c.strides.forEach((s, l) => {
    const fw = Math.ceil(c.width / s);
    const fh = Math.ceil(c.height / s);
    for (let j = 0; j < fh; j++) {
      for (let i = 0; i < fw; i++) {
        for (const m of c.minSizes[l]) out.push([(i + 0.5) / fw, (j + 0.5) / fh, m / c.width, m / c.height].map(clamp));
      }
    }
  });
  return out;
}

export interface JsFace {
  box: [number, number, number, number];
  score: number;
}

function iou(a: JsFace['box'], b: JsFace['box']): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

export interface JsDecodeOptions {
  minScore: number;
  iouThreshold: number;
  candidates: number;
  maxFaces: number;
  minSize: number;
  variances: [number, number];
  /** Maps normalised input coordinates to image pixels: x = crop.x + n * crop.w. */
  crop: { x: number; y: number; w: number; h: number };
}

/** scores [P * 2] (background, face), offsets [P * 4] -> faces in image pixels, best first, after hard NMS. */
export function jsDecodeFaces(scores: ArrayLike<number>, offsets: ArrayLike<number>, priors: number[][], o: JsDecodeOptions): JsFace[] {
  const faces: JsFace[] = [];
  priors.forEach((p, k) => {
    const score = scores[2 * k + 1];
    if (!(score >= o.minScore)) return;
    const cx = offsets[4 * k] * o.variances[0] * p[2] + p[0];
    const cy = offsets[4 * k + 1] * o.variances[0] * p[3] + p[1];
    const w = Math.exp(offsets[4 * k + 2] * o.variances[1]) * p[2];
    const h = Math.exp(offsets[4 * k + 3] * o.variances[1]) * p[3];
    const box: JsFace['box'] = [o.crop.x + (cx - w / 2) * o.crop.w, o.crop.y + (cy - h / 2) * o.crop.h, w * o.crop.w, h * o.crop.h];
    if (Math.max(box[2], box[3]) < o.minSize) return;
    faces.push({ box, score });
  });
  // Array.prototype.sort is stable: equal scores keep the model's order.
  const sorted = faces.sort((a, b) => b.score - a.score).slice(0, o.candidates);
  const kept: JsFace[] = [];
  for (const f of sorted) {
    if (kept.length >= o.maxFaces) break;
    if (kept.every((k) => iou(k.box, f.box) <= o.iouThreshold)) kept.push(f);
  }
  return kept;
}
