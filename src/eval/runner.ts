/**
 * Runs one detector over a dataset with a protocol and scores every sample. The detector is an interface so that
 * unit tests use fakes; the CLI passes a TrtLandmarker.
 */
import { LandmarkerError } from '../errors';
import type { BatchItem, Box, DetectFacesOptions, Face, ImageInput, LandmarkResult, LandmarkerInfo } from '../types';
import { matchFace } from './face-match';
import type { Dataset, EvalSample } from './datasets';
import { boundingBox, nme, nmeSquared, normalizer, pointErrors, scoredPoints, type NormKind } from './metrics';

export interface EvalDetector {
  detectBatch(items: BatchItem[]): Promise<LandmarkResult[]>;
  /** Needed by the `detector` protocol only. */
  detectFaces?(input: ImageInput, options?: DetectFacesOptions): Promise<Face[]>;
  readonly info: LandmarkerInfo;
}

/**
 * How the model input is chosen:
 * - none: the whole image (the reference work's single-stage protocol);
 * - gt: the box is the ground-truth landmark box (of the 68 iBUG points) scaled by boxFactor about its centre; the
 *   model contract's crop policy (boxScale, square) then applies. `--crop gt` is boxFactor 1; `--crop gt:S` uses
 *   boxFactor = S / contract boxScale so that the crop is S x the box.
 * - detector: the built-in face detector finds the faces (detectFaces); the face matching the annotation
 *   (src/eval/face-match.ts) is scored, an annotated face it does not find counts against the detection rate.
 */
export type CropProtocol = { kind: 'none' } | { kind: 'gt'; boxFactor: number; label: string } | { kind: 'detector'; label: 'detector' };

export interface EvaluateOptions {
  batch: number;
  crop: CropProtocol;
  norm: NormKind;
  onProgress?: (done: number, total: number) => void;
}

export interface SampleResult {
  id: string;
  subset: string;
  image: string;
  /** Fractions (x 100 for %). */
  nme: number;
  nmeSquared: number;
  /** Normalising distance in pixels. */
  d: number;
  /** Per scored point, pixels. */
  errors: Float64Array;
  gt: Float32Array;
  pred: Float32Array;
  crop: { x: number; y: number; w: number; h: number };
  box?: Box;
}

export interface Exclusion {
  id: string;
  reason: string;
}

export interface EvaluationRun {
  samples: SampleResult[];
  /** Samples not scored: unusable ground truth, or a sample that failed (also listed in `failed`). */
  excluded: Exclusion[];
  /** Samples whose image could not be read or decoded, or whose ground truth lies outside the image. */
  failed: Exclusion[];
  /** Points scored per sample (68 when model and data differ in count). */
  scoredPoints: number;
  /** Set when the model and the data have different point counts. */
  pointCountNote?: string;
  modelLandmarks: number;
  /** Images per detectBatch call: the requested batch, clamped to the detector's maxBatch (fixed-batch models). */
  batch: number;
  seconds: number;
  /** `detector` protocol: annotated faces run and found (the missed ones are in `excluded` too). */
  detection?: { faces: number; found: number };
  /** Stage timings summed over the run (ms): decode per image, the other stages once per batch. */
  stageMs: { decode: number; preprocess: number; inference: number; postprocess: number; total: number };
}

/** The box fed to the detector for `gt` protocols. */
export function gtBox(gt: Float32Array, factor: number): Box {
  const [x, y, w, h] = boundingBox(gt, 68);
  const cx = x + w / 2;
  const cy = y + h / 2;
  return [cx - (w * factor) / 2, cy - (h * factor) / 2, w * factor, h * factor];
}

function normName(norm: NormKind): string {
  return norm === 'box' ? 'box size' : `${norm} distance`;
}

