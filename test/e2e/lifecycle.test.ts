/**
 * Lifecycle: dispose() during inference, calls after dispose, idempotent dispose, Symbol.asyncDispose, and a leak
 * test of 10,000 detect() calls. Tiny models built in the test: no Python, no ../shared.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TrtLandmarker } from '../../src/landmarker';
import type { LandmarkResult } from '../../src/types';
import { pipnetContract, regressionContract, tinyPipnet, tinyRegression } from '../unit/helpers/onnx-builder';

const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
const REG = join(dir, 'reg64.onnx');
const PIP = join(dir, 'pip.onnx');
writeFileSync(REG, tinyRegression({ size: 64, metadata: { trt_landmarker: JSON.stringify(regressionContract(64)) } }));
writeFileSync(PIP, tinyPipnet({ size: 64, metadata: { trt_landmarker: JSON.stringify(pipnetContract(64)) } }));

const frame = (seed = 0) => ({ data: new Uint8Array(64 * 48 * 3).map((_, i) => (i * 31 + seed * 17) % 256), width: 64, height: 48, format: 'rgb' as const });

describe('dispose', () => {
  /*
   * Inference really in flight: the backend's worker thread is watched (OnnxRuntimePipeline.thread.run, the hop into
   * ONNX Runtime) and dispose() is called only once a session.run has been posted. By then a first wave of raw-frame
   * calls is queued in the backend, and a second wave of JPEG calls, made just before dispose(), is still decoding.
   * The contract: every image that reached the backend comes back with finite points, every call that had not
   * rejects with ERR_DISPOSED, and dispose() resolves only after the last of them settled.
   */
  test.each([['regression', REG], ['pipnet', PIP]])('%s: dispose during inference: calls in the backend finish, the rest reject with ERR_DISPOSED', async (_n, model) => {
    const sharp = (await import('sharp')).default;
    const jpeg = await sharp(Buffer.from(frame(7).data), { raw: { width: 64, height: 48, channels: 3 } }).jpeg().toBuffer();
    const lm = await TrtLandmarker.create({ model, backend: 'onnxruntime', maxBatch: 4 });
    const thread = (lm as unknown as { pipeline: { thread: { run: (...a: unknown[]) => Promise<unknown> } } }).pipeline.thread;
    const realRun = thread.run.bind(thread);
    let imagesInBackend = 0;
    let inferenceStarted!: () => void;
    const started = new Promise<void>((r) => (inferenceStarted = r));
    thread.run = (...a: unknown[]) => {
      imagesInBackend += (a[2] as number[])[0];
      inferenceStarted();
      return realRun(...a);
    };
    const order: string[] = [];
    const track = (p: Promise<unknown>): Promise<unknown> => {
      p.then(() => order.push('result'), () => order.push('rejection'));
      return p;
    };
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) {
      calls.push(track(i % 4 === 0 ? lm.detectBatch([frame(i), frame(i + 1)]) : lm.detect(frame(i), { box: [4, 4, 40, 30] })));
    }
    await started;
    for (let i = 0; i < 20; i++) calls.push(track(i % 4 === 0 ? lm.detectBatch([jpeg, jpeg]) : lm.detect(jpeg)));
    const disposing = lm.dispose().then(() => order.push('disposed'));
    const settled = await Promise.allSettled(calls);
    await disposing;
    let images = 0;
    let cancelled = 0;
    for (const s of settled) {
      if (s.status === 'fulfilled') {
        const v = s.value as LandmarkResult | LandmarkResult[];
        for (const r of Array.isArray(v) ? v : [v]) {
          images++;
          expect(r.points.length).toBe(136);
          for (const x of r.points) expect(Number.isFinite(x)).toBe(true);
        }
      } else {
        cancelled++;
        expect(s.reason).toMatchObject({ name: 'LandmarkerError', code: 'ERR_DISPOSED', message: 'This TrtLandmarker has been disposed' });
      }
    }
    console.log(`dispose during inference (${_n}): ${images} images in the backend finished, ${cancelled} of 40 calls cancelled`);
    // Both branches ran: work in the backend finished, work still decoding was cancelled (every JPEG call at least).
    expect(images).toBeGreaterThan(0);
    expect(cancelled).toBeGreaterThanOrEqual(20);
    // Exactly the images that reached the backend came back; nothing cancelled had run.
    expect(images).toBe(imagesInBackend);
    // dispose() waited for all of them.
    expect(order.indexOf('disposed')).toBe(order.length - 1);
    // Calls made after dispose() reject at once, whatever their arguments.
    expect(await lm.detect(frame()).catch((e: unknown) => e)).toMatchObject({ code: 'ERR_DISPOSED', message: 'This TrtLandmarker has been disposed' });
    expect(await lm.detectBatch([frame()]).catch((e: unknown) => e)).toMatchObject({ code: 'ERR_DISPOSED' });
    expect(await lm.detect('no/such/file.jpg').catch((e: unknown) => e)).toMatchObject({ code: 'ERR_DISPOSED' });
    // Idempotent.
    await lm.dispose();
    await lm.dispose();
  });

  test('dispose while images are still decoding', async () => {
    const lm = await TrtLandmarker.create({ model: REG, backend: 'onnxruntime' });
    const sharp = (await import('sharp')).default;
    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const p = lm.detect(jpeg);
    await lm.dispose();
    // The call was in its decode stage when dispose() began: it rejects rather than running on a released session.
    await expect(p).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  test('Symbol.asyncDispose (await using)', async () => {
    let kept: TrtLandmarker | undefined;
    {
      await using lm = await TrtLandmarker.create({ model: REG, backend: 'onnxruntime' });
      kept = lm;
      expect((await lm.detect(frame())).points.length).toBe(136);
    }
    await expect(kept!.detect(frame())).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});

describe('memory', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    return process.memoryUsage();
  };

  /*
   * 10,000 detect() calls (1,000 warm-up + 9,000 measured), 4 in flight at a time, on a 64x48 RGB frame and a
   * model with a 3x64x64 float input. Bounds, measured after a forced GC:
   *   JS heap < 4 MB growth:   leaking one result per call (136 floats + objects, ~1 KB) would add ~9 MB;
   *   ArrayBuffers < 8 MB:     leaking the 48 KB input tensor per call would add ~440 MB, an output ~5 MB;
   *   RSS < 64 MB growth:      native leaks of the same tensors (addon or ONNX Runtime side) would add >= 440 MB;
   *                            64 MB leaves room for allocator and arena noise, which settles during warm-up.
   */
  test('10,000 detects keep heap, array buffers and RSS flat', async () => {
    const lm = await TrtLandmarker.create({ model: REG, backend: 'onnxruntime' });
    const frames = [frame(1), frame(2), frame(3), frame(4)];
    const run = async (n: number) => {
      for (let i = 0; i < n; i += 4) {
        const rs = await Promise.all(frames.map((f, k) => lm.detect(f, { box: [2 + k, 2, 50, 40] })));
        if (rs[0].points.length !== 136) throw new Error('bad result');
      }
    };
    const t0 = performance.now();
    await run(1000);
    const before = await settle();
    await run(9000);
    const after = await settle();
    const secs = (performance.now() - t0) / 1000;
    await lm.dispose();
    const mb = (x: number) => (x / 2 ** 20).toFixed(1);
    console.log(
      `10,000 detects in ${secs.toFixed(1)} s; growth after warm-up: heap ${mb(after.heapUsed - before.heapUsed)} MB, ` +
        `arrayBuffers ${mb(after.arrayBuffers - before.arrayBuffers)} MB, rss ${mb(after.rss - before.rss)} MB (rss ${mb(after.rss)} MB)`,
    );
    expect(after.heapUsed - before.heapUsed).toBeLessThan(4 * 2 ** 20);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(8 * 2 ** 20);
    expect(after.rss - before.rss).toBeLessThan(64 * 2 ** 20);
  }, 120_000);
});
