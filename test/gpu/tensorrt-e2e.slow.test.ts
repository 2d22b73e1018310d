/**
 * The TensorRT path end to end on a GPU, with models this test makes itself (no ../shared): random-weight PIPNet
 * and MobileNetV3 regression exported by models/export.py (dynamic batch, FP32 + FP16 graphs), a fixed-batch copy.
 * Reference: ONNX Runtime on the CPU with the same FP32 graph and the addon's CPU preprocessing and decoding, so a
 * difference is the engine's arithmetic plus the GPU kernels. FP32 engines (TF32 off) must agree within 1e-3 px.
 *
 * Needs an NVIDIA GPU with its driver, TensorRT of the addon's major, and Python with torch/torchvision/onnx. Without
 * them it skips with the reason; with TRT_LANDMARKER_REQUIRE_GPU=1 (npm run verify:gpu) it fails listing them.
 * NOT YET RUN ON A GPU (none has been available to this project): see docs/tensorrt.md.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeTensorRt } from '../../src/backends/tensorrt';
import { openLandmarkModel } from '../../src/model/open';
import { TrtLandmarker } from '../../src/landmarker';
import { ensureModel, type ModelPaths } from '../../tools/onnx-export';
import { loadAddon } from '../../src/native/loader';
import { sha256 } from '../../src/tensorrt/cache-key';
import { enginePaths } from '../../src/tensorrt/engine-cache';
import { prepareEngine } from '../../src/tensorrt/engine';
import type { LandmarkResult, RawFrame } from '../../src/types';
import { pythonOrReason, runPython } from '../models/helpers';
import { gpuDescribe, tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist', 'src', 'index.js');
const probe = probeTensorRt();
const py = pythonOrReason();
const missing = [
  ...(probe.available ? [] : [`a GPU with TensorRT (${probe.reason})`]),
  ...(py.python ? [] : [`Python for models/export.py (${py.reason})`]),
  ...(existsSync(DIST) ? [] : [`the compiled package ${DIST} (npm run build:ts) for the two-process cache test`]),
];

type Box = [number, number, number, number];
function randomFrame(w: number, h: number, seed: number): RawFrame {
  const data = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width: w, height: h, format: 'bgr' };
}
const FRAMES = Array.from({ length: 8 }, (_, i) => randomFrame(320 + 16 * i, 240 + 8 * i, i + 1));
const BOXES: Box[] = FRAMES.map((f, i) => [20 + 3 * i, 10 + 2 * i, f.width / 2, f.height / 2]);
const items = (n: number, from = 0) => Array.from({ length: n }, (_, k) => ({ input: FRAMES[from + k], box: BOXES[from + k] }));

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Number.isNaN(a[i] - b[i]) ? Infinity : Math.abs(a[i] - b[i]));
  return m;
}
/** Fraction of landmarks within `tol` px of the reference (FP16 engines: a few PIPNet argmax cells may flip). */
function within(a: Float32Array, b: Float32Array, tol: number): number {
  let ok = 0;
  for (let i = 0; i < a.length; i += 2) ok += Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1]) <= tol ? 1 : 0;
  return ok / (a.length / 2);
}

async function create(model: string, dir: string, over: Record<string, unknown> = {}, graphs = false): Promise<TrtLandmarker> {
  const before = process.env.TRT_LANDMARKER_CUDA_GRAPH;
  if (graphs) process.env.TRT_LANDMARKER_CUDA_GRAPH = '1';
  else delete process.env.TRT_LANDMARKER_CUDA_GRAPH;
  try {
    return await TrtLandmarker.create({ model, backend: 'tensorrt', precision: 'fp32', maxBatch: 8, cacheDir: dir, ...over });
  } finally {
    if (before === undefined) delete process.env.TRT_LANDMARKER_CUDA_GRAPH;
    else process.env.TRT_LANDMARKER_CUDA_GRAPH = before;
  }
}

