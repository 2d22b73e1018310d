/**
 * ONNX Runtime runs in one worker thread per landmarker (src/backends/onnxruntime-thread.ts): the event loop stays
 * responsive during inference, concurrent calls give the sequential results, a session.run error and a dying
 * thread reject with ERR_INFERENCE, dispose() ends the thread, and an undisposed landmarker lets the process exit.
 *
 * ORT's tensors are created inside the worker thread and reach this thread through postMessage, so
 * onnxruntime-common's cross-realm instanceof check never runs in jest's realm.
 * Models: built here byte by byte (a slow conv stack standing in for a real network), plus the PIPNet export
 * (tools/onnx-export.ts ensureModel) where Python with torch is available.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OnnxRuntimePipeline } from '../../src/backends/onnxruntime';
import { CONTROL_BUSY } from '../../src/backends/onnxruntime-worker';
import { TrtLandmarker } from '../../src/landmarker';
import { ensureModel } from '../../tools/onnx-export';
import { findPythonSync } from '../../tools/torch-python';
import type { LandmarkResult, RawFrame } from '../../src/types';
import { intAttr, intsAttr, model, node, pipnetContract, rand, regressionContract, tensor, tinyPipnet, tinyRegression, valueInfo, type Msg } from '../unit/helpers/onnx-builder';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ort-worker-'));

/** input [N,3,S,S] -> `layers` x (3x3 Conv to `channels`, Relu) -> mean -> MatMul -> Sigmoid [N,136]: 1.9 GFLOP a layer at S=160, C=64. */
function slowRegression(size: number, channels: number, layers: number): Buffer {
  const nodes: Msg[] = [];
  const initializers: Msg[] = [];
  let prev = 'input';
  let cin = 3;
  for (let i = 0; i < layers; i++) {
    const w = rand(channels * cin * 9, 300 + i).map((v) => v / Math.sqrt(cin * 9));
    initializers.push(tensor(`w${i}`, [channels, cin, 3, 3], w));
    nodes.push(node('Conv', [prev, `w${i}`], [`c${i}`], [intsAttr('kernel_shape', [3, 3]), intsAttr('pads', [1, 1, 1, 1])]));
    nodes.push(node('Relu', [`c${i}`], [`r${i}`]));
    prev = `r${i}`;
    cin = channels;
  }
  nodes.push(node('ReduceMean', [prev], ['mean'], [intsAttr('axes', [2, 3]), intAttr('keepdims', 0)]));
  nodes.push(node('MatMul', ['mean', 'wf'], ['mm']));
  nodes.push(node('Sigmoid', ['mm'], ['landmarks']));
  initializers.push(tensor('wf', [channels, 136], rand(channels * 136, 77)));
  return model({
    nodes,
    initializers,
    inputs: [valueInfo('input', ['N', 3, size, size])],
    outputs: [valueInfo('landmarks', ['N', 136])],
    metadata: { trt_landmarker: JSON.stringify(regressionContract(size)) },
  });
}

const SLOW = join(dir, 'slow.onnx');
const REG = join(dir, 'reg64.onnx');
const PIP = join(dir, 'pip.onnx');
writeFileSync(SLOW, slowRegression(160, 64, 3));
writeFileSync(REG, tinyRegression({ size: 64, metadata: { trt_landmarker: JSON.stringify(regressionContract(64)) } }));
writeFileSync(PIP, tinyPipnet({ size: 64, metadata: { trt_landmarker: JSON.stringify(pipnetContract(64)) } }));

let pythonReason = '';
try {
  findPythonSync();
} catch (e) {
  pythonReason = (e as Error).message.split('\n')[0];
}
if (pythonReason) console.log(`test/e2e/ort-worker: the PIPNet export case is skipped, ${pythonReason}`);

function frame(seed: number, width = 200, height = 160): RawFrame {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + seed * 57 + ((i / 3 / width) | 0) * seed) % 256;
  return { data, width, height, format: 'rgb' };
}

const threadOf = (lm: TrtLandmarker) => (lm as unknown as { pipeline: OnnxRuntimePipeline }).pipeline.thread;
const plain = (r: LandmarkResult) => ({ points: Array.from(r.points), scores: r.scores ? Array.from(r.scores) : undefined });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BATCH = 4;

/**
 * Runs `calls` sequential detectBatch() calls (of BATCH frames, so that each session.run lasts long enough to show)
 * with a 5 ms timer ticking, and at every tick reads the worker's BUSY flag (set in shared memory exactly while the
 * worker thread is inside ORT's native code, see onnxruntime-worker.ts). The property, independent of how loaded the
 * machine is: this thread ticks WHILE a session.run is under way, during every one of the runs. A thread blocked by
 * the run (ORT on this thread, or waiting for it synchronously) cannot tick then: it would see BUSY set never.
 * How often it ticks and its longest gap depend on the machine's load; they are logged, not asserted.
 */
