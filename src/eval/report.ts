/** The evaluation report: report.json (every number + metadata), summary.md, ced.png, best/worst overlay sheets. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LandmarkerInfo } from '../types';
import { writeCedPng } from './ced';
import type { Dataset } from './datasets';
import type { NormKind } from './metrics';
import { writeOverlaySheet } from './overlays';
import type { EvaluationRun, Exclusion } from './runner';
import { perLandmarkPct, ranked, summarize, type GroupMetrics } from './summary';

export const DEFINITIONS = {
  nmePct: 'NME = 100 * mean over samples of (1/L) sum_i ||p_i - g_i|| / d  (literature definition)',
  nmeSquaredPct:
    'reference-report variant (squared distances), NOT comparable with the literature: 100 * mean over samples of (1/L) sum_i (||p_i - g_i|| / d)^2',
  failureRatePct: '% of samples whose NME is strictly above 8 % (failureRate8Pct) or 10 % (failureRate10Pct)',
  aucPct: '100 * (1/t) * integral_0^t CED(x) dx for t = 8 % / 10 %, integrated exactly on the step CED: mean of max(0, t - NME_k) / t',
  d: {
    'inter-ocular': 'distance between the ground-truth outer eye corners (0-based points 36 and 45)',
    'inter-pupil': 'distance between the ground-truth pupils: points 68/69 with 70-point data, else centroids of points 36-41 and 42-47',
    box: 'sqrt(w * h) of the ground-truth landmark bounding box',
  },
  perLandmarkNmePct: '100 * mean over samples of ||p_i - g_i|| / d, per landmark i (0-based)',
};

export interface RunMeta {
  label: string;
  model: string;
  config?: string;
  info: LandmarkerInfo;
  /** Short protocol label: 'none' | 'gt' | 'gt:S'. */
  cropLabel: string;
  /** Human-readable protocol, e.g. "gt (GT landmark box; contract crop square, ...)". */
  crop: string;
  /** The precision asked for (the detector's info.precision is what ran). */
  requestedPrecision?: LandmarkerInfo['precision'];
}

export interface RunReport {
  label: string;
  model: string;
  config?: string;
  backend: LandmarkerInfo['backend'];
  precision: LandmarkerInfo['precision'];
  info: LandmarkerInfo;
  /** Set when the requested precision is not the one that ran (e.g. ONNX Runtime runs the graph it is given). */
  requestedPrecision?: LandmarkerInfo['precision'];
  protocol: { crop: string; cropDescription: string; norm: NormKind; batch: number };
  scoredPoints: number;
  pointCountNote?: string;
  counts: { evaluated: number; excluded: number; failed: number };
  /** `detector` protocol: annotated faces, how many the detector found, the detection rate in %. */
  detection?: { faces: number; found: number; ratePct: number };
  excluded: Exclusion[];
  /** Samples whose image could not be read or decoded, or whose ground truth lies outside the image (also in excluded). */
  failed: Exclusion[];
  metrics: Record<string, GroupMetrics>;
  perLandmarkNmePct: number[];
  timing: { seconds: number; imagesPerSecond: number; /** Per image, batch stages amortised over the batch. */
    meanStageMs: Record<string, number> };
  samples: { id: string; subset: string; nmePct: number; nmeSquaredPct: number; d: number; crop: { x: number; y: number; w: number; h: number }; pred: number[] }[];
}

export interface Expectation {
  nmePct: number;
  tolerance: number;
  /** Per run: measured 'all' NME and whether it is within tolerance. */
  results: { label: string; nmePct: number; passed: boolean }[];
  passed: boolean;
}

export interface EvalReport {
  tool: { name: string; version: string };
  createdAt: string;
  command?: string[];
  definitions: typeof DEFINITIONS;
  norm: NormKind;
  dataset: {
    root: string;
    format: Dataset['format'];
    split?: string;
    samples: number;
    subsets: Record<string, number>;
    imagesWithoutAnnotation: { count: number; files: string[] };
    annotationsWithoutImage: { count: number; files: string[] };
  };
  runs: RunReport[];
  expectation?: Expectation;
}

function packageVersion(): string {
  // Walk up from this file (src/eval or dist/src/eval) to the package root.
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'trt-landmarker') return pkg.version ?? 'unknown';
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