gpuDescribe('TensorRT end to end on the GPU (exported random-weight models)', missing, () => {
  let t: ReturnType<typeof tempDir>;
  const models: Record<'pipnet' | 'mobilenetv3', ModelPaths> = {} as never;
  const reference: Record<string, LandmarkResult[]> = {};
  const major = loadAddon().buildInfo().tensorrtMajor!;

  beforeAll(async () => {
    t = tempDir('trtl-e2e-');
    for (const arch of ['pipnet', 'mobilenetv3'] as const) {
      models[arch] = await ensureModel({ arch, seed: 3 });
      const ort = await TrtLandmarker.create({ model: models[arch].fp32, backend: 'onnxruntime', maxBatch: 8 });
      reference[arch] = await ort.detectBatch(items(8));
      await ort.dispose();
    }
  }, 30 * 60_000);
  afterAll(() => t?.cleanup());

  describe.each(['pipnet', 'mobilenetv3'] as const)('%s', (arch) => {
    for (const graphs of [false, true]) {
      test(`fp32 engine, batches 1, 4, 8 and back to 1 ${graphs ? 'with' : 'without'} CUDA graphs: within 1e-3 px of the CPU reference`, async () => {
        const lm = await create(models[arch].fp32, t.dir, {}, graphs);
        try {
          expect(lm.info.backend).toBe('tensorrt');
          expect(lm.info.maxBatch).toBe(8);
          // Each batch size twice: with graphs the first run at a new size is a normal run (postprocess timed),
          // the second replays the graph captured after it (postprocess 0, docs/tensorrt.md).
          for (const n of [1, 1, 4, 4, 8, 8, 1, 1, 4]) {
            const out = await lm.detectBatch(items(n));
            out.forEach((r, k) => {
              const d = maxDiff(r.points, reference[arch][k].points);
              if (d > 1e-3) console.log(`${arch} batch ${n} item ${k}: max |d| ${d} px`);
              expect(d).toBeLessThanOrEqual(1e-3);
              if (arch === 'pipnet') expect(maxDiff(r.scores!, reference[arch][k].scores!)).toBeLessThanOrEqual(1e-4);
            });
          }
          const info = lm.runtimeInfo();
          expect(info.cudaGraph).toBe(graphs ? 'on' : 'off');
          expect(info.deviceBytes).toBeGreaterThan(0);
          if (graphs) {
            // Back at batch 1 after batch 8: a normal run first (the context ran at 8), then a replay.
            const a = await lm.detectBatch(items(2));
            const b = await lm.detectBatch(items(2));
            expect(a[0].timings.postprocess).toBeGreaterThan(0);
            expect(b[0].timings.postprocess).toBe(0);
            expect(maxDiff(a[0].points, b[0].points)).toBe(0);
          }
        } finally {
          await lm.dispose();
        }
      });
    }

    test(`fp16 engine on TensorRT ${major} (${major >= 11 ? 'strongly typed FP16 graph' : 'FP16 graph, and the kFP16 flag without it'})`, async () => {
      const lm = await create(models[arch].fp32, t.dir, { precision: 'fp16' });
      try {
        expect(lm.info.precision).toBe('fp16');
        expect(lm.info.reason).toMatch(/FP16 engine from the FP16 graph /);
        const out = await lm.detectBatch(items(8));
        out.forEach((r, k) => expect(within(r.points, reference[arch][k].points, 1)).toBeGreaterThanOrEqual(0.95));
      } finally {
        await lm.dispose();
      }
      // The FP32 graph alone (no .fp16.onnx beside it): TensorRT 10 uses the kFP16 builder flag, 11 builds FP32.
      const alone = join(t.dir, `${arch}-alone.onnx`);
      copyFileSync(models[arch].fp32, alone);
      const flag = await create(alone, t.dir, { precision: 'fp16' });
      try {
        if (major < 11) {
          expect(flag.info.precision).toBe('fp16');
          expect(flag.info.reason).toMatch(/kFP16 builder flag/);
        } else {
          expect(flag.info.precision).toBe('fp32');
          expect(flag.info.reason).toMatch(/building an FP32 engine/);
        }
        const out = await flag.detectBatch(items(4));
        out.forEach((r, k) => expect(within(r.points, reference[arch][k].points, 1)).toBeGreaterThanOrEqual(0.95));
      } finally {
        await flag.dispose();
      }
    });
  });

  test('a model with a fixed batch of 4 builds (profile 4..4) and runs 1..4 frames', async () => {
    const fixed = join(t.dir, 'mobilenet-b4.onnx');
    await runPython(
      py.python!,
      'import onnx,sys\nm=onnx.load(sys.argv[1])\nfor v in list(m.graph.input)+list(m.graph.output):\n  v.type.tensor_type.shape.dim[0].dim_value=4\nonnx.save(m,sys.argv[2])',
      [models.mobilenetv3.fp32, fixed],
    );
    const lm = await create(fixed, t.dir, { maxBatch: 1 });
    try {
      expect(lm.info.maxBatch).toBe(4);
      for (const n of [1, 3, 4]) {
        const out = await lm.detectBatch(items(n));
        out.forEach((r, k) => expect(maxDiff(r.points, reference.mobilenetv3[k].points)).toBeLessThanOrEqual(1e-3));
      }
    } finally {
      await lm.dispose();
    }
  });

  describe('engine cache', () => {
    let dir: string;
    beforeAll(() => (dir = join(t.dir, 'cache')));
    const model = () => models.mobilenetv3.fp32;

    test('build, then reload from the cache', async () => {
      const a = await create(model(), dir);
      expect(a.info.reason).toMatch(/built .*\.engine in/);
      await a.dispose();
      const b = await create(model(), dir);
      expect(b.info.reason).toMatch(/engine from cache /);
      expect(maxDiff((await b.detectBatch(items(1)))[0].points, reference.mobilenetv3[0].points)).toBeLessThanOrEqual(1e-3);
      await b.dispose();
    });

    test('a corrupt engine whose metadata matches reaches TensorRT, which refuses it: warned and rebuilt', async () => {
      const engines = readdirSync(dir).filter((f) => f.endsWith('.engine'));
      expect(engines).toHaveLength(1);
      const paths = enginePaths(dir, engines[0].replace(/\.engine$/, ''));
      const good = readFileSync(paths.engine);
      const bad = Buffer.from(good);
      for (let i = 0; i < bad.length; i += 7) bad[i] ^= 0x5a;
      writeFileSync(paths.engine, bad);
      const meta = JSON.parse(readFileSync(paths.meta, 'utf8'));
      writeFileSync(paths.meta, JSON.stringify({ ...meta, sha256: sha256(bad), bytes: bad.length }));
      const warnings: string[] = [];
      const onWarn = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarn);
      try {
        const lm = await create(model(), dir);
        await new Promise((r) => setImmediate(r));
        expect(lm.info.reason).toMatch(/built /);
        expect(warnings.some((w) => /is unusable: TensorRT could not deserialise it \(deserializeCudaEngine .* failed/.test(w))).toBe(true);
        await lm.dispose();
      } finally {
        process.off('warning', onWarn);
      }
    });

    test('a version change builds a new engine; the old one still loads for the old version', async () => {
      const gpu = probe.gpu!;
      const opts = { model: openLandmarkModel(model(), undefined), precision: 'fp32' as const, maxBatch: 8, cacheDir: dir };
      const open = async () => 'opened';
      const other = { ...gpu, build: { ...gpu.build, version: '0.0.0-other' } };
      const newer = await prepareEngine(other, opts, open);
      expect(newer.built).toBe(true);
      const same = await prepareEngine(gpu, opts, open);
      expect(same.built).toBe(false);
      expect(same.path).not.toBe(newer.path);
    });

    test('two processes building the same engine at once: one builds, the other waits and loads it', async () => {
      const shared = join(t.dir, 'two-processes');
      const script = `
        const { TrtLandmarker } = require(${JSON.stringify(DIST)});
        (async () => {
          const lm = await TrtLandmarker.create({ model: process.argv[1], backend: 'tensorrt', precision: 'fp32', maxBatch: 8, cacheDir: process.argv[2] });
          console.log(JSON.stringify({ reason: lm.info.reason }));
          await lm.dispose();
        })().catch((e) => { console.error(e); process.exit(1); });`;
      const run = () =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          let out = '';
          let err = '';
          const c = spawn(process.execPath, ['-e', script, model(), shared], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRT_LANDMARKER_CUDA_GRAPH: '' } });
          c.stdout.on('data', (d: Buffer) => (out += d.toString()));
          c.stderr.on('data', (d: Buffer) => (err += d.toString()));
          c.on('close', (code) => resolve({ code, out, err }));
        });
      const results = await Promise.all([run(), run()]);
      for (const r of results) expect(r).toMatchObject({ code: 0 });
      const reasons = results.map((r) => (JSON.parse(r.out.trim().split('\n').pop()!) as { reason: string }).reason);
      expect(reasons.filter((s) => /built .*\.engine in/.test(s))).toHaveLength(1);
      expect(reasons.filter((s) => /engine from cache /.test(s))).toHaveLength(1);
    });
  });

  test('concurrent detect() calls queue and equal sequential ones; dispose is final', async () => {
    const lm = await create(models.pipnet.fp32, t.dir);
    const seq: Float32Array[] = [];
    for (const f of FRAMES.slice(0, 5)) seq.push((await lm.detect(f)).points);
    const par = await Promise.all(FRAMES.slice(0, 5).map((f) => lm.detect(f)));
    par.forEach((r, i) => expect(maxDiff(r.points, seq[i])).toBe(0));
    await lm.dispose();
    await expect(lm.detect(FRAMES[0])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});
