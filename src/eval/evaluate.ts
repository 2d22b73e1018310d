/**
 * The evaluation as one call (used by `trt-landmarker eval` and the CI test): load the data, run each model /
 * precision with the protocol, build the report and write it. The detector factory is injectable for tests.
 */
import { basename } from 'node:path';
import { openLandmarkModel } from '../model/open';
import type { CropPolicy } from '../contract/types';
import { invalidValue, outOfRange } from '../errors';
import type { Backend, Precision } from '../types';
import { loadDataset, type Dataset } from './datasets';
import { NORM_KINDS, type NormKind } from './metrics';
import { buildReport, buildRunReport, checkExpectation, writeReport, type EvalReport, type RunReport } from './report';
import { evaluate, type CropProtocol, type EvalDetector, type EvaluationRun } from './runner';

export interface EvalRunSpec {
  model: string;
  /** Contract JSON path (else the model's sidecar or metadata). */
  config?: string;
  precision?: Precision;
  /** Unique label in the report; default: model file name (+ precision when several are compared). */
  label?: string;
}

export interface DisposableDetector extends EvalDetector {
  dispose(): Promise<void>;
}

export type DetectorFactory = (spec: EvalRunSpec, o: { backend: Backend; maxBatch: number; threads?: number; faces?: boolean }) => Promise<DisposableDetector>;

export interface RunEvaluationOptions {
  runs: EvalRunSpec[];
  data: string;
  split?: string;
  list?: string;
  norm?: NormKind;
  /** 'none' | 'gt' | 'gt:S' | 'detector' (default 'gt'). */
  crop?: string;
  batch?: number;
  backend?: Backend;
  threads?: number;
  limit?: number;
  /** Folder for report.json, summary.md, ced.png, overlays/. Nothing is written without it. */
  reportDir?: string;
  /** Best/worst N in the overlay sheets (default 8; 0 = none). */
  overlays?: number;
  expect?: { nmePct: number; tolerance: number };
  command?: string[];
  onProgress?: (label: string, done: number, total: number) => void;
  onRunDone?: (run: RunReport) => void;
  createDetector?: DetectorFactory;
  /** The contract's crop policy for a model (default: the opened model's contract); injectable for tests. */
  cropPolicyOf?: (spec: EvalRunSpec) => CropPolicy;
}

export interface EvaluationResult {
  report: EvalReport;
  files: string[];
  dataset: Dataset;
  runs: Map<string, EvaluationRun>;
}

export type ParsedCrop = { kind: 'none' } | { kind: 'gt'; scale?: number } | { kind: 'detector' };

export function parseCrop(value: string): ParsedCrop {
  if (value === 'none') return { kind: 'none' };
  if (value === 'detector') return { kind: 'detector' };
  if (value === 'gt') return { kind: 'gt' };
  const m = /^gt:(.+)$/.exec(value);
  if (m) {
    const s = Number(m[1]);
    if (!Number.isFinite(s) || s <= 0) throw outOfRange('crop', 'a positive scale in gt:S', m[1]);
    return { kind: 'gt', scale: s };
  }
  throw invalidValue('crop', '"none", "gt", "gt:S" (e.g. gt:1.1) or "detector"', value);
}

/** The protocol for one model: `gt:S` becomes a box factor relative to the contract's own boxScale. */
function protocolFor(crop: ParsedCrop, policy: CropPolicy | undefined): { protocol: CropProtocol; text: string } {
  if (crop.kind === 'detector') {
    return { protocol: { kind: 'detector', label: 'detector' }, text: 'detector (boxes from the built-in face detector through the contract\'s detectorBox map; NME on the annotated faces it finds)' };
  }
  if (crop.kind === 'none' || !policy) return { protocol: { kind: 'none' }, text: 'none (whole image)' };
  const shape = policy.square ? 'square, side = S x max(w, h)' : 'S x w by S x h';
  if (crop.scale === undefined) {
    return { protocol: { kind: 'gt', boxFactor: 1, label: 'gt' }, text: `gt (GT landmark box; contract crop ${shape}, S = ${policy.boxScale})` };
  }
  return {
    protocol: { kind: 'gt', boxFactor: crop.scale / policy.boxScale, label: `gt:${crop.scale}` },
    text: `gt:${crop.scale} (GT landmark box; crop ${shape}, S = ${crop.scale} overriding the contract's ${policy.boxScale})`,
  };
}