const r2 = (v: number) => Math.round(v * 100) / 100;
const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export function buildRunReport(meta: RunMeta, norm: NormKind, run: EvaluationRun): RunReport {
  const n = run.samples.length;
  const stage: Record<string, number> = {};
  for (const [k, v] of Object.entries(run.stageMs)) stage[k] = n ? r4(v / n) : 0;
  return {
    label: meta.label,
    model: meta.model,
    config: meta.config,
    backend: meta.info.backend,
    precision: meta.info.precision,
    info: meta.info,
    ...(meta.requestedPrecision && meta.requestedPrecision !== meta.info.precision ? { requestedPrecision: meta.requestedPrecision } : {}),
    protocol: { crop: meta.cropLabel, cropDescription: meta.crop, norm, batch: run.batch },
    scoredPoints: run.scoredPoints,
    pointCountNote: run.pointCountNote,
    counts: { evaluated: n, excluded: run.excluded.length, failed: run.failed.length },
    ...(run.detection ? { detection: { ...run.detection, ratePct: run.detection.faces ? (100 * run.detection.found) / run.detection.faces : 0 } } : {}),
    excluded: run.excluded,
    failed: run.failed,
    metrics: summarize(run.samples),
    perLandmarkNmePct: perLandmarkPct(run.samples, run.scoredPoints).map(r4),
    timing: { seconds: r4(run.seconds), imagesPerSecond: r2(n / run.seconds), meanStageMs: stage },
    samples: run.samples.map((s) => ({
      id: s.id,
      subset: s.subset,
      nmePct: r4(s.nme * 100),
      nmeSquaredPct: r4(s.nmeSquared * 100),
      d: r4(s.d),
      crop: { x: r4(s.crop.x), y: r4(s.crop.y), w: r4(s.crop.w), h: r4(s.crop.h) },
      pred: Array.from(s.pred, r2),
    })),
  };
}

export function buildReport(dataset: Dataset, norm: NormKind, runs: RunReport[], command?: string[]): EvalReport {
  const subsets: Record<string, number> = {};
  for (const s of dataset.samples) subsets[s.subset] = (subsets[s.subset] ?? 0) + 1;
  return {
    tool: { name: 'trt-landmarker', version: packageVersion() },
    createdAt: new Date().toISOString(),
    command,
    definitions: DEFINITIONS,
    norm,
    dataset: {
      root: dataset.root,
      format: dataset.format,
      split: dataset.split,
      samples: dataset.samples.length,
      subsets,
      imagesWithoutAnnotation: { count: dataset.imagesWithoutAnnotation.length, files: dataset.imagesWithoutAnnotation },
      annotationsWithoutImage: { count: dataset.annotationsWithoutImage.length, files: dataset.annotationsWithoutImage },
    },
    runs,
  };
}

/** Checks the 'all' NME of every run against an expected value. */
export function checkExpectation(runs: RunReport[], nmePct: number, tolerance: number): Expectation {
  const results = runs.map((r) => {
    const v = r.metrics.all.nmePct;
    return { label: r.label, nmePct: v, passed: Math.abs(v - nmePct) <= tolerance };
  });
  return { nmePct, tolerance, results, passed: results.every((r) => r.passed) };
}

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');

