/**
 * The TensorRT path end to end. Needs an NVIDIA GPU, its driver and TensorRT (libnvinfer of the major the addon
 * was compiled against): everything here skips with the probe's reason otherwise (this machine, CI).
 * Model: peppa-slim160 (../shared/models) with its sidecar contract; the input is a random raw frame, so the
 * comparison is TensorRT vs ONNX Runtime on the same pixels.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeTensorRt } from '../../src/backends/tensorrt';
import { TrtLandmarker } from '../../src/landmarker';
import type { RawFrame } from '../../src/types';
import { tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, '..', 'shared', 'models', 'peppa-slim160', 'slim_160_latest.onnx');
const CONTRACT = join(ROOT, 'models', 'contracts', 'peppa-slim160.json');
const probe = probeTensorRt();
const skip = !probe.available ? `TensorRT is not usable here: ${probe.reason}` : !existsSync(MODEL) ? `${MODEL} is absent` : '';
if (skip) console.log(`test/gpu/tensorrt-run: skipped, ${skip}`);
const d = skip ? describe.skip : describe;

function randomFrame(w: number, h: number, seed: number): RawFrame {
  const data = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width: w, height: h, format: 'bgr' };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

d('TensorRT end to end (GPU)', () => {
  let t: ReturnType<typeof tempDir>;
  let ort: TrtLandmarker;
  const frame = randomFrame(640, 480, 7);
  const box: [number, number, number, number] = [200, 120, 220, 240];
  beforeAll(async () => {
    t = tempDir();
    ort = await TrtLandmarker.create({ model: MODEL, config: CONTRACT, backend: 'onnxruntime', maxBatch: 1 });
  });
  afterAll(async () => {
    await ort?.dispose();
    t.cleanup();
  });

  test('fp32 engine: builds, matches ONNX Runtime within 0.05 px, then loads from the cache', async () => {
    const progress: number[] = [];
    const lm = await TrtLandmarker.create({
      model: MODEL, config: CONTRACT, backend: 'tensorrt', precision: 'fp32', cacheDir: t.dir,
      onProgress: (p) => progress.push(p.fraction),
    });
    expect(lm.info.backend).toBe('tensorrt');
    expect(lm.info.reason).toMatch(/built .*\.engine in/);
    expect(progress.length).toBeGreaterThan(0);
    const [a, b] = await Promise.all([lm.detect(frame, { box }), ort.detect(frame, { box })]);
    console.log(`TensorRT fp32 vs ONNX Runtime: max |dx| ${maxDiff(a.points, b.points).toFixed(4)} px; GPU timings ${JSON.stringify(a.timings)}`);
    expect(maxDiff(a.points, b.points)).toBeLessThan(0.05);
    await lm.dispose();
    const again = await TrtLandmarker.create({ model: MODEL, config: CONTRACT, backend: 'tensorrt', precision: 'fp32', cacheDir: t.dir });
    expect(again.info.reason).toMatch(/engine from cache/);
    await again.dispose();
  });

  test('fp16 engine: within 1 px of ONNX Runtime', async () => {
    const lm = await TrtLandmarker.create({ model: MODEL, config: CONTRACT, backend: 'tensorrt', precision: 'fp16', cacheDir: t.dir });
    const [a, b] = await Promise.all([lm.detect(frame, { box }), ort.detect(frame, { box })]);
    console.log(`TensorRT ${lm.info.precision} vs ONNX Runtime: max |dx| ${maxDiff(a.points, b.points).toFixed(4)} px (${lm.info.reason})`);
    expect(maxDiff(a.points, b.points)).toBeLessThan(1);
    await lm.dispose();
  });

  test('a truncated cached engine is rebuilt with a warning, never a crash', async () => {
    const engines = readdirSync(t.dir).filter((f) => f.endsWith('.engine'));
    expect(engines.length).toBeGreaterThan(0);
    for (const f of engines) writeFileSync(join(t.dir, f), Buffer.from('truncated'));
    const warnings: string[] = [];
    const onWarn = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarn);
    try {
      const lm = await TrtLandmarker.create({ model: MODEL, config: CONTRACT, backend: 'tensorrt', precision: 'fp32', cacheDir: t.dir });
      await new Promise((r) => setImmediate(r));
      expect(lm.info.reason).toMatch(/built /);
      expect(warnings.some((w) => /is unusable: .*rebuilding it$/.test(w))).toBe(true);
      await lm.dispose();
    } finally {
      process.off('warning', onWarn);
    }
  });

  test('concurrent detect() calls queue and give the same points as sequential ones; dispose is final', async () => {
    const lm = await TrtLandmarker.create({ model: MODEL, config: CONTRACT, backend: 'tensorrt', precision: 'fp32', cacheDir: t.dir });
    const frames = [1, 2, 3, 4, 5].map((s) => randomFrame(320 + s * 16, 240, s));
    const seq: Float32Array[] = [];
    for (const f of frames) seq.push((await lm.detect(f)).points);
    const par = await Promise.all(frames.map((f) => lm.detect(f)));
    par.forEach((r, i) => expect(maxDiff(r.points, seq[i])).toBe(0));
    await lm.dispose();
    await expect(lm.detect(frames[0])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});