async function defaultFactory(spec: EvalRunSpec, o: { backend: Backend; maxBatch: number; threads?: number; faces?: boolean }): Promise<DisposableDetector> {
  // Loaded lazily so that the metrics and readers do not pull in the native addon.
  const { TrtLandmarker } = await import('../landmarker');
  return TrtLandmarker.create({ model: spec.model, config: spec.config, backend: o.backend, precision: spec.precision, maxBatch: o.maxBatch, threads: o.threads, ...(o.faces ? {} : { detector: false as const }) });
}

/** Unique labels: the model file name, plus the config name and/or the precision when those tell runs apart. */
export function labelRuns(runs: EvalRunSpec[]): string[] {
  const dupes = (xs: string[], i: number) => xs.filter((x) => x === xs[i]).length > 1;
  let labels = runs.map((r) => r.label ?? basename(r.model).replace(/\.onnx$/i, ''));
  labels = labels.map((b, i) => (dupes(labels, i) && runs[i].config && !runs[i].label ? `${b} [${basename(runs[i].config!).replace(/\.json$/i, '')}]` : b));
  labels = labels.map((b, i) => (dupes(labels, i) && runs[i].precision && !runs[i].label ? `${b} ${runs[i].precision}` : b));
  return labels.map((b, i) => (dupes(labels, i) ? `${b} #${i + 1}` : b));
}

export async function runEvaluation(options: RunEvaluationOptions): Promise<EvaluationResult> {
  if (options.runs.length === 0) throw invalidValue('runs', 'at least one model', options.runs);
  const norm = options.norm ?? 'inter-ocular';
  if (!NORM_KINDS.includes(norm)) throw invalidValue('norm', NORM_KINDS.map((n) => `"${n}"`).join(', '), norm);
  const batch = options.batch ?? 8;
  if (!Number.isInteger(batch) || batch < 1) throw outOfRange('batch', 'positive integer', batch);
  const crop = parseCrop(options.crop ?? 'gt');
  const dataset = loadDataset(options.data, { split: options.split, list: options.list, limit: options.limit });
  const factory = options.createDetector ?? defaultFactory;
  const labels = labelRuns(options.runs);
  const runReports: RunReport[] = [];
  const runs = new Map<string, EvaluationRun>();
  for (const [i, spec] of options.runs.entries()) {
    const label = labels[i];
    const policyOf = options.cropPolicyOf ?? ((s: EvalRunSpec) => openLandmarkModel(s.model, s.config).contract.crop);
    const { protocol, text } = protocolFor(crop, crop.kind === 'gt' ? policyOf(spec) : undefined);
    const detector = await factory(spec, { backend: options.backend ?? 'auto', maxBatch: batch, threads: options.threads, ...(crop.kind === 'detector' ? { faces: true } : {}) });
    try {
      const run = await evaluate(detector, dataset, { batch, crop: protocol, norm, onProgress: (d, t) => options.onProgress?.(label, d, t) });
      runs.set(label, run);
      const rr = buildRunReport({ label, model: spec.model, config: spec.config, info: detector.info, crop: text, cropLabel: protocol.kind === 'none' ? 'none' : protocol.label, requestedPrecision: spec.precision }, norm, run);
      runReports.push(rr);
      options.onRunDone?.(rr);
    } finally {
      await detector.dispose();
    }
  }
  const report = buildReport(dataset, norm, runReports, options.command);
  if (options.expect) report.expectation = checkExpectation(runReports, options.expect.nmePct, options.expect.tolerance);
  const files = options.reportDir ? await writeReport(options.reportDir, report, runs, { overlays: options.overlays ?? 8 }) : [];
  return { report, files, dataset, runs };
}