export function summaryMarkdown(report: EvalReport): string {
  const d = report.dataset;
  const lines: string[] = [];
  lines.push(`# Landmark evaluation — ${d.root}`, '');
  lines.push(`- Data: ${d.format}${d.split ? `, split ${d.split}` : ''}, ${d.samples} annotated images (${Object.entries(d.subsets).map(([k, v]) => `${k}: ${v}`).join(', ')})`);
  lines.push(`- Normalisation: ${report.norm} (${DEFINITIONS.d[report.norm]})`);
  lines.push(`- Images without annotation: ${d.imagesWithoutAnnotation.count}; annotations without image: ${d.annotationsWithoutImage.count} (listed in report.json, not evaluated)`);
  lines.push(`- trt-landmarker ${report.tool.version}, ${report.createdAt}`, '');
  lines.push('| model | backend | precision | crop | subset | N | NME % | median % | FR@8 % | FR@10 % | AUC@8 % | AUC@10 % | NME² ref. variant |');
  lines.push('| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of report.runs) {
    for (const [group, m] of Object.entries(r.metrics)) {
      lines.push(
        `| ${r.label} | ${r.backend} | ${r.precision} | ${r.protocol.crop} | ${group} | ${m.count} | ${f2(m.nmePct)} | ${f2(m.medianNmePct)} | ` +
          `${f2(m.failureRate8Pct)} | ${f2(m.failureRate10Pct)} | ${f2(m.auc8Pct)} | ${f2(m.auc10Pct)} | ${f2(m.nmeSquaredPct)} |`,
      );
    }
  }
  lines.push('');
  lines.push(`NME² ref. variant = ${DEFINITIONS.nmeSquaredPct}.`, '');
  lines.push(`AUC: ${DEFINITIONS.aucPct}. Failure rate: ${DEFINITIONS.failureRatePct}.`, '');
  for (const r of report.runs) {
    const notes: string[] = [`crop ${r.protocol.cropDescription}`];
    if (r.detection) notes.push(`detection rate ${r.detection.ratePct.toFixed(2)} % (${r.detection.found} of ${r.detection.faces} annotated faces found)`);
    if (r.requestedPrecision) notes.push(`${r.requestedPrecision} was requested but ${r.precision} ran (${r.info.reason})`);
    if (r.pointCountNote) notes.push(r.pointCountNote);
    if (r.excluded.length) notes.push(`${r.excluded.length} excluded: ${r.excluded.slice(0, 10).map((e) => `${e.id} (${e.reason})`).join(', ')}${r.excluded.length > 10 ? ', ...' : ''}`);
    const worst = r.perLandmarkNmePct.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v).slice(0, 5);
    notes.push(`worst landmarks (0-based, NME %): ${worst.map((w) => `${w.i}: ${w.v.toFixed(2)}`).join(', ')}`);
    notes.push(`${r.counts.evaluated} images in ${r.timing.seconds.toFixed(1)} s (${r.timing.imagesPerSecond} images/s), ${r.info.backend} ${r.info.precision}, batch ${r.protocol.batch}`);
    lines.push(`**${r.label}** (${r.model}): ${notes.join('; ')}.`, '');
  }
  if (report.expectation) {
    const e = report.expectation;
    lines.push(`Expected NME ${e.nmePct} ± ${e.tolerance} %: ${e.passed ? 'PASS' : 'FAIL'} (${e.results.map((x) => `${x.label} ${x.nmePct.toFixed(3)}`).join(', ')})`, '');
  }
  lines.push('Plots: `ced.png`; overlays: `overlays/`.', '');
  return lines.join('\n');
}

/** Indented JSON, but each per-sample record and each number array on one line (a readable, small file). */
export function reportJson(report: EvalReport): string {
  const inline = new Map<string, string>();
  const text = JSON.stringify(
    report,
    (key, value: unknown) => {
      const flat = (Array.isArray(value) && value.every((v) => typeof v === 'number')) || (key !== '' && /^\d+$/.test(key) && typeof value === 'object' && value !== null && 'nmePct' in value && 'pred' in value);
      if (!flat) return value;
      const token = `@@inline${inline.size}@@`;
      inline.set(token, JSON.stringify(value));
      return token;
    },
    1,
  );
  return text.replace(/"@@inline\d+@@"/g, (t) => inline.get(t.slice(1, -1))!) + '\n';
}

export interface WriteOptions {
  /** Best and worst N per run in the overlay sheets (0: none). */
  overlays: number;
}

/** Writes report.json, summary.md, ced.png and overlays/<label>-best.png / -worst.png. Returns the files written. */
export async function writeReport(dir: string, report: EvalReport, runs: Map<string, EvaluationRun>, options: WriteOptions): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    files.push(join(dir, name));
  };
  put('report.json', reportJson(report));
  put('summary.md', summaryMarkdown(report));
  const series = report.runs.map((r) => ({
    label: r.label,
    nmes: runs.get(r.label)!.samples.map((s) => s.nme),
    nmePct: r.metrics.all.nmePct,
    auc8Pct: r.metrics.all.auc8Pct,
  }));
  await writeCedPng(join(dir, 'ced.png'), series, `CED, ${report.norm} NME — ${basename(report.dataset.root)}${report.dataset.split ? ` (${report.dataset.split})` : ''}, ${report.dataset.samples} images`);
  files.push(join(dir, 'ced.png'));
  if (options.overlays > 0) {
    mkdirSync(join(dir, 'overlays'), { recursive: true });
    for (const r of report.runs) {
      const order = ranked(runs.get(r.label)!.samples);
      const n = Math.min(options.overlays, order.length);
      const safe = r.label.replace(/[^A-Za-z0-9._-]+/g, '_');
      const best = order.slice(0, n).map((sample, k) => ({ sample, rank: `#${k + 1}` }));
      const worst = order.slice(-n).reverse().map((sample, k) => ({ sample, rank: `#${order.length - k}` }));
      for (const [kind, list] of [['best', best], ['worst', worst]] as const) {
        const file = join(dir, 'overlays', `${safe}-${kind}.png`);
        await writeOverlaySheet(file, `${r.label}: ${kind} ${n} of ${order.length} by NME (${report.norm})`, list);
        files.push(file);
      }
    }
  }
  return files;
}