async function ticksDuring(
  lm: TrtLandmarker,
  calls: number,
): Promise<{ ticks: number; busyTicks: number; runsWithTicks: number; elapsed: number; core: number; minCore: number; maxGap: number }> {
  const batch = () => Array.from({ length: BATCH }, (_, k) => frame(k + 1));
  await lm.detectBatch(batch()); // warm-up: the first run allocates ORT's arenas
  const control = (threadOf(lm) as unknown as { control: Int32Array }).control;
  let ticks = 0;
  let busyTicks = 0;
  let call = -1;
  const runsWithTicks = new Set<number>();
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
    if (Atomics.load(control, CONTROL_BUSY) === 1) {
      busyTicks++;
      runsWithTicks.add(call);
    }
  }, 5);
  const t0 = performance.now();
  let core = 0;
  let minCore = Infinity;
  try {
    for (call = 0; call < calls; call++) {
      const ms = (await lm.detectBatch(batch()))[0].timings.inferenceCore ?? 0;
      core += ms;
      minCore = Math.min(minCore, ms);
    }
  } finally {
    clearInterval(timer);
  }
  return { ticks, busyTicks, runsWithTicks: runsWithTicks.size, elapsed: performance.now() - t0, core, minCore, maxGap };
}

describe('the event loop stays responsive during inference', () => {
  const cases: Array<{ name: string; model: () => Promise<string>; skip: string }> = [
    { name: 'slow conv stack (built here)', model: async () => SLOW, skip: '' },
    { name: 'PIPNet-ResNet18 export', model: async () => (await ensureModel({ arch: 'pipnet', landmarks: 68, inputSize: 256 })).fp32, skip: pythonReason },
  ];
  for (const c of cases) {
    (c.skip ? test.skip : test)(`${c.name}: this thread ticks during every session.run (see ticksDuring)`, async () => {
      // One intra-op thread: on a 2-core machine ORT's spinning pool would otherwise take both cores from this
      // thread (scheduling delays, not blocking); the property tested does not depend on the thread count.
      const lm = await TrtLandmarker.create({ model: await c.model(), backend: 'onnxruntime', precision: 'fp32', maxBatch: BATCH, threads: 1 });
      try {
        const calls = 5;
        const r = await ticksDuring(lm, calls);
        console.log(
          `${c.name}: ${calls} batches of ${BATCH} in ${r.elapsed.toFixed(0)} ms (session.run ${r.core.toFixed(0)} ms, shortest ${r.minCore.toFixed(0)} ms): ` +
            `${r.ticks} ticks of 5 ms (ideal ${(r.elapsed / 5).toFixed(0)}), ${r.busyTicks} during session.run, in ${r.runsWithTicks} of ${calls} runs; ` +
            `longest gap ${r.maxGap.toFixed(1)} ms`,
        );
        expect(r.runsWithTicks).toBe(calls);
      } finally {
        await lm.dispose();
      }
    }, 600_000);
  }
});

describe('concurrent calls', () => {
  test.each([['regression', REG], ['pipnet', PIP], ['slow conv stack', SLOW]])('%s: concurrent detect()/detectBatch() equal the sequential results', async (_n, modelPath) => {
    const lm = await TrtLandmarker.create({ model: modelPath, backend: 'onnxruntime', maxBatch: 2 });
    try {
      const frames = [0, 1, 2, 3, 4, 5].map((i) => frame(i));
      const box = (i: number): [number, number, number, number] => [10 + 7 * i, 12 + 3 * i, 90, 100];
      const sequential: LandmarkResult[] = [];
      for (let i = 0; i < frames.length; i++) sequential.push(await lm.detect(frames[i], { box: box(i) }));
      const concurrent = await Promise.all(frames.map((f, i) => lm.detect(f, { box: box(i) })));
      const batched = await Promise.all([0, 2, 4].map((i) => lm.detectBatch([{ input: frames[i], box: box(i) }, { input: frames[i + 1], box: box(i + 1) }])));
      expect(concurrent.map(plain)).toEqual(sequential.map(plain));
      expect(batched.flat().map(plain).map((r) => r.points.length)).toEqual(sequential.map(() => 136));
      // Distinct inputs give distinct results (the comparison above is not between identical constants).
      expect(plain(sequential[0]).points).not.toEqual(plain(sequential[1]).points);
      for (const r of concurrent) expect(r.timings.inference).toBeGreaterThanOrEqual(r.timings.inferenceCore!);
    } finally {
      await lm.dispose();
    }
  });
});

