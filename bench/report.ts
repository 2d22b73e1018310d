/** Renders a BenchResult as the console table and as Markdown (results/*.md). Numbers only come from the result. */
import type { BenchResult, Row, TargetCheck } from './result';

const SUBJECT_NAME = { ours: 'trt-landmarker', handwritten: 'hand-written Node', pytorch: 'PyTorch eager' } as const;

export function ms(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 1000) return v.toFixed(1);
  return v.toFixed(0);
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-';
}

function measuredText(t: TargetCheck): string {
  if (!Number.isFinite(t.measured)) return 'n/a';
  if (t.unit === 'x') return `${t.measured.toFixed(2)}x`;
  if (t.unit === 'share') return pct(t.measured);
  return `${t.measured.toFixed(3)} ms`;
}

function thresholdText(t: TargetCheck): string {
  if (t.unit === 'x') return `${t.comparator} ${t.threshold}x`;
  if (t.unit === 'share') return `${t.comparator} ${pct(t.threshold)}`;
  return `${t.comparator} ${t.threshold} ms`;
}

function backendText(r: { backend: string; precision: string }): string {
  return `${r.backend} ${r.precision}`;
}

const HEAD = ['model', 'pipeline', 'backend', 'batch', 'n', 'decode', 'preproc', 'infer', 'postproc', 'other', 'total p50', 'p90', 'p99', 'img/s', 'outside'];

function rowCells(r: Row): string[] {
  const s = r.measurement.stages;
  return [
    r.model,
    SUBJECT_NAME[r.subject],
    backendText(r),
    String(r.batch),
    String(s.total.n),
    ms(s.decode.p50),
    ms(s.preprocess.p50),
    ms(s.inference.p50),
    ms(s.postprocess.p50),
    ms(s.other.p50),
    ms(s.total.p50),
    ms(s.total.p90),
    ms(s.total.p99),
    r.measurement.throughput.toFixed(1),
    pct(r.measurement.outsideInference),
  ];
}

function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function comparisonCells(res: BenchResult): string[][] {
  return res.comparisons.map((c) => [
    c.model,
    backendText(c),
    String(c.batch),
    SUBJECT_NAME[c.baseline],
    ms(c.oursP50Ms),
    ms(c.baselineP50Ms),
    `${c.speedup.toFixed(2)}x`,
  ]);
}
const COMPARISON_HEAD = ['model', 'ours', 'batch', 'baseline', 'ours p50 ms', 'baseline p50 ms', 'speedup'];

function targetCells(res: BenchResult): string[][] {
  return res.targets.map((t) => [
    t.status,
    t.id,
    t.model,
    backendText(t),
    measuredText(t),
    thresholdText(t),
    t.note ?? '',
  ]);
}
const TARGET_HEAD = ['status', 'target', 'model', 'backend', 'measured', 'target', 'note'];

function setupCells(res: BenchResult): string[][] {
  return res.setup.map((s) => [s.model, SUBJECT_NAME[s.subject], backendText(s), ms(s.setupMs), String(s.details.note ?? '')]);
}
const SETUP_HEAD = ['model', 'pipeline', 'backend', 'setup ms', 'note'];

const AGREEMENT_TITLE = 'Same result? Points of each baseline vs trt-landmarker on an image at the model input size (no resampling)';
const AGREEMENT_HEAD = ['model', 'baseline', 'max |dx|,|dy| px', 'mean distance px'];
function agreementCells(res: BenchResult): string[][] {
  return res.agreement.map((a) => [a.model, SUBJECT_NAME[a.pipeline], a.maxAbsPx.toPrecision(2), a.meanPx.toPrecision(2)]);
}