/** Why a sample cannot be scored (before running the model), or undefined. */
function exclusionReason(s: EvalSample, options: EvaluateOptions): string | undefined {
  const d = normalizer(s.points, options.norm, 68);
  if (!(d > 0) || !Number.isFinite(d)) return `zero ${normName(options.norm)} in the ground truth`;
  if (options.crop.kind === 'gt') {
    const [, , w, h] = boundingBox(s.points, 68);
    if (!(w > 0 && h > 0)) return 'empty ground-truth landmark box';
  }
  return undefined;
}

/** Codes of errors that are the sample's fault (its image or its annotation); anything else ends the evaluation. */
const SAMPLE_ERRORS = new Set(['ERR_IMAGE_DECODE', 'ERR_FILE_NOT_FOUND', 'ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_ARG_TYPE']);

/** Why a sample failed, for the report; rethrows errors that are not the sample's (the backend, a dispose). */
function sampleFailure(s: EvalSample, err: Error): string {
  const code = (err as Error & { code?: string }).code ?? '';
  if (!SAMPLE_ERRORS.has(code)) {
    throw new LandmarkerError(code === 'ERR_DISPOSED' ? 'ERR_DISPOSED' : 'ERR_INFERENCE', `Evaluation failed on ${s.id}: ${err.message}`, { cause: err });
  }
  if (code === 'ERR_OUT_OF_RANGE' && /box/.test(err.message)) return `ground truth outside the image ${s.image}: ${err.message}`;
  return `[${code}] ${err.message}`;
}

export async function evaluate(detector: EvalDetector, dataset: Dataset, options: EvaluateOptions): Promise<EvaluationRun> {
  if (!Number.isInteger(options.batch) || options.batch < 1) throw new RangeError(`batch must be a positive integer, got ${options.batch}`);
  const started = performance.now();
  const excluded: Exclusion[] = [];
  const todo: EvalSample[] = [];
  for (const s of dataset.samples) {
    const reason = exclusionReason(s, options);
    if (reason) excluded.push({ id: s.id, reason });
    else todo.push(s);
  }
  const modelLandmarks = detector.info.landmarks;
  const batch = Math.max(1, Math.min(options.batch, detector.info.maxBatch));
  const samples: SampleResult[] = [];
  const failed: Exclusion[] = [];
  const stageMs = { decode: 0, preprocess: 0, inference: 0, postprocess: 0, total: 0 };
  let mismatched = 0;
  let scoredMin = Infinity;
  options.onProgress?.(excluded.length, dataset.samples.length);
  if (options.crop.kind === 'detector') {
    const found = await evaluateWithDetector(detector, todo, options, samples, excluded, failed, stageMs, dataset.samples.length);
    return { samples, excluded, failed, scoredPoints: Math.min(modelLandmarks, 68), modelLandmarks, batch: 1, seconds: (performance.now() - started) / 1000, stageMs, detection: { faces: todo.length, found } };
  }
  for (let start = 0; start < todo.length; start += batch) {
    const chunk = todo.slice(start, start + batch);
    const boxes = chunk.map((s) => (options.crop.kind === 'gt' ? gtBox(s.points, options.crop.boxFactor) : undefined));
    const items: BatchItem[] = chunk.map((s, k) => (boxes[k] ? { input: s.image, box: boxes[k] } : { input: s.image }));
    // A detector that answers with the wrong number of results is a bug, never a sample's fault: not retried.
    const counted = (r: LandmarkResult[], n: number): LandmarkResult[] => {
      if (r.length !== n) throw new LandmarkerError('ERR_INTERNAL', `detectBatch returned ${r.length} results for ${n} inputs`);
      return r;
    };
    let results: Array<LandmarkResult | Error> | undefined = await detector.detectBatch(items).then(
      (r) => counted(r, chunk.length),
      (err: Error & { code?: string }) => (err.code === 'ERR_INTERNAL' ? Promise.reject(err) : undefined),
    );
    if (results) {
      // preprocess / inference / postprocess / total are per batch (every result of a batch carries the same values).
      for (const key of ['preprocess', 'inference', 'postprocess', 'total'] as const) stageMs[key] += (results[0] as LandmarkResult).timings[key];
    } else {
      // One bad sample must not sink its batch-mates: run them one by one to find it.
      results = [];
      for (const item of items) {
        const one = await detector.detectBatch([item]).then((r) => r, (e: Error) => e);
        results.push(one instanceof Error ? one : counted(one, 1)[0]!);
      }
      for (const r of results) {
        if (r instanceof Error) continue;
        for (const key of ['preprocess', 'inference', 'postprocess', 'total'] as const) stageMs[key] += r.timings[key];
      }
    }
    chunk.forEach((s, k) => {
      const r = results[k]!;
      if (r instanceof Error) {
        const reason = sampleFailure(s, r);
        failed.push({ id: s.id, reason });
        excluded.push({ id: s.id, reason });
        return;
      }
      const scored = scoredPoints(r.landmarks, s.landmarks);
      if (r.landmarks !== s.landmarks) mismatched++;
      scoredMin = Math.min(scoredMin, scored);
      const errors = pointErrors(r.points, s.points, scored);
      const d = normalizer(s.points, options.norm, scored);
      stageMs.decode += r.timings.decode;
      samples.push({
        id: s.id,
        subset: s.subset,
        image: s.image,
        nme: nme(errors, d),
        nmeSquared: nmeSquared(errors, d),
        d,
        errors,
        gt: s.points,
        pred: r.points,
        crop: r.crop,
        box: boxes[k],
      });
    });
    options.onProgress?.(excluded.length + Math.min(todo.length, start + chunk.length), dataset.samples.length);
  }
  const scored = Number.isFinite(scoredMin) ? scoredMin : Math.min(modelLandmarks, 68);
  const pointCountNote =
    mismatched > 0
      ? `${modelLandmarks}-point model on ${modelLandmarks === 68 ? 70 : 68}-point data (${mismatched} samples): scored the common 68 iBUG points`
      : undefined;
  return { samples, excluded, failed, scoredPoints: scored, pointCountNote, modelLandmarks, batch, seconds: (performance.now() - started) / 1000, stageMs };
}

