/**
 * Landmark accuracy metrics, as pure functions over 0-indexed x,y pairs. Formulas (docs/eval.md has the full text):
 *
 *   e_i   = || p_i - g_i ||_2                       point error in pixels, i = 1..L (L = points scored)
 *   NME   = (1 / L) * sum_i e_i / d                 the literature's NME (d: see normalizer())
 *   NME^2 = (1 / L) * sum_i (e_i / d)^2             the reference report's variant (squared distances);
 *                                                   NOT comparable with the literature's NME
 *   FR@t  = #{ NME_k > t } / N                      failure rate (strictly above the threshold)
 *   AUC@t = (1 / t) * integral_0^t CED(x) dx,  CED(x) = #{ NME_k <= x } / N
 *         = (1 / N) * sum_k max(0, t - NME_k) / t   exact integral of the step CED (no grid, no trapezoid error)
 */

export type NormKind = 'inter-ocular' | 'inter-pupil' | 'box';
export const NORM_KINDS: readonly NormKind[] = ['inter-ocular', 'inter-pupil', 'box'];

/** 0-based iBUG indices: outer eye corners (1-based 37 and 46). */
export const OUTER_EYE_CORNERS: readonly [number, number] = [36, 45];
/** 0-based iBUG eye contours: the subject's right eye 36..41 (image left), left eye 42..47. */
export const EYE_CONTOURS: readonly [readonly number[], readonly number[]] = [
  [36, 37, 38, 39, 40, 41],
  [42, 43, 44, 45, 46, 47],
];
/** 0-based pupil points in 70-point (FaceSynthetics) annotations: 68 = first pupil, 69 = second. */
export const PUPILS_70: readonly [number, number] = [68, 69];

/** Euclidean error of each of the first `count` points. */
export function pointErrors(pred: ArrayLike<number>, gt: ArrayLike<number>, count: number): Float64Array {
  if (pred.length < 2 * count || gt.length < 2 * count) {
    throw new RangeError(`pointErrors: need ${count} points, got ${pred.length / 2} predicted and ${gt.length / 2} ground-truth`);
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.hypot(pred[2 * i] - gt[2 * i], pred[2 * i + 1] - gt[2 * i + 1]);
  return out;
}

function centroid(points: ArrayLike<number>, indices: readonly number[]): [number, number] {
  let x = 0;
  let y = 0;
  for (const i of indices) {
    x += points[2 * i];
    y += points[2 * i + 1];
  }
  return [x / indices.length, y / indices.length];
}

/**
 * The normalising distance d from the ground truth:
 * - inter-ocular: distance between the outer eye corners (36, 45);
 * - inter-pupil: distance between the pupils: points 68/69 when the ground truth has 70 points, else the centroids
 *   of the two eye contours (36-41, 42-47);
 * - box: sqrt(w * h) of the bounding box of the first `scored` ground-truth points.
 * May be 0 (degenerate annotation): callers exclude such samples.
 */
export function normalizer(gt: ArrayLike<number>, kind: NormKind, scored = 68): number {
  const gtCount = gt.length / 2;
  switch (kind) {
    case 'inter-ocular': {
      const [a, b] = OUTER_EYE_CORNERS;
      return Math.hypot(gt[2 * a] - gt[2 * b], gt[2 * a + 1] - gt[2 * b + 1]);
    }
    case 'inter-pupil': {
      if (gtCount >= 70) {
        const [a, b] = PUPILS_70;
        return Math.hypot(gt[2 * a] - gt[2 * b], gt[2 * a + 1] - gt[2 * b + 1]);
      }
      const [ax, ay] = centroid(gt, EYE_CONTOURS[0]);
      const [bx, by] = centroid(gt, EYE_CONTOURS[1]);
      return Math.hypot(ax - bx, ay - by);
    }
    case 'box': {
      const b = boundingBox(gt, scored);
      return Math.sqrt(b[2] * b[3]);
    }
  }
}

/** [x, y, w, h] of the first `count` points. */
export function boundingBox(points: ArrayLike<number>, count = points.length / 2): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < count; i++) {
    x0 = Math.min(x0, points[2 * i]);
    x1 = Math.max(x1, points[2 * i]);
    y0 = Math.min(y0, points[2 * i + 1]);
    y1 = Math.max(y1, points[2 * i + 1]);
  }
  return [x0, y0, x1 - x0, y1 - y0];
}

/** Literature NME of one sample (a fraction: multiply by 100 for %). */
export function nme(errors: ArrayLike<number>, d: number): number {
  let s = 0;
  for (let i = 0; i < errors.length; i++) s += errors[i];
  return s / errors.length / d;
}

/** Reference-report variant: mean of squared normalised point errors (1/L) sum (e_i/d)^2. Not the literature NME. */
export function nmeSquared(errors: ArrayLike<number>, d: number): number {
  let s = 0;
  for (let i = 0; i < errors.length; i++) s += (errors[i] / d) ** 2;
  return s / errors.length;
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const v = Array.from(values).sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Fraction of samples whose NME is strictly greater than the threshold. */
export function failureRate(nmes: ArrayLike<number>, threshold: number): number {
  if (nmes.length === 0) return NaN;
  let n = 0;
  for (let i = 0; i < nmes.length; i++) if (nmes[i] > threshold) n++;
  return n / nmes.length;
}

/** Area under the CED on [0, threshold] divided by the threshold (1 = every sample perfect), integrated exactly. */
export function auc(nmes: ArrayLike<number>, threshold: number): number {
  if (nmes.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < nmes.length; i++) s += Math.max(0, threshold - nmes[i]);
  return s / nmes.length / threshold;
}

/** CED(x) = fraction of samples with NME <= x, sampled at `steps + 1` points on [0, maxX]. */
export function cedCurve(nmes: ArrayLike<number>, maxX: number, steps = 200): { x: number[]; y: number[] } {
  const sorted = Array.from(nmes).sort((a, b) => a - b);
  const x: number[] = [];
  const y: number[] = [];
  let k = 0;
  for (let s = 0; s <= steps; s++) {
    const t = (maxX * s) / steps;
    while (k < sorted.length && sorted[k] <= t) k++;
    x.push(t);
    y.push(sorted.length ? k / sorted.length : 0);
  }
  return { x, y };
}

/** Mean over samples of e_ij / d_j for each landmark i (normalised per-landmark error). */
export function perLandmarkMean(errors: ArrayLike<number>[], d: ArrayLike<number>, count: number): Float64Array {
  const out = new Float64Array(count);
  if (errors.length === 0) return out.fill(NaN);
  for (let j = 0; j < errors.length; j++) for (let i = 0; i < count; i++) out[i] += errors[j][i] / d[j];
  for (let i = 0; i < count; i++) out[i] /= errors.length;
  return out;
}

/** Points scored when a model with `modelPoints` runs on data with `gtPoints`: all when equal, else the common 68. */
export function scoredPoints(modelPoints: number, gtPoints: number): number {
  return Math.min(modelPoints, gtPoints);
}