export function consoleReport(res: BenchResult): string {
  const m = res.machine;
  const out = [
    `Machine: ${m.cpu} (${m.physicalCores} cores / ${m.logicalCores} threads, ${m.memoryGiB} GiB); GPU: ${m.gpu}` +
      (m.loadAverageStart ? `; load average ${m.loadAverageStart[0]} at start, ${m.loadAverageEnd?.[0]} at end` : ''),
    `Node ${m.node}, ONNX Runtime ${m.onnxruntime}, TensorRT ${m.tensorrt}, CUDA ${m.cuda}, driver ${m.driver}` +
      (m.torch ? `, PyTorch ${m.torch}` : ''),
    `Image: ${res.image.source} (${res.image.bytes} bytes); per row >= ${res.settings.iterations} calls and >= ${res.settings.timeMs} ms after ${res.settings.warmup} warm-up calls (per round; CPU pipelines alternate in ${res.settings.rounds} rounds)`,
    '',
    'Milliseconds per call (whole batch), p50 per stage; img/s from the mean call time; outside = share of time outside the model run',
    textTable(HEAD, res.rows.map(rowCells)),
    '',
    'Setup (ONNX Runtime session creation / TensorRT engine build or cache load / PyTorch model construction)',
    textTable(SETUP_HEAD, setupCells(res)),
  ];
  if (res.comparisons.length) out.push('', 'Speedup = baseline p50 / trt-landmarker p50 (same batch)', textTable(COMPARISON_HEAD, comparisonCells(res)));
  out.push('', 'Targets', textTable(TARGET_HEAD, targetCells(res)));
  if (res.agreement.length) out.push('', AGREEMENT_TITLE, textTable(AGREEMENT_HEAD, agreementCells(res)));
  if (res.notes.length) out.push('', 'Notes', ...res.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export function markdownReport(res: BenchResult): string {
  const m = res.machine;
  const machineRows = Object.entries(m).map(([k, v]) => [k, String(v)]);
  const stageHead = ['model', 'pipeline', 'backend', 'batch', 'stage', 'p50', 'p90', 'p99', 'mean'];
  const stageRows: string[][] = [];
  for (const r of res.rows) {
    for (const st of ['decode', 'preprocess', 'inference', 'postprocess', 'other', 'total'] as const) {
      const s = r.measurement.stages[st];
      stageRows.push([r.model, SUBJECT_NAME[r.subject], backendText(r), String(r.batch), st, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.mean)]);
    }
  }
  const parts = [
    `# trt-landmarker benchmark, ${res.createdAt}`,
    '',
    `Command: \`npm run bench -- ${res.argv.join(' ')}\` (${res.durationS.toFixed(0)} s). Image: ${res.image.source}, ${res.image.bytes} bytes. ` +
      `Each row: at least ${res.settings.iterations} calls and ${res.settings.timeMs} ms, after ${res.settings.warmup} warm-up calls (excluded).`,
    '',
    '## Machine',
    '',
    mdTable(['', ''], machineRows),
    '',
    '## Results',
    '',
    'Milliseconds per call on the whole batch, p50 of each stage; `other` = wall time no stage accounts for; img/s from the mean call time; `outside` = share of the wall time outside the model run (decode included).',
    '',
    mdTable(HEAD, res.rows.map(rowCells)),
    '',
  ];
  if (res.comparisons.length) parts.push('## Speedup over the baselines', '', 'baseline p50 / trt-landmarker p50, same batch size.', '', mdTable(COMPARISON_HEAD, comparisonCells(res)), '');
  parts.push('## Targets', '', mdTable(TARGET_HEAD, targetCells(res)), '', '## Setup', '', mdTable(SETUP_HEAD, setupCells(res)), '');
  if (res.agreement.length) parts.push(`## ${AGREEMENT_TITLE}`, '', mdTable(AGREEMENT_HEAD, agreementCells(res)), '');
  parts.push('## Per-stage percentiles', '', mdTable(stageHead, stageRows), '');
  if (res.notes.length) parts.push('## Notes', '', ...res.notes.map((n) => `- ${n}`), '');
  return parts.join('\n');
}
