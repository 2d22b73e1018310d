/**
 * bench/targets.ts: the targets graded from hand-made rows whose answers are worked out here (boundaries
 * included: a target met exactly is PASS), and SKIP with its reason where nothing was measured.
 */
import type { Row } from '../../bench/result';
import type { Measurement } from '../../bench/runner';
import { compare, evaluateTargets } from '../../bench/targets';

/** A row with only the fields the targets read: p50 total, outside share, overhead per image. */
function row(subject: Row['subject'], backend: string, batch: number, m: { p50: number; outside?: number; overheadShare?: number; perImage?: number; withDecode?: number }): Row {
  const measurement = {
    batch,
    stages: { total: { n: 5, mean: m.p50, p50: m.p50, p90: m.p50, p99: m.p50, min: m.p50, max: m.p50 } },
    outsideInference: m.outside ?? 0,
    overheadShare: m.overheadShare ?? 0,
    outsidePerImageMs: m.withDecode ?? 0,
    overheadPerImageMs: m.perImage ?? 0,
    throughput: 0,
  } as unknown as Measurement;
  return { model: 'mobilenetv3', subject, label: subject, backend, precision: subject === 'ours' && backend === 'tensorrt' ? 'fp16' : 'fp32', batch, measurement };
}

const noTrt = { available: false, reason: 'no GPU', precisions: [] };

test('cpu-speedup: 15 ms hand-written / 10 ms ours = 1.5x is PASS; 14.9 / 10 = 1.49x is MISS', () => {
  for (const [hand, status, speedup] of [[15, 'PASS', 1.5], [14.9, 'MISS', 1.49]] as const) {
    const rows = [row('ours', 'onnxruntime', 1, { p50: 10, outside: 0.05 }), row('handwritten', 'onnxruntime', 1, { p50: hand })];
    const comparisons = compare(rows);
    expect(comparisons).toEqual([expect.objectContaining({ baseline: 'handwritten', batch: 1, oursP50Ms: 10, baselineP50Ms: hand })]);
    expect(comparisons[0].speedup).toBeCloseTo(speedup, 12);
    const t = evaluateTargets(rows, comparisons, ['mobilenetv3'], noTrt).find((x) => x.id === 'cpu-speedup')!;
    expect(t).toMatchObject({ status, threshold: 1.5, comparator: '>=' });
    expect(t.measured).toBeCloseTo(speedup, 12);
  }
});

test('cpu-outside-share: 10 % outside the model run is PASS, 10.5 % is MISS; the share without decode is the note', () => {
  for (const [outside, status] of [[0.1, 'PASS'], [0.105, 'MISS']] as const) {
    const rows = [row('ours', 'onnxruntime', 1, { p50: 10, outside, overheadShare: 0.042 })];
    const t = evaluateTargets(rows, compare(rows), ['mobilenetv3'], noTrt).find((x) => x.id === 'cpu-outside-share')!;
    expect(t).toMatchObject({ status, measured: outside, threshold: 0.1, comparator: '<=', note: 'without the JPEG decode: 4.2%' });
  }
});

test('gpu-outside-per-image: 0.2 ms is PASS, 0.25 ms MISS; without TensorRT it is SKIP with the reason', () => {
  const trt = { available: true, reason: '', precisions: ['fp16'] };
  for (const [perImage, status] of [[0.2, 'PASS'], [0.25, 'MISS']] as const) {
    const rows = [row('ours', 'tensorrt', 1, { p50: 1, perImage, withDecode: 1.5 })];
    const t = evaluateTargets(rows, compare(rows), ['mobilenetv3'], trt).find((x) => x.id === 'gpu-outside-per-image')!;
    expect(t).toMatchObject({ status, measured: perImage, precision: 'fp16', note: 'image decode excluded; with it: 1.500 ms' });
  }
  const skipped = evaluateTargets([], [], ['mobilenetv3'], noTrt);
  expect(skipped.find((x) => x.id === 'gpu-outside-per-image')).toMatchObject({ status: 'SKIP', note: 'no TensorRT here (see notes)' });
  expect(Number.isNaN(skipped.find((x) => x.id === 'gpu-outside-per-image')!.measured)).toBe(true);
});

test('nothing measured is never PASS: a missing baseline or batch-1 row is SKIP with the reason', () => {
  const rows = [row('ours', 'onnxruntime', 2, { p50: 10, outside: 0.01 })];
  const t = evaluateTargets(rows, compare(rows), ['mobilenetv3'], noTrt);
  expect(t.find((x) => x.id === 'cpu-speedup')).toMatchObject({ status: 'SKIP', note: 'hand-written baseline not run', batch: 2 });
  expect(t.find((x) => x.id === 'cpu-outside-share')).toMatchObject({ status: 'SKIP', note: 'ONNX Runtime at batch 1 not run' });
});
