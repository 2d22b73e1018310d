/**
 * `npm run bench` end to end on the smallest model with 2 iterations: the results JSON and Markdown are complete and
 * self-consistent, the baselines compute the same points as trt-landmarker, and PyTorch runs the ONNX model's
 * weights. No timing is asserted (benchmarks are not tests): only structure, ordering of percentiles and agreement.
 * The bench runs in a child Node process, compiled (dist/bench/main.js, as `npm run bench` runs it): tinybench is
 * an ES module, which jest's CommonJS module system cannot load.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchResult } from '../../bench/result';
import { probeTensorRt } from '../../src/backends/tensorrt';
import { findPythonSync } from '../../tools/torch-python';
import { createHandwritten } from '../../bench/handwritten';
import { syntheticFaceJpeg } from '../../bench/image';
import { openLandmarkModel } from '../../src/model/open';
import { TrtLandmarker } from '../../src/landmarker';

let skipReason = '';
try {
  findPythonSync();
} catch (e) {
  skipReason = (e as Error).message;
}
const d = skipReason ? describe.skip : describe;
if (skipReason) console.log(`test/bench/smoke skipped: the models are exported with PyTorch: ${skipReason}`);

d('npm run bench (mobilenetv3, 2 iterations)', () => {
  let dir: string;
  let result: BenchResult;
  let markdown: string;
  let stdout = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const root = resolve(__dirname, '..', '..');
    const args = ['--arch', 'mobilenetv3', '--batch', '1,2', '--iterations', '2', '--time', '1', '--warmup', '1', '--out', dir, '--json'];
    let stderr = '';
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(process.execPath, [join(root, 'dist', 'bench', 'main.js'), ...args], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', fail);
      child.on('close', done);
    });
    if (code !== 0) throw new Error(`bench exited ${code}:\n${stderr}`);
    const files = readdirSync(dir);
    const json = files.find((f) => f.endsWith('.json'));
    const md = files.find((f) => f.endsWith('.md'));
    expect(json).toBeDefined();
    expect(md).toBeDefined();
    result = JSON.parse(readFileSync(join(dir, json!), 'utf8')) as BenchResult;
    markdown = readFileSync(join(dir, md!), 'utf8');
  }, 300_000);

  afterAll(() => {
    if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  });

  test('--json prints the same result that is written to the folder', () => {
    expect(JSON.parse(stdout)).toEqual(result);
    expect(result.schema).toBe('trt-landmarker-bench/1');
  });

  test('machine and settings are recorded', () => {
    for (const k of ['cpu', 'gpu', 'driver', 'cuda', 'tensorrt', 'onnxruntime', 'node'] as const) {
      expect(typeof result.machine[k]).toBe('string');
      expect(result.machine[k].length).toBeGreaterThan(0);
    }
    expect(result.machine.node).toBe(process.version);
    expect(result.settings).toMatchObject({ iterations: 2, timeMs: 1, warmup: 1, batches: [1, 2] });
    expect(result.models.map((m) => m.name)).toEqual(['mobilenetv3']);
  });

  test('one row per pipeline and batch, each with ordered percentiles for every stage', () => {
    const keys = result.rows.map((r) => `${r.subject}/${r.backend}/${r.batch}`).sort();
    expect(keys).toEqual(['handwritten/onnxruntime/1', 'handwritten/onnxruntime/2', 'ours/onnxruntime/1', 'ours/onnxruntime/2', 'pytorch/pytorch/1', 'pytorch/pytorch/2']);
    for (const r of result.rows) {
      for (const st of ['decode', 'preprocess', 'inference', 'postprocess', 'other', 'total'] as const) {
        const s = r.measurement.stages[st];
        expect(s.n).toBeGreaterThanOrEqual(2);
        expect(s.min).toBeGreaterThanOrEqual(0);
        expect(s.p50).toBeLessThanOrEqual(s.p90);
        expect(s.p90).toBeLessThanOrEqual(s.p99);
        expect(s.p99).toBeLessThanOrEqual(s.max);
      }
      expect(r.measurement.stages.total.p50).toBeGreaterThan(r.measurement.stages.inference.min);
      expect(r.measurement.throughput).toBeCloseTo((1000 * r.batch) / r.measurement.stages.total.mean, 6);
    }
  });

  test('speedups against both baselines at both batch sizes', () => {
    expect(result.comparisons.map((c) => `${c.baseline}/${c.batch}`).sort()).toEqual(['handwritten/1', 'handwritten/2', 'pytorch/1', 'pytorch/2']);
    for (const c of result.comparisons) expect(c.speedup).toBeCloseTo(c.baselineP50Ms / c.oursP50Ms, 10);
  });

  // The PASS/MISS rule itself is checked against hand-worked cases in test/bench/targets.test.ts; here: each target's
  // measured value is the one the rows of this run give, and what could be measured here was graded.
  test('every target is measured from this run\'s rows, or SKIP with a reason', () => {
    const ids = result.targets.map((t) => t.id).sort();
    expect(ids).toEqual(['cpu-outside-share', 'cpu-speedup', 'cpu-speedup', 'gpu-outside-per-image']);
    const rowOf = (subject: string, batch: number) => result.rows.find((r) => r.subject === subject && r.backend === 'onnxruntime' && r.batch === batch)!;
    for (const t of result.targets.filter((x) => x.id === 'cpu-speedup')) {
      expect(t.measured).toBeCloseTo(rowOf('handwritten', t.batch).measurement.stages.total.p50 / rowOf('ours', t.batch).measurement.stages.total.p50, 10);
      expect(['PASS', 'MISS']).toContain(t.status);
    }
    const share = result.targets.find((t) => t.id === 'cpu-outside-share')!;
    const b1 = rowOf('ours', 1).measurement;
    // outside = total - inference, per call; its p50 over the p50 total.
    expect(share.measured).toBeCloseTo(b1.stages.outside.p50 / b1.stages.total.p50, 10);
    expect(['PASS', 'MISS']).toContain(share.status);
    const gpu = result.targets.find((t) => t.id === 'gpu-outside-per-image')!;
    if (!probeTensorRt().available) expect(gpu).toMatchObject({ status: 'SKIP', note: 'no TensorRT here (see notes)' });
  });

  test('the baselines find the same points as trt-landmarker where nothing is resampled', () => {
    expect(result.agreement.map((a) => a.pipeline).sort()).toEqual(['handwritten', 'pytorch']);
    for (const a of result.agreement) expect(a.maxAbsPx).toBeLessThan(0.01);
  });

  test('the hand-written baseline finds trt-landmarker\'s points, measured by this test, as the bench reports', async () => {
    // Same model file, same synthetic image at the model's input size, points compared here.
    const model = result.models[0];
    const { contract } = openLandmarkModel(model.path);
    const image = await syntheticFaceJpeg(contract.input.width, contract.input.height);
    const lm = await TrtLandmarker.create({ model: model.path, backend: 'onnxruntime' });
    const hand = await createHandwritten(model.path, contract);
    try {
      const ours = (await lm.detect(image.jpeg)).points;
      await hand.run([image.jpeg]);
      const theirs = hand.lastPoints!;
      expect(theirs.length).toBe(ours.length);
      let maxAbs = 0;
      for (let i = 0; i < ours.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ours[i] - theirs[i]));
      const reported = result.agreement.find((a) => a.pipeline === 'handwritten')!;
      console.log(`hand-written vs trt-landmarker: max |d| ${maxAbs.toExponential(2)} px measured here, ${reported.maxAbsPx.toExponential(2)} px reported`);
      expect(maxAbs).toBeLessThan(0.01);
      expect(reported.maxAbsPx).toBeCloseTo(maxAbs, 6);
      // The points are on the image, not a degenerate constant both pipelines could share by accident.
      expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(1);
    } finally {
      await hand.dispose();
      await lm.dispose();
    }
  });

  test('PyTorch runs the same weights as the ONNX model', () => {
    expect(result.notes.some((n) => /mobilenetv3: PyTorch vs ONNX weights check: ONNX and PyTorch outputs agree/.test(n))).toBe(true);
  });

  test('the Markdown report has every section', () => {
    for (const h of ['## Machine', '## Results', '## Speedup over the baselines', '## Targets', '## Setup', '## Per-stage percentiles']) {
      expect(markdown).toContain(h);
    }
  });
});