/** The `detector` protocol: one detectFaces call per image; returns how many annotated faces were found. */
async function evaluateWithDetector(
  detector: EvalDetector,
  todo: EvalSample[],
  options: EvaluateOptions,
  samples: SampleResult[],
  excluded: Exclusion[],
  failed: Exclusion[],
  stageMs: EvaluationRun['stageMs'],
  total: number,
): Promise<number> {
  if (!detector.detectFaces) throw new LandmarkerError('ERR_INTERNAL', 'the detector protocol needs a landmarker with detectFaces()');
  let found = 0;
  for (const [i, s] of todo.entries()) {
    const t0 = performance.now();
    let faces: Face[];
    try {
      faces = await detector.detectFaces(s.image);
    } catch (err) {
      // The sample's own fault (its image) is recorded and the run goes on, as with ground-truth boxes.
      const reason = sampleFailure(s, err as Error);
      failed.push({ id: s.id, reason });
      excluded.push({ id: s.id, reason });
      options.onProgress?.(total - todo.length + i + 1, total);
      continue;
    }
    stageMs.total += performance.now() - t0;
    const k = matchFace(faces.map((f) => f.box), s.points);
    if (k < 0) {
      excluded.push({ id: s.id, reason: `the detector found no face matching the annotation (${faces.length} found)` });
    } else {
      found++;
      const f = faces[k];
      const scored = scoredPoints(f.landmarks, s.landmarks);
      const errors = pointErrors(f.points, s.points, scored);
      const d = normalizer(s.points, options.norm, scored);
      samples.push({ id: s.id, subset: s.subset, image: s.image, nme: nme(errors, d), nmeSquared: nmeSquared(errors, d), d, errors, gt: s.points, pred: f.points, crop: f.crop, box: f.box });
    }
    options.onProgress?.(total - todo.length + i + 1, total);
  }
  return found;
}