describe('errors', () => {
  test('a session.run failure rejects that call with ERR_INFERENCE and ORT\'s message; the thread keeps working', async () => {
    const lm = await TrtLandmarker.create({ model: REG, backend: 'onnxruntime' });
    try {
      const thread = threadOf(lm);
      const err = await thread.run('input', new Float32Array(3 * 5 * 5), [1, 3, 5, 5], ['landmarks']).then(() => null, (e: unknown) => e);
      expect(err).toMatchObject({ name: 'LandmarkerError', code: 'ERR_INFERENCE' });
      expect((err as Error).message).toMatch(new RegExp(`^ONNX Runtime failed running ${REG.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*[Ii]nvalid dimensions`));
      expect((await lm.detect(frame(1))).points.length).toBe(136);
    } finally {
      await lm.dispose();
    }
  });

  test('the thread dying mid-inference rejects the call in flight and the queued ones with ERR_INFERENCE; later calls too', async () => {
    const lm = await TrtLandmarker.create({ model: SLOW, backend: 'onnxruntime' });
    const core = (await lm.detect(frame(0))).timings.inferenceCore!;
    const thread = threadOf(lm);
    const calls = [1, 2, 3, 4].map((i) => lm.detect(frame(i)));
    // The first call is posted once its frame is preprocessed (a millisecond or two) and runs for `core` ms.
    await sleep(Math.min(20, core / 3));
    const code = await thread.terminate();
    const expected = {
      name: 'LandmarkerError',
      code: 'ERR_INFERENCE',
      message: `The ONNX Runtime worker thread for ${SLOW} exited with code ${code}; this landmarker cannot run anymore (dispose it and create a new one)`,
    };
    const settled = await Promise.allSettled(calls);
    for (const s of settled) expect(s.status === 'rejected' ? s.reason : s.value).toMatchObject(expected);
    await expect(lm.detect(frame(5))).rejects.toMatchObject(expected);
    expect(thread.running).toBe(false);
    await lm.dispose();
    await lm.dispose();
    await expect(lm.detect(frame(5))).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});

describe('dispose', () => {
  test('dispose during inference: calls in flight finish, then the session is released and the thread exits', async () => {
    const lm = await TrtLandmarker.create({ model: SLOW, backend: 'onnxruntime' });
    const thread = threadOf(lm);
    const calls = [1, 2, 3].map((i) => lm.detect(frame(i)));
    await sleep(5);
    await lm.dispose();
    expect(thread.running).toBe(false);
    const settled = await Promise.allSettled(calls);
    for (const s of settled) {
      if (s.status === 'fulfilled') expect(s.value.points.length).toBe(136);
      else expect(s.reason).toMatchObject({ code: 'ERR_DISPOSED', message: 'This TrtLandmarker has been disposed' });
    }
    expect(settled.some((s) => s.status === 'fulfilled')).toBe(true);
    // The facade alone answers calls after dispose() (ERR_DISPOSED above); reaching the closed thread is a bug.
    await expect(thread.run('input', new Float32Array(3 * 160 * 160), [1, 3, 160, 160], ['landmarks'])).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
  });
});

describe('process exit', () => {
  /**
   * A child node process runs the compiled package (dist/) and never disposes its landmarkers: one answers a
   * detect() whose promise is the only thing keeping the process busy (so the thread must hold the process open
   * while a call runs), one is never used. The child must print the result
   * and exit with code 0 on its own, promptly.
   */
  /** Runs `body` (after `TrtLandmarker` is loaded) in a child node; resolves when it is gone. */
  async function child(body: string): Promise<{ code: number | null; signal: string | null; at: number; out: string; err: string }> {
    const script = `
      const { TrtLandmarker } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'landmarker.js'))});
      const frame = { data: new Uint8Array(64 * 48 * 3).fill(90), width: 64, height: 48, format: 'rgb' };
      ${body}
    `;
    const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise((resolve) => {
      const killer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
      proc.on('close', (code, signal) => {
        clearTimeout(killer);
        resolve({ code, signal, at: Date.now(), out, err });
      });
    });
  }

  test('an undisposed landmarker neither cuts a call short nor keeps the process alive', async () => {
    const r = await child(`
      (async () => {
        const idle = await TrtLandmarker.create({ model: ${JSON.stringify(REG)}, backend: 'onnxruntime' });
        const used = await TrtLandmarker.create({ model: ${JSON.stringify(SLOW)}, backend: 'onnxruntime' });
        used.detect(frame).then((r) => console.log('result ' + r.points.length + ' ' + Date.now()));
      })();
    `);
    const m = /result (\d+) (\d+)/.exec(r.out);
    expect({ code: r.code, signal: r.signal, stderr: m ? '' : r.err, result: m?.[1] }).toEqual({ code: 0, signal: null, stderr: '', result: '136' });
    // From the result to the process being gone: a few ms of teardown, far below a hang.
    expect(r.at - Number(m![2])).toBeLessThan(3000);
  }, 90_000);

  /** Without the exit hook, Node terminating the thread inside session.run aborts the process (SIGABRT, code 134). */
  test('process.exit() during inference exits with the code given', async () => {
    const r = await child(`
      (async () => {
        const lm = await TrtLandmarker.create({ model: ${JSON.stringify(SLOW)}, backend: 'onnxruntime' });
        await lm.detect(frame);
        const calls = [1, 2, 3].map(() => lm.detect(frame));
        setTimeout(() => { console.log('exiting'); process.exit(7); }, 15);
      })();
    `);
    expect({ code: r.code, signal: r.signal, out: r.out.trim(), err: r.err }).toEqual({ code: 7, signal: null, out: 'exiting', err: '' });
  }, 90_000);
});
